#include "controlplane/down/signed_webhook_channel.h"

#include <boost/json.hpp>

#include "common/config/secret_file.h"
#include "common/crypto/webhook_signature.h"
#include "common/http/json_response.h"
#include "common/util/utf8.h"

namespace ferry::controlplane {
namespace {

// Object names, record ids and delivery ids travel in topics' payloads,
// logs and LMDB keys: letters, digits and a few separators only.
bool IsName(std::string_view s) {
  if (s.empty() || s.size() > SignedWebhookChannel::kMaxNameBytes) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string_view Header(const http::Request& req, std::string_view name) {
  auto it = req.find(boost::beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

}  // namespace

Result<InboundRecord> SignedWebhookChannel::ReadRecord(std::string_view object, std::string_view record_id,
                                                       std::string_view body) {
  if (!IsName(object)) {
    return Status::InvalidArgument("X-Ferry-Object must name the CRM object: 1 to 128 letters, digits, '_', '-', "
                                   "'.' or ':'");
  }
  if (!IsName(record_id)) {
    return Status::InvalidArgument("X-Ferry-Record-Id must be the record's id: 1 to 128 letters, digits, '_', '-', "
                                   "'.' or ':'");
  }
  if (const size_t bad = FindInvalidUtf8(body); bad != std::string_view::npos) {
    return Status::InvalidArgument("the body is not UTF-8 (byte " + std::to_string(bad) + ")");
  }
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec, {}, options);
  if (ec) return Status::InvalidArgument("the body is not JSON: " + ec.message());
  if (!value.is_object()) return Status::InvalidArgument("the body must be the record, a JSON object");
  return InboundRecord{std::string(object), std::string(record_id), std::string(body)};
}

Result<InboundNotification> SignedWebhookChannel::Read(const http::Request& req, int64_t now_unix_ms) const {
  Result<std::string> secret = config::ReadSecretFile(secret_file_);
  if (!secret.ok()) {
    // The operator's mistake, not the sender's: answered 503 so the CRM retries.
    return Status::Unavailable("the channel's secret: " + std::string(secret.status().message()));
  }
  const std::string_view signature = Header(req, "X-Ferry-Signature");
  if (signature.empty()) return Status::Unauthenticated("X-Ferry-Signature is missing");
  if (Status s = crypto::CheckWebhookSignature(signature, *secret, req.body(), now_unix_ms / 1000, tolerance_);
      !s.ok()) {
    return s;
  }
  Result<InboundRecord> record = ReadRecord(Header(req, "X-Ferry-Object"), Header(req, "X-Ferry-Record-Id"), req.body());
  if (!record.ok()) return record.status();
  InboundNotification out;
  const std::string_view delivery = Header(req, "X-Ferry-Delivery");
  if (!delivery.empty() && !IsName(delivery)) {
    return Status::InvalidArgument("X-Ferry-Delivery: 1 to 128 letters, digits, '_', '-', '.' or ':'");
  }
  out.delivery_id = std::string(delivery);
  out.records.push_back(std::move(record).value());
  return out;
}

http::Response SignedWebhookChannel::Accepted(const http::Request& req,
                                              const std::vector<std::string>& command_ids) const {
  boost::json::array ids;
  for (const std::string& id : command_ids) ids.emplace_back(id);
  return http::JsonResponse(req, http::beast_http::status::accepted, boost::json::object{{"commands", std::move(ids)}});
}

InboundChannelFactory SignedWebhookChannelFactory() {
  return {"webhook", [](config::ConfigNode& node, const InboundChannelOptions&) -> std::shared_ptr<const InboundChannel> {
            const std::string secret_file = node.RequiredString("secret_file");
            const auto tolerance = node.Duration("tolerance", std::chrono::minutes(5));
            if (tolerance < std::chrono::seconds(10) || tolerance > std::chrono::hours(1)) {
              node.Error("tolerance", "must be between 10s and 1h");
            }
            return std::make_shared<SignedWebhookChannel>(
                secret_file, std::chrono::duration_cast<std::chrono::seconds>(tolerance));
          }};
}

}  // namespace ferry::controlplane
