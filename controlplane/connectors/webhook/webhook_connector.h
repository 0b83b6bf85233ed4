#pragma once
// Webhook connector: POSTs each event as a JSON document to one URL.
//
// Body: {"event_id","agent_id","source","business_key","received_at",
//        "idoc":{control fields that are set, lower-case names},
//        "content_type","payload"}; headers Idempotency-Key and
// X-Ferry-Event-Id carry the event id, so a receiver can drop redeliveries.
// With a signing secret, X-Ferry-Signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>"> lets the receiver check that Ferry sent the
// body unchanged, and reject old replays by t.
// Classification (the engine retries): 2xx delivered; 408, 425, 429, 5xx and
// transport errors retry (Retry-After honoured); any other 4xx is rejected
// with the status and the start of the response body as the reason.

#include "common/http/http_client.h"
#include "controlplane/connectors/webhook/webhook_config.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

class WebhookConnector : public Connector {
 public:
  WebhookConnector(boost::asio::any_io_executor executor, WebhookConfig config);
  std::string_view name() const override { return "webhook"; }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) override;

  // Exposed for tests: the JSON body for an event.
  static std::string Body(const ferry::v1::Event& event);

 private:
  WebhookConfig config_;
  http::HttpClient client_;
};

}  // namespace ferry::controlplane
