#include "controlplane/down/salesforce_flow_callout_channel.h"

#include <boost/json.hpp>

#include "common/config/secret_file.h"
#include "common/crypto/ed25519.h"
#include "common/fleet/enrollment_token.h"
#include "common/http/basic_auth.h"
#include "controlplane/down/inbound_record.h"
#include "controlplane/down/signed_webhook_channel.h"

namespace ferry::controlplane {

Result<InboundNotification> SalesforceFlowCalloutChannel::Read(const http::Request& req, int64_t) const {
  if (Status s = CheckPinnedClientCertificate(req, settings_.client_certificate_file); !s.ok()) return s;
  Result<std::string> token = config::ReadSecretFile(settings_.token_file);
  if (!token.ok()) {
    // The operator's mistake, not Salesforce's: answered 503, so the flow's path fails and is retried.
    return Status::Unavailable("the channel's token: " + std::string(token.status().message()));
  }
  const std::string_view given = http::CredentialsOf(http::HeaderValue(req, "Authorization"), "bearer");
  if (given.empty()) return Status::Unauthenticated("no Authorization: Bearer header");
  if (!fleet::ConstantTimeEquals(given, *token)) return Status::Unauthenticated("the bearer token is wrong");
  Result<FlowCallout> callout = ParseFlowCallout(req.body());
  if (!callout.ok()) return callout.status();
  if (!SameOrganization(callout->organization_id, settings_.organization_id)) {
    return Status::Unauthenticated("organization " + callout->organization_id + " is not the channel's");
  }
  if (settings_.read.find(callout->object) == settings_.read.end()) {
    return Status::InvalidArgument("the channel reads no " + callout->object + " (add it under the channel's read)");
  }
  // Only the id until the record is read whole.
  Result<InboundRecord> record =
      ReadInboundRecord(callout->object, callout->record_id,
                        "{\"Id\":" + boost::json::serialize(boost::json::string(callout->record_id)) + "}");
  if (!record.ok()) return record.status();
  InboundNotification out;
  out.read_first = true;
  // One change of one record: its object, id and modification stamp (of
  // any text the flow formats it as), as a digest of fixed length.
  out.delivery_id =
      "sf-flow:" + crypto::Sha256Hex(callout->object + "\n" + callout->record_id + "\n" + callout->changed_at);
  out.records.push_back(std::move(record).value());
  return out;
}

http::Response SalesforceFlowCalloutChannel::Accepted(const http::Request& req,
                                                      const std::vector<std::string>& command_ids) const {
  return CommandsAccepted(req, command_ids);
}

std::string SalesforceFlowCalloutChannel::ReadQuery(std::string_view object) const {
  auto it = settings_.read.find(std::string(object));
  return it == settings_.read.end() ? std::string() : it->second;
}

InboundChannelFactory SalesforceFlowCalloutChannelFactory() {
  return {"salesforce_flow_callout",
          [](config::ConfigNode& node, const InboundChannelOptions&) -> std::shared_ptr<const InboundChannel> {
            return std::make_shared<SalesforceFlowCalloutChannel>(ReadSalesforceChannelSettings(node));
          }};
}

}  // namespace ferry::controlplane
