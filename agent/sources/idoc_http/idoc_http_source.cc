#include "agent/sources/idoc_http/idoc_http_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "agent/sources/idoc_events.h"
#include "agent/sources/idoc_http/soap_answer.h"
#include "common/http/await_callback.h"
#include "common/idoc/idoc_xml.h"

namespace ferry::agent {

namespace bhttp = boost::beast::http;

namespace {

// SAP sends text/xml or application/x-sap.idoc (WE21), with or without a
// charset parameter; application/xml is accepted as the generic XML type.
bool IsIdocContentType(std::string_view value) {
  std::string type(value.substr(0, value.find(';')));
  type.erase(std::remove_if(type.begin(), type.end(), ::isspace), type.end());
  std::transform(type.begin(), type.end(), type.begin(), ::tolower);
  return type == "text/xml" || type == "application/x-sap.idoc" || type == "application/xml" ||
         type == "application/soap+xml";
}

// SOAP 1.2's media type; SOAP 1.1 comes as text/xml.
bool IsSoap12ContentType(const http::Request& req) {
  auto ct = req.find(bhttp::field::content_type);
  return ct != req.end() && std::string_view(ct->value()).starts_with("application/soap+xml");
}

}  // namespace

IdocHttpSource::IdocHttpSource(const SourceContext& context, IdocHttpConfig config)
    : context_(context), config_(std::move(config)), expected_authorization_(ExpectedAuthorization(config_)) {}

IdocHttpSource::~IdocHttpSource() { Stop(); }

Status IdocHttpSource::Start() {
  http::HttpServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.max_body_bytes = config_.max_body_bytes;
  options.max_body_setting = "sources.idoc_http.max_body";
  options.server_name = "ferry-agent";
  options.max_connections = config_.max_connections;
  options.busy_retry_after = config_.retry_after;
  options.idle_timeout = config_.idle_timeout;
  options.header_timeout = config_.header_timeout;
  options.body_timeout = config_.body_timeout;
  options.head_check = [this](const http::Request& head, const boost::asio::ip::address&) { return CheckHead(head); };
  // SM59 "SSL client certificate": SAP must present one from the client CA
  // (and, when listed, with one of the subjects) or the handshake fails.
  auto tls = ListenerTls(config_, "idoc_http");
  if (!tls.ok()) return tls.status();
  options.tls = std::move(tls).value();
  server_ = http::HttpServer::Create(
      context_.executor, options, [this](http::Request& req, const boost::asio::ip::address&) { return Handle(req); });
  Status s = server_->Listen();
  if (s.ok()) {
    spdlog::info("event=source_listening source=idoc_http address={}:{} path={} tls={} auth={}", config_.host,
                 server_->port(), config_.path, options.tls ? "on" : "off",
                 expected_authorization_.empty() ? "none" : "basic");
  }
  return s;
}

void IdocHttpSource::Stop() {
  if (server_) server_->Stop();
}

uint16_t IdocHttpSource::port() const { return server_ ? server_->port() : 0; }

bool IdocHttpSource::Authorized(const http::Request& req) const {
  auto it = req.find(bhttp::field::authorization);
  return AuthorizationMatches(expected_authorization_,
                              it == req.end() ? std::string_view() : std::string_view(it->value()));
}

std::optional<http::Response> IdocHttpSource::CheckHead(const http::Request& req) const {
  const std::string target(req.target());
  const std::string path = target.substr(0, target.find('?'));
  if (path != config_.path) {
    return http::TextResponse(req, bhttp::status::not_found,
                              "no IDoc endpoint at " + path + "; SAP must post to " + config_.path);
  }
  if (req.method() != bhttp::verb::post) {
    auto res = http::TextResponse(req, bhttp::status::method_not_allowed, "IDocs must be sent with POST");
    res.set(bhttp::field::allow, "POST");
    return res;
  }
  if (!Authorized(req)) {
    spdlog::warn("event=idoc_http_unauthorized source=idoc_http");
    auto res = http::TextResponse(req, bhttp::status::unauthorized,
                                  "missing or wrong credentials: check the logon data of the SM59 destination");
    res.set(bhttp::field::www_authenticate, "Basic realm=\"ferry\", charset=\"UTF-8\"");
    return res;
  }
  auto ct = req.find(bhttp::field::content_type);
  if (ct == req.end() || !IsIdocContentType(ct->value())) {
    std::string given = ct == req.end() ? "(none)" : std::string(ct->value());
    return http::TextResponse(
        req, bhttp::status::unsupported_media_type,
        "unsupported Content-Type " + given +
            ": send text/xml or application/x-sap.idoc (WE21 port setting), or application/soap+xml with SOAP 1.2");
  }
  return std::nullopt;
}

boost::asio::awaitable<http::Response> IdocHttpSource::Handle(http::Request& req) {
  // CheckHead has passed: the server ran it before reading the body.
  auto packet = idoc::ParseIdocXml(req.body(), idoc::ParseLimits{config_.max_depth});
  if (!packet.ok()) {
    ++answered_malformed_;
    spdlog::warn("event=idoc_rejected source=idoc_http reason=\"{}\"", packet.status().message());
    if (idoc::LooksLikeSoapEnvelope(req.body())) {
      const bool soap12 = IsSoap12ContentType(req);
      co_return SoapFault(req, soap12 ? bhttp::status::bad_request : bhttp::status::internal_server_error,
                          soap12 ? idoc::SoapVersion::kSoap12 : idoc::SoapVersion::kSoap11, SoapFaultKind::kSender,
                          packet.status().message());
    }
    co_return http::TextResponse(req, bhttp::status::bad_request, packet.status().message());
  }
  const idoc::SoapVersion soap = packet->soap;
  std::vector<std::string> docnum_list;
  if (soap != idoc::SoapVersion::kNone) {
    for (const auto& idoc : packet->idocs) docnum_list.push_back(idoc.control.docnum);
  }

  IdocBatch batch = IdocEvents(packet->idocs, "idoc_http", context_.agent_id);
  std::vector<IncomingEvent>& events = batch.events;
  const std::string& docnums = batch.docnums;
  const size_t count = events.size();
  ++in_flight_;
  // Named locals, not temporaries, inside the co_await: g++ 12 mis-destroys
  // non-trivial temporaries of a co_await full-expression.
  auto shared_events = std::make_shared<std::vector<IncomingEvent>>(std::move(events));
  auto start = [this, shared_events](std::function<void(AcceptResult)> resolve) {
    context_.sink->Accept(std::move(*shared_events), std::move(resolve));
  };
  const auto commit_began = std::chrono::steady_clock::now();
  AcceptResult result = co_await http::AwaitCallback<AcceptResult>(start);
  --in_flight_;
  commit_seconds_.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_began).count());

  if (result.status.ok()) {
    idocs_accepted_ += count;
    idocs_duplicate_ += result.duplicates;
    spdlog::info("event=idoc_accepted source=idoc_http docnum={} stored={} duplicates={}", docnums, result.stored,
                 result.duplicates);
    if (soap != idoc::SoapVersion::kNone) co_return SoapAccepted(req, soap, docnum_list);
    co_return http::TextResponse(
        req, bhttp::status::ok,
        "accepted " + std::to_string(count) + " IDoc(s): " + docnums +
            (result.duplicates ? " (" + std::to_string(result.duplicates) + " already received earlier)" : ""));
  }
  if (result.status.retryable()) {
    ++answered_retry_later_;
    spdlog::warn("event=idoc_refused_retryable source=idoc_http docnum={} reason=\"{}\"", docnums,
                 result.status.message());
    auto res = soap != idoc::SoapVersion::kNone
                   ? SoapFault(req, bhttp::status::service_unavailable, soap, SoapFaultKind::kReceiver,
                               "not accepted, retry later: " + result.status.message())
                   : http::TextResponse(req, bhttp::status::service_unavailable,
                                        "not accepted, retry later: " + result.status.message());
    res.set(bhttp::field::retry_after, std::to_string(config_.retry_after.count()));
    co_return res;
  }
  ++answered_failed_;
  spdlog::error("event=idoc_store_failed source=idoc_http docnum={} reason=\"{}\"", docnums, result.status.ToString());
  if (soap != idoc::SoapVersion::kNone) {
    co_return SoapFault(req, bhttp::status::internal_server_error, soap, SoapFaultKind::kReceiver,
                        "not accepted: " + result.status.message());
  }
  co_return http::TextResponse(req, bhttp::status::internal_server_error, "not accepted: " + result.status.message());
}

void IdocHttpSource::WriteMetrics(metrics::MetricsText& out) const {
  const metrics::Labels source{{"source", "idoc_http"}};
  out.Counter("ferry_agent_idocs_accepted_total", "IDocs answered 200 (committed, or received before).",
              static_cast<double>(idocs_accepted_), source);
  out.Counter("ferry_agent_idocs_duplicate_total", "IDocs SAP sent again that were received before (not stored twice).",
              static_cast<double>(idocs_duplicate_), source);
  for (const auto& [answer, count] : {std::pair{"400", answered_malformed_}, std::pair{"503", answered_retry_later_},
                                      std::pair{"500", answered_failed_}}) {
    metrics::Labels labels = source;
    labels.emplace_back("code", answer);
    out.Counter("ferry_agent_requests_refused_total",
                "IDoc posts not accepted: 400 malformed (a SOAP 1.1 fault is sent with 500), 503 retry later (outbox "
                "full, disk), 500 store failure.",
                static_cast<double>(count), labels);
  }
  out.Histogram("ferry_agent_commit_seconds", "From a parsed IDoc post to its durable commit (what SAP waits for).",
                commit_seconds_.Read(), source);
}

}  // namespace ferry::agent
