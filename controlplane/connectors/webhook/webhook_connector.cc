#include "controlplane/connectors/webhook/webhook_connector.h"

#include <boost/json.hpp>

#include <ctime>

#include "common/config/secret_file.h"
#include "common/crypto/webhook_signature.h"
#include "common/flows/flow_set.h"
#include "common/util/clock.h"
#include "controlplane/connectors/http_outcome.h"

namespace ferry::controlplane {

namespace bhttp = boost::beast::http;

WebhookConnector::WebhookConnector(boost::asio::any_io_executor executor, WebhookConfig config)
    : config_(std::move(config)), client_(executor, config_.client) {}

std::string WebhookConnector::Body(const ferry::v1::Event& event) {
  boost::json::object idoc;
  // Every control field that is set, by its proto (lower-case SAP) name.
  const auto* descriptor = event.idoc().GetDescriptor();
  const auto* reflection = event.idoc().GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    std::string value = reflection->GetString(event.idoc(), field);
    if (!value.empty()) idoc[field->name()] = value;
  }
  boost::json::object body;
  body["event_id"] = event.event_id();
  body["agent_id"] = event.agent_id();
  body["source"] = event.source();
  body["business_key"] = event.business_key();
  body["received_at"] = FormatIsoTimeMs(event.received_unix_ms());
  body["idoc"] = std::move(idoc);
  if (event.has_s4()) {
    const ferry::v1::S4Entity& s4 = event.s4();
    body["s4"] = boost::json::object{{"service", s4.service()},
                                     {"entity_set", s4.entity_set()},
                                     {"key", s4.key()},
                                     {"changed_at", s4.changed_at()},
                                     {"deleted", s4.deleted()}};
  }
  if (event.flow_id().empty()) {
    body["content_type"] = event.content_type();
    body["payload"] = event.payload();
    return boost::json::serialize(body);
  }
  body["flow"] = event.flow_id();
  body["bundle_version"] = event.bundle_version();
  body["connector"] = event.connector();
  // Records are spliced in as written at the agent: their decimals are
  // exact JSON numbers that a round trip through double would change.
  std::string text = boost::json::serialize(body);
  text.pop_back();
  text += ",\"records\":[";
  for (int i = 0; i < event.records_size(); ++i) {
    if (i > 0) text += ',';
    text += flows::RecordJson(event.records(i));
  }
  text += "]}";
  return text;
}

boost::asio::awaitable<DeliveryResult> WebhookConnector::Deliver(const ferry::v1::Event& event) {
  http::HttpClient::OutRequest req{bhttp::verb::post, config_.url.target, 11};
  req.set(bhttp::field::content_type, "application/json");
  req.set("Idempotency-Key", event.event_id());
  req.set("X-Ferry-Event-Id", event.event_id());
  req.body() = Body(event);
  if (!config_.signing_secret_file.empty()) {
    auto secret = config::ReadSecretFile(config_.signing_secret_file);
    if (!secret.ok())
      co_return DeliveryResult::Retry("webhook signing secret: " + std::string(secret.status().message()));
    req.set("X-Ferry-Signature", crypto::SignWebhook(*secret, NowUnixMs() / 1000, req.body()));
  }
  auto res = co_await client_.Send(config_.url, std::move(req));
  if (!res.ok()) co_return DeliveryResult::Retry(res.status().message());
  const int status = res->status;
  if (status >= 200 && status < 300) {
    auto location = res->headers.find("location");
    co_return DeliveryResult::Delivered(location == res->headers.end() ? "" : location->second);
  }
  std::string reason = "HTTP " + std::to_string(status) + ": " + Excerpt(res->body);
  if (IsTransientStatus(status)) co_return DeliveryResult::Retry(reason, RetryAfterOf(*res));
  co_return DeliveryResult::Rejected(reason);
}

}  // namespace ferry::controlplane
