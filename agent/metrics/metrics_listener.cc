#include "agent/metrics/metrics_listener.h"

#include <spdlog/spdlog.h>

#include "common/metrics/metrics_text.h"

namespace ferry::agent {
namespace {

namespace bhttp = boost::beast::http;

}  // namespace

MetricsListener::MetricsListener(boost::asio::any_io_executor executor, std::string host, uint16_t port,
                                 std::function<std::string()> render)
    : executor_(executor), host_(std::move(host)), port_(port), render_(std::move(render)) {}

Status MetricsListener::Start() {
  http::HttpServerOptions options;
  options.host = host_;
  options.port = port_;
  options.max_body_bytes = 0;  // a scrape has no body
  options.max_body_setting = "a scrape has no body";
  options.max_connections = 4;
  options.idle_timeout = std::chrono::seconds(30);
  options.header_timeout = std::chrono::seconds(5);
  options.body_timeout = std::chrono::seconds(5);
  options.server_name = "ferry-agent";
  options.head_check = [](const http::Request& head, const boost::asio::ip::address&) -> std::optional<http::Response> {
    const std::string_view target(head.target().data(), head.target().size());
    if (target != "/metrics" && !target.starts_with("/metrics?")) {
      return http::TextResponse(head, bhttp::status::not_found, "only /metrics is served here");
    }
    if (head.method() != bhttp::verb::get && head.method() != bhttp::verb::head) {
      auto res = http::TextResponse(head, bhttp::status::method_not_allowed, "GET /metrics");
      res.set(bhttp::field::allow, "GET, HEAD");
      return res;
    }
    return std::nullopt;
  };
  server_ = http::HttpServer::Create(
      executor_, options,
      [this](http::Request& req, const boost::asio::ip::address&) -> boost::asio::awaitable<http::Response> {
        http::Response res{bhttp::status::ok, req.version()};
        res.set(bhttp::field::content_type, metrics::kContentType);
        res.set(bhttp::field::cache_control, "no-store");
        if (req.method() == bhttp::verb::get) res.body() = render_();
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        co_return res;
      });
  if (Status s = server_->Listen(); !s.ok()) return s;
  spdlog::info("event=metrics_listening address={}:{}", host_, server_->port());
  return Status::Ok();
}

void MetricsListener::Stop() {
  if (server_) server_->Stop();
}

uint16_t MetricsListener::port() const { return server_ ? server_->port() : 0; }

}  // namespace ferry::agent
