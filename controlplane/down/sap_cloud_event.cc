#include "controlplane/down/sap_cloud_event.h"

#include <boost/json.hpp>

#include <vector>

#include "common/crypto/ed25519.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"

namespace ferry::controlplane {

namespace json = boost::json;

Result<SapCloudEvent> ReadSapCloudEvent(std::string_view content_type, const http::HeaderLookup& header,
                                        std::string_view body) {
  static const std::vector<std::string> kSpecVersions = {"0.2", "0.3", "1.0"};
  Result<http::CloudEvent> event = http::ReadCloudEvent(content_type, header, body, kSpecVersions);
  if (!event.ok()) return event.status();
  std::string image_id;
  boost::system::error_code ec;
  const json::value data = json::parse(event->data, ec);  // ReadCloudEvent checked it: an object, bounded
  if (!ec && data.is_object()) {
    if (const json::value* image = data.as_object().if_contains("currentImage"); image && image->is_object()) {
      if (const json::value* id = image->as_object().if_contains("id"); id && id->is_string()) {
        image_id = std::string(id->as_string());
      }
    }
  }
  if (!event->subject.empty() && !image_id.empty() && event->subject != image_id) {
    return Status::InvalidArgument("the event's subject and data.currentImage.id name different entities");
  }
  SapCloudEvent out;
  out.entity_id = event->subject.empty() ? image_id : event->subject;
  if (out.entity_id.empty()) {
    return Status::InvalidArgument("the event names no entity: no subject and no data.currentImage.id");
  }
  if (!sap_sales_cloud::IsEntityId(out.entity_id)) {
    return Status::InvalidArgument("the event's entity id is not a V2 id");
  }
  out.type = std::move(event->type);
  // CloudEvents are unique by source and id, each up to 1,024 characters
  // of any text: a digest keeps the key short.
  out.delivery_id = "v2:" + crypto::Sha256Hex(event->source + "\n" + event->id);
  return out;
}

}  // namespace ferry::controlplane
