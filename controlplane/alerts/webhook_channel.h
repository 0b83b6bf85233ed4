#pragma once
// Alert notifications as a JSON POST (AlertMessageJson) to a webhook,
// signed as the webhook connector signs its deliveries
// (X-Ferry-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">)
// when a signing secret is configured, with the notification's id as
// Idempotency-Key so a receiver can drop a repeat of a retried one.
//
// 2xx: taken. 408, 429 and 5xx, or no answer: Unavailable (tried again).
// Any other status: final.

#include <boost/asio/any_io_executor.hpp>

#include <string>

#include "common/http/http_client.h"
#include "controlplane/alerts/alert_channel.h"
#include "controlplane/alerts/alerts_config.h"

namespace ferry::controlplane {

class WebhookChannel : public AlertChannel {
 public:
  WebhookChannel(boost::asio::any_io_executor executor, AlertWebhookOptions options);
  std::string_view name() const override { return name_; }
  boost::asio::awaitable<Status> Send(const AlertMessage& message) override;

 private:
  AlertWebhookOptions options_;
  std::string name_;
  http::HttpClient client_;
};

}  // namespace ferry::controlplane
