#include "controlplane/alerts/webhook_channel.h"

#include "common/config/secret_file.h"
#include "common/crypto/webhook_signature.h"
#include "common/util/clock.h"

namespace ferry::controlplane {

namespace bhttp = boost::beast::http;

WebhookChannel::WebhookChannel(boost::asio::any_io_executor executor, AlertWebhookOptions options)
    : options_(std::move(options)), name_("webhook " + options_.name), client_(executor, options_.client) {}

boost::asio::awaitable<Status> WebhookChannel::Send(const AlertMessage& message) {
  http::HttpClient::OutRequest req{bhttp::verb::post, options_.url.target, 11};
  req.set(bhttp::field::content_type, "application/json");
  req.set("Idempotency-Key", message.id);
  req.body() = AlertMessageJson(message);
  if (!options_.signing_secret_file.empty()) {
    // Read at each send: a rotated secret needs no restart.
    auto secret = config::ReadSecretFile(options_.signing_secret_file);
    if (!secret.ok()) co_return Status::Unavailable("signing secret: " + std::string(secret.status().message()));
    req.set("X-Ferry-Signature", crypto::SignWebhook(*secret, NowUnixMs() / 1000, req.body()));
  }
  auto res = co_await client_.Send(options_.url, std::move(req));
  if (!res.ok()) co_return Status::Unavailable(std::string(res.status().message()));
  const int status = res->status;
  if (status >= 200 && status < 300) co_return Status::Ok();
  const std::string what = "the webhook answered HTTP " + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500) co_return Status::Unavailable(what);
  co_return Status::FailedPrecondition(what);
}

}  // namespace ferry::controlplane
