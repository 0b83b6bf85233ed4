#pragma once
// The body of a Salesforce Flow's HTTP callout to a salesforce_flow_callout
// channel (salesforce_flow_callout_channel.h), as the sender wrote it:
// anyone who reaches the listener controls it.

#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::controlplane {

// The callout's body, checked: what the flow says changed.
struct FlowCallout {
  std::string organization_id, object, record_id, changed_at;
};
// InvalidArgument with the reason when `body` is not the callout's JSON
// object: organizationId, object (an API name), recordId (15 or 18
// letters and digits) and changedAt (at most 64 characters of text), each
// a string; other members are ignored.
Result<FlowCallout> ParseFlowCallout(std::string_view body);

}  // namespace ferry::controlplane
