#include "controlplane/down/signed_webhook_channel.h"

#include <boost/json.hpp>

#include "common/config/secret_file.h"
#include "common/crypto/webhook_signature.h"
#include "common/http/json_response.h"
#include "controlplane/down/inbound_record.h"

namespace ferry::controlplane {

Result<InboundNotification> SignedWebhookChannel::Read(const http::Request& req, int64_t now_unix_ms) const {
  Result<std::string> secret = config::ReadSecretFile(secret_file_);
  if (!secret.ok()) {
    // The operator's mistake, not the sender's: answered 503 so the CRM retries.
    return Status::Unavailable("the channel's secret: " + std::string(secret.status().message()));
  }
  const std::string_view signature = http::HeaderValue(req, "X-Ferry-Signature");
  if (signature.empty()) return Status::Unauthenticated("X-Ferry-Signature is missing");
  const std::string_view object = http::HeaderValue(req, "X-Ferry-Object"),
                         record_id = http::HeaderValue(req, "X-Ferry-Record-Id");
  const std::string_view delivery = http::HeaderValue(req, "X-Ferry-Delivery");
  // The names are signed with the body, each ended by a newline (which no
  // name may hold): a captured request cannot be sent again as another
  // object, another record or another delivery.
  const std::string signed_names =
      std::string(object) + "\n" + std::string(record_id) + "\n" + std::string(delivery) + "\n";
  if (Status s =
          crypto::CheckWebhookSignature(signature, *secret, req.body(), now_unix_ms / 1000, tolerance_, signed_names);
      !s.ok()) {
    return s;
  }
  if (object.empty() || record_id.empty() || delivery.empty()) {
    return Status::InvalidArgument(
        "X-Ferry-Object, X-Ferry-Record-Id and X-Ferry-Delivery name the CRM object, the record's id and this "
        "notification");
  }
  if (!IsInboundName(delivery)) {
    return Status::InvalidArgument("X-Ferry-Delivery: 1 to 128 letters, digits, '_', '-', '.' or ':'");
  }
  Result<InboundRecord> record = ReadInboundRecord(object, record_id, req.body());
  if (!record.ok()) return record.status();
  InboundNotification out;
  out.delivery_id = std::string(delivery);
  out.records.push_back(std::move(record).value());
  return out;
}

http::Response SignedWebhookChannel::Accepted(const http::Request& req,
                                              const std::vector<std::string>& command_ids) const {
  return CommandsAccepted(req, command_ids);
}

http::Response CommandsAccepted(const http::Request& req, const std::vector<std::string>& command_ids) {
  boost::json::array ids;
  for (const std::string& id : command_ids) ids.emplace_back(id);
  return http::JsonResponse(req, http::beast_http::status::accepted, boost::json::object{{"commands", std::move(ids)}});
}

InboundChannelFactory SignedWebhookChannelFactory() {
  return {"webhook",
          [](config::ConfigNode& node, const InboundChannelOptions&) -> std::shared_ptr<const InboundChannel> {
            const std::string secret_file = node.RequiredString("secret_file");
            const auto tolerance = node.Duration("tolerance", std::chrono::minutes(5));
            if (tolerance < std::chrono::seconds(10) || tolerance > std::chrono::hours(1)) {
              node.Error("tolerance", "must be between 10s and 1h");
            }
            return std::make_shared<SignedWebhookChannel>(secret_file,
                                                          std::chrono::duration_cast<std::chrono::seconds>(tolerance));
          }};
}

}  // namespace ferry::controlplane
