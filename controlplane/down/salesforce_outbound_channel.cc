#include "controlplane/down/salesforce_outbound_channel.h"

#include "common/config/secret_file.h"
#include "common/fleet/enrollment_token.h"
#include "common/http/url_encoding.h"
#include "controlplane/down/outbound_message.h"
#include "controlplane/down/salesforce_channel_settings.h"

namespace ferry::controlplane {

Result<InboundNotification> SalesforceOutboundChannel::Read(const http::Request& req, int64_t) const {
  if (Status s = CheckPinnedClientCertificate(req, client_certificate_file_); !s.ok()) return s;
  Result<std::string> token = config::ReadSecretFile(token_file_);
  if (!token.ok()) {
    // The operator's mistake, not Salesforce's: answered 503, so it sends again.
    return Status::Unavailable("the channel's token: " + std::string(token.status().message()));
  }
  const auto [path, query] = http::SplitTarget(std::string_view(req.target().data(), req.target().size()));
  auto params = http::ParseQuery(query);
  const auto given = params ? params->find("token") : decltype(params->end()){};
  if (!params || given == params->end()) return Status::Unauthenticated("the URL has no token parameter");
  if (!fleet::ConstantTimeEquals(given->second, *token)) return Status::Unauthenticated("the URL's token is wrong");
  Result<OutboundMessage> message = ParseOutboundMessage(req.body());
  if (!message.ok()) return message.status();
  if (!SameOrganization(message->organization_id, organization_id_)) {
    return Status::Unauthenticated("organization " + message->organization_id + " is not the channel's");
  }
  InboundNotification out;
  out.read_first = true;
  for (OutboundNotification& n : message->notifications) {
    if (read_.find(n.object) == read_.end()) {
      return Status::InvalidArgument("the channel reads no " + n.object + " (add it under the channel's read)");
    }
    InboundRecord record;
    record.object = std::move(n.object);
    record.record_id = std::move(n.record_id);
    record.record_json = std::move(n.fields_json);
    record.delivery_id = "sf:" + n.id;
    out.records.push_back(std::move(record));
  }
  return out;
}

http::Response SalesforceOutboundChannel::Accepted(const http::Request& req, const std::vector<std::string>&) const {
  http::Response res{http::beast_http::status::ok, req.version()};
  res.set(http::beast_http::field::content_type, "text/xml; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = OutboundMessageAck();
  res.prepare_payload();
  return res;
}

std::string SalesforceOutboundChannel::ReadQuery(std::string_view object) const {
  auto it = read_.find(std::string(object));
  return it == read_.end() ? std::string() : it->second;
}

InboundChannelFactory SalesforceOutboundChannelFactory() {
  return {"salesforce_outbound_message",
          [](config::ConfigNode& node, const InboundChannelOptions&) -> std::shared_ptr<const InboundChannel> {
            SalesforceChannelSettings s = ReadSalesforceChannelSettings(node);
            return std::make_shared<SalesforceOutboundChannel>(s.organization_id, s.token_file, std::move(s.read),
                                                               s.client_certificate_file);
          }};
}

}  // namespace ferry::controlplane
