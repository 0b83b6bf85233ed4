#include "controlplane/down/sap_cloud_event_channel.h"

#include <boost/json.hpp>

#include <algorithm>

#include "common/config/secret_file.h"
#include "common/http/basic_auth.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"
#include "controlplane/down/inbound_record.h"
#include "controlplane/down/sap_cloud_event.h"
#include "controlplane/down/signed_webhook_channel.h"

namespace ferry::controlplane {

const SapCloudEventChannel::Object* SapCloudEventChannel::ObjectOf(std::string_view type) const {
  for (const Object& o : settings_.objects) {
    if (std::find(o.types.begin(), o.types.end(), type) != o.types.end()) return &o;
  }
  return nullptr;
}

Result<InboundNotification> SapCloudEventChannel::Read(const http::Request& req, int64_t) const {
  Result<std::string> password = config::ReadSecretFile(settings_.password_file);
  if (!password.ok()) {
    // The operator's mistake, not the tenant's: answered 503, so the event is sent again.
    return Status::Unavailable("the channel's password: " + std::string(password.status().message()));
  }
  if (!http::IsBasicAuthorization(http::HeaderValue(req, "Authorization"), settings_.user, *password)) {
    return Status::Unauthenticated("the request does not carry the channel's user and password (HTTP Basic)");
  }
  Result<SapCloudEvent> event = ReadSapCloudEvent(
      http::HeaderValue(req, "Content-Type"), [&req](std::string_view name) { return http::HeaderValue(req, name); },
      req.body());
  if (!event.ok()) return event.status();
  const Object* object = ObjectOf(event->type);
  if (object == nullptr) {
    return Status::InvalidArgument("the event type '" + event->type.substr(0, 200) +
                                   "' is not one the channel takes (add it to an object's types)");
  }
  // Only the id until the entity is read whole.
  const std::string& id = event->entity_id;
  Result<InboundRecord> record =
      ReadInboundRecord(object->object, id, "{\"id\":" + boost::json::serialize(boost::json::string(id)) + "}");
  if (!record.ok()) return record.status();
  InboundNotification out;
  out.read_first = true;
  out.delivery_id = event->delivery_id;
  out.records.push_back(std::move(record).value());
  return out;
}

http::Response SapCloudEventChannel::Accepted(const http::Request& req,
                                              const std::vector<std::string>& command_ids) const {
  return CommandsAccepted(req, command_ids);  // the tenant needs a 2xx, nothing more
}

std::string SapCloudEventChannel::ReadQuery(std::string_view object) const {
  for (const Object& o : settings_.objects) {
    if (o.object == object) return o.read;
  }
  return "";
}

InboundChannelFactory SapCloudEventChannelFactory() {
  return {"sap_cloud_v2_events",
          [](config::ConfigNode& node, const InboundChannelOptions& options) -> std::shared_ptr<const InboundChannel> {
            SapCloudEventChannel::Settings s;
            if (options.crm != "sap_sales_cloud") {
              node.Error("crm", "sap_sales_cloud: the connector that reads the entities the events announce");
            }
            s.user = node.RequiredString("user");
            if (s.user.find(':') != std::string::npos) node.Error("user", "a Basic user name has no ':'");
            s.password_file = node.RequiredString("password_file");
            config::ConfigNode objects = node.Section("objects");
            std::vector<std::string> seen_types;
            for (const std::string& name : objects.Keys()) {
              config::ConfigNode o = objects.Section(name);
              SapCloudEventChannel::Object object;
              object.object = name;
              if (!IsInboundName(name)) {
                objects.Error(name, "an object's name is 1 to 128 letters, digits, '_', '-', '.' or ':'");
              }
              object.types = o.StringList("types");
              if (object.types.empty()) {
                o.Error("types", "list the event types that announce a saved " + name +
                                     " (as the tenant's event monitoring shows them)");
              }
              for (const std::string& type : object.types) {
                if (std::find(seen_types.begin(), seen_types.end(), type) != seen_types.end()) {
                  o.Error("types", "'" + type + "' already announces another object");
                }
                seen_types.push_back(type);
              }
              object.read = o.RequiredString("read");
              if (std::string why = sap_sales_cloud::CheckReadQuery(object.read);
                  !object.read.empty() && !why.empty()) {
                o.Error("read", "the read query " + why);
              }
              s.objects.push_back(std::move(object));
            }
            if (s.objects.empty()) {
              node.Error("objects", "name each object the events announce, with its types and read query");
            }
            return std::make_shared<SapCloudEventChannel>(std::move(s));
          }};
}

}  // namespace ferry::controlplane
