#pragma once
// S/4HANA business events: the HTTPS endpoint SAP's event brokers (Event
// Mesh, Advanced Event Mesh) deliver CloudEvents to as webhook calls
// (docs/sources.md#s4hana-business-events).
//
// The contract, as for IDocs: a request is answered 2xx only after its
// event is durable in the outbox, so the broker redelivers anything the
// agent did not keep. An S/4 event carries only the entity's key: with
// `fetch`, the entity is read from OData first and the entity is what the
// event holds and the flows map; when S/4 cannot be reached the event is
// answered 503 + Retry-After (redelivered later), when the entity is gone
// (404) the event says deleted. A resend of an event (same source and id)
// is answered 2xx and not stored again.
//
// Answers: 204 committed · 400 not a valid CloudEvent, with the reason ·
// 401 credentials · 404 path · 405 method · 413 too large · 415 content type
// · 503 + Retry-After (outbox full, disk, S/4 not answering). OPTIONS is
// the CloudEvents webhook validation handshake (WebHook-Request-Origin →
// WebHook-Allowed-Origin), for the origins in allowed_origins.

#include <memory>
#include <optional>

#include "agent/sources/s4_events/s4_events_config.h"
#include "agent/sources/source.h"
#include "common/http/cloud_event.h"
#include "common/http/http_client.h"
#include "common/http/http_server.h"

namespace ferry::agent {

class S4EventsSource : public Source {
 public:
  S4EventsSource(const SourceContext& context, S4EventsConfig config);
  ~S4EventsSource() override;
  std::string_view name() const override { return "s4_events"; }
  Status Start() override;
  void Stop() override;
  size_t InFlight() const override { return in_flight_; }
  void WriteMetrics(metrics::MetricsText& out) const override;
  uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  std::optional<http::Response> CheckHead(const http::Request& req) const;
  boost::asio::awaitable<http::Response> Handle(http::Request& req);
  http::Response Handshake(const http::Request& req) const;
  // The entity the event names, read from S/4: the event to store, or the
  // answer to give the sender instead.
  boost::asio::awaitable<std::variant<IncomingEvent, http::Response>> Fetched(const http::Request& req,
                                                                              const http::CloudEvent& event,
                                                                              const EventEntity& entity);
  // One GET of S/4 with the source's logon; nullopt when S/4 could not be
  // reached (the reason is logged).
  boost::asio::awaitable<std::optional<http::ClientResponse>> Get(const std::string& url);
  IncomingEvent Plain(const http::CloudEvent& event) const;
  http::Response RetryLater(const http::Request& req, const std::string& reason);

  SourceContext context_;
  S4EventsConfig config_;
  std::string expected_authorization_;
  std::string fetch_authorization_;
  std::shared_ptr<http::HttpServer> server_;
  std::unique_ptr<http::HttpClient> client_;
  size_t in_flight_ = 0;
  // For /metrics.
  uint64_t accepted_ = 0, duplicates_ = 0, refused_ = 0, retry_later_ = 0, fetched_ = 0;
};

}  // namespace ferry::agent
