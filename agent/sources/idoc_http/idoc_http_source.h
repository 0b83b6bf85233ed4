#pragma once
// IDoc-XML over HTTP: the endpoint SAP's XML-HTTP port (WE21 → SM59 type G)
// posts to. A request is answered 200 only after every IDoc in it is durable
// in the outbox, so SAP's status 03 means "Ferry has it".
//
// Answers: 200 accepted (also for a resend of IDocs already accepted: they
// are not stored twice) · 400 bad XML or IDoc structure, with the reason ·
// 401 wrong or missing credentials · 404 wrong path · 405 not POST · 413 too
// large · 415 wrong Content-Type · 503 + Retry-After when the buffer is full
// or the disk fails (SAP keeps the IDoc in status 02 and RBDAGAIN resends),
// or when more than max_connections connections are open.
//
// 401, 404, 405 and 415 are decided from the request head alone, before any
// body byte is read, so a client without credentials never makes the agent
// buffer a body.

#include <memory>
#include <optional>
#include <string>

#include "agent/sources/idoc_http/idoc_http_config.h"
#include "agent/sources/source.h"
#include "common/http/http_server.h"

namespace ferry::agent {

class IdocHttpSource : public Source {
 public:
  IdocHttpSource(const SourceContext& context, IdocHttpConfig config);
  ~IdocHttpSource() override;
  std::string_view name() const override { return "idoc_http"; }
  Status Start() override;
  void Stop() override;
  size_t InFlight() const override { return in_flight_; }
  void WriteMetrics(metrics::MetricsText& out) const override;
  uint16_t port() const;

 private:
  // The refusal for a request head that cannot be an IDoc post, or nullopt.
  std::optional<http::Response> CheckHead(const http::Request& head) const;
  boost::asio::awaitable<http::Response> Handle(http::Request& req);
  bool Authorized(const http::Request& req) const;

  SourceContext context_;
  IdocHttpConfig config_;
  std::string expected_authorization_;  // "Basic base64(user:password)"
  std::shared_ptr<http::HttpServer> server_;
  size_t in_flight_ = 0;
  // For /metrics.
  uint64_t idocs_accepted_ = 0;
  uint64_t idocs_duplicate_ = 0;
  uint64_t answered_malformed_ = 0;    // 400
  uint64_t answered_retry_later_ = 0;  // 503
  uint64_t answered_failed_ = 0;       // 500
  metrics::LatencyHistogram commit_seconds_;
};

}  // namespace ferry::agent
