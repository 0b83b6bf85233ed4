#include "controlplane/down/inbound_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/http/await_callback.h"
#include "common/http/json_response.h"
#include "common/util/clock.h"
#include "common/util/utf8.h"

namespace ferry::controlplane {
namespace {

constexpr std::string_view kInboundPath = "/inbound/v1/";

http::Response Refuse(const http::Request& req, http::beast_http::status status, const std::string& why) {
  http::Response res = http::JsonError(req, status, why);
  if (status == http::beast_http::status::service_unavailable) res.set(http::beast_http::field::retry_after, "30");
  return res;
}

}  // namespace

Status InboundService::Start() {
  std::string cert = options_.cert_file, key = options_.key_file;
  if (cert.empty()) {
    auto identity = pki_.EnsureInboundIdentity(options_.hosts);
    if (!identity.ok()) return identity.status();
    cert = key = identity->string();
  }
  auto tls = http::MakeServerTlsContext(cert, key);
  if (!tls.ok()) return tls.status();
  // Channels that pin a client certificate see the one presented; anyone
  // else's connection is served as before (a certificate is asked for, not
  // required, and trusted only by a channel's pin).
  const bool pins = std::any_of(options_.channels.begin(), options_.channels.end(),
                                [](const ConfiguredChannel& c) { return c.channel->wants_client_certificate(); });
  if (pins) {
    (*tls)->set_verify_mode(boost::asio::ssl::verify_peer);
    (*tls)->set_verify_callback([](bool, boost::asio::ssl::verify_context&) { return true; });
    // With client certificates asked for, OpenSSL refuses to resume a
    // session (a fatal alert to a client that tries) unless sessions carry
    // a context of this server's.
    static constexpr unsigned char kSessionContext[] = "ferry-inbound";
    SSL_CTX_set_session_id_context((*tls)->native_handle(), kSessionContext, sizeof kSessionContext - 1);
  }
  http::HttpServerOptions server;
  if (pins) server.client_certificate_header = std::string(kClientCertificateHeader);
  server.host = options_.host;
  server.port = options_.port;
  server.max_body_bytes = options_.max_body_bytes;
  server.max_body_setting = "inbound.max_body";
  server.tls = std::move(tls).value();
  server.server_name = "ferry-controlplane";
  // Nothing is read from a request that cannot be for a channel.
  server.head_check = [this](const http::Request& head,
                             const boost::asio::ip::address&) -> std::optional<http::Response> {
    const std::string_view target(head.target().data(), head.target().size());
    const ConfiguredChannel* channel =
        target.starts_with(kInboundPath) ? options_.Find(target.substr(kInboundPath.size())) : nullptr;
    // A polled channel is not a URL.
    if (channel == nullptr || channel->channel->poll() != nullptr) {
      return Refuse(head, http::beast_http::status::not_found, "no such inbound channel");
    }
    if (head.method() != http::beast_http::verb::post) {
      http::Response res = Refuse(head, http::beast_http::status::method_not_allowed, "channels take POST");
      res.set(http::beast_http::field::allow, "POST");
      return res;
    }
    return std::nullopt;
  };
  server_ = http::HttpServer::Create(
      executor_, server,
      [this](http::Request& req, const boost::asio::ip::address& peer) { return Handle(req, peer); });
  if (Status s = server_->Listen(); !s.ok()) return s;
  spdlog::info("event=inbound_listening address={}:{} channels={}", options_.host, server_->port(),
               options_.channels.size());
  return Status::Ok();
}

void InboundService::Stop() {
  if (server_) server_->Stop();
}

boost::asio::awaitable<http::Response> InboundService::Handle(http::Request& req,
                                                              const boost::asio::ip::address& peer) {
  const std::string_view target(req.target().data(), req.target().size());
  const ConfiguredChannel* configured = options_.Find(target.substr(kInboundPath.size()));
  if (configured == nullptr || configured->channel->poll() != nullptr) {
    co_return Refuse(req, http::beast_http::status::not_found, "no such inbound channel");
  }
  const std::string& name = configured->options.name;
  Result<InboundNotification> read = configured->channel->Read(req, NowUnixMs());
  if (!read.ok()) {
    const std::string why(read.status().message());
    spdlog::warn("event=inbound_refused channel={} client={} reason=\"{}\"", name, peer.to_string(), EscapeForLog(why));
    switch (read.status().code()) {
      case StatusCode::kUnauthenticated:
        // The reason stays in the log: a caller learns nothing from it.
        co_return Refuse(req, http::beast_http::status::unauthorized, "not signed by this channel's secret");
      case StatusCode::kUnavailable:
        co_return Refuse(req, http::beast_http::status::service_unavailable, "the channel is not available");
      default:
        co_return Refuse(req, http::beast_http::status::bad_request, why);
    }
  }
  InboundNotification notification = std::move(read).value();
  const size_t count = notification.records.size();
  const std::string delivery = notification.delivery_id;
  auto committed = co_await http::AwaitCallback<Result<std::vector<std::string>>>(
      [this, configured, &notification](std::function<void(Result<std::vector<std::string>>)> resolve) {
        commands_->Accept(configured->options, std::move(notification), std::move(resolve));
      });
  if (!committed.ok()) {
    spdlog::warn("event=inbound_not_committed channel={} reason=\"{}\"", name, committed.status().message());
    co_return Refuse(
        req, http::beast_http::status::service_unavailable,
        committed.status().code() == StatusCode::kResourceExhausted ? "the down queue is full" : "the store failed");
  }
  spdlog::info("event=inbound_committed channel={} records={} delivery={}", name, count, delivery);
  co_return configured->channel->Accepted(req, *committed);
}

}  // namespace ferry::controlplane
