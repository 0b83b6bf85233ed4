#pragma once
// What an SAP Sales and Service Cloud V2 event announces, read from the
// request the tenant sent (sap_cloud_event_channel.h): its type, the
// entity it names and the id it is committed under. Everything in it is
// the sender's to choose until the channel has checked its credentials,
// and still bounded after.

#include <string>
#include <string_view>

#include "common/http/cloud_event.h"
#include "common/status.h"

namespace ferry::controlplane {

struct SapCloudEvent {
  std::string type;         // at most 1,024 characters of text
  std::string entity_id;    // a V2 id
  std::string delivery_id;  // "v2:" and 64 hex digits: unique per source and event id
};

// A CloudEvent of specversion 0.2, 0.3 or 1.0 (the tenant sends 0.2 with
// the 1.0 attribute names) whose subject, or data.currentImage.id, names
// the entity (the same when both are given). InvalidArgument with the
// reason otherwise.
Result<SapCloudEvent> ReadSapCloudEvent(std::string_view content_type, const http::HeaderLookup& header,
                                        std::string_view body);

}  // namespace ferry::controlplane
