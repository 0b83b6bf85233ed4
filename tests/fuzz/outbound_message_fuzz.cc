// Fuzz target: a Salesforce Outbound Message, and the body of a Flow's
// HTTP callout, as the control plane's inbound listener reads them
// (controlplane/down/outbound_message.h, flow_callout.h). Whoever reaches
// the listener controls the body before the token is even looked at.
//
// Beyond "no crash": a message it accepts holds 1 to 100 notifications,
// each with Salesforce ids, an object name of the safe alphabet and fields
// that make a JSON object an inbound record accepts; a callout it accepts
// names a record an inbound record accepts, and a one-line changedAt.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "controlplane/down/flow_callout.h"
#include "controlplane/down/inbound_record.h"
#include "controlplane/down/outbound_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto callout = ferry::controlplane::ParseFlowCallout(body); callout.ok()) {
    if (callout->record_id.size() != 15 && callout->record_id.size() != 18) std::abort();
    if (!ferry::controlplane::ReadInboundRecord(callout->object, callout->record_id, "{}").ok()) std::abort();
    if (callout->changed_at.empty() || callout->changed_at.size() > 64 ||
        callout->changed_at.find('\n') != std::string::npos) {
      std::abort();
    }
  }
  auto message = ferry::controlplane::ParseOutboundMessage(body);
  if (!message.ok()) return 0;
  if (message->notifications.empty() || message->notifications.size() > 100) std::abort();
  for (const auto& n : message->notifications) {
    if (n.id.size() != 15 && n.id.size() != 18) std::abort();
    if (n.record_id.size() != 15 && n.record_id.size() != 18) std::abort();
    if (!ferry::controlplane::ReadInboundRecord(n.object, n.record_id, n.fields_json).ok()) std::abort();
  }
  return 0;
}
