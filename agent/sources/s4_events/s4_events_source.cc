#include "agent/sources/s4_events/s4_events_source.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>

#include "agent/sources/s4_odata/odata_page.h"
#include "agent/sources/s4_odata/s4_connection.h"
#include "common/doc/json_document.h"
#include "common/http/await_callback.h"
#include "common/http/basic_auth.h"
#include "common/http/url_encoding.h"
#include "common/util/clock.h"
#include "common/util/ids.h"
#include "common/util/utf8.h"

namespace ferry::agent {

namespace bhttp = boost::beast::http;

namespace {

// A key predicate for the path: ('1000746') for a one-field key,
// (Product='TG11',Plant='1010') for a composite one, each value as the
// literal of its type (odata_literal.h) and percent-encoded but for the
// literal's own quotes; nullopt when a value is not of its type.
std::optional<std::string> KeyPredicate(const EventEntity& entity, const std::vector<std::string>& values, bool v4) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    const ODataKeyType type = i < entity.key_types.size() ? entity.key_types[i] : ODataKeyType::kAuto;
    std::optional<std::string> literal = KeyLiteral(values[i], type, v4);
    if (!literal) return std::nullopt;
    std::string encoded = http::PercentEncode(*literal);
    for (size_t at = encoded.find("%27"); at != std::string::npos; at = encoded.find("%27", at + 1)) {
      encoded.replace(at, 3, "'");
    }
    if (values.size() > 1) encoded = entity.key_fields[i] + "=" + encoded;
    out += (i == 0 ? "" : ",") + encoded;
  }
  return "(" + out + ")";
}

const EventEntity* EntityFor(const std::vector<EventEntity>& entities, const std::string& type) {
  for (const EventEntity& e : entities) {
    if (type.starts_with(e.type_prefix)) return &e;
  }
  return nullptr;
}

}  // namespace

S4EventsSource::S4EventsSource(const SourceContext& context, S4EventsConfig config)
    : context_(context), config_(std::move(config)), expected_authorization_(ExpectedAuthorization(config_)) {
  if (config_.fetch) {
    fetch_authorization_ = config_.fetch->Authorization();
    client_ = std::make_unique<http::HttpClient>(context_.executor, config_.fetch->ClientOptions());
  }
}

S4EventsSource::~S4EventsSource() { Stop(); }

Status S4EventsSource::Start() {
  http::HttpServerOptions options;
  options.host = config_.host;
  options.port = config_.port;
  options.max_body_bytes = config_.max_body_bytes;
  options.max_body_setting = "sources.s4_events.max_body";
  options.server_name = "ferry-agent";
  options.busy_retry_after = config_.retry_after;
  options.head_check = [this](const http::Request& head, const boost::asio::ip::address&) { return CheckHead(head); };
  auto tls = ListenerTls(config_, "s4_events");
  if (!tls.ok()) return tls.status();
  options.tls = std::move(tls).value();
  server_ = http::HttpServer::Create(
      context_.executor, options, [this](http::Request& req, const boost::asio::ip::address&) { return Handle(req); });
  Status s = server_->Listen();
  if (s.ok()) {
    spdlog::info("event=source_listening source=s4_events address={}:{} path={} tls={} fetch={}", config_.host,
                 server_->port(), config_.path, options.tls ? "on" : "off", config_.fetch ? "odata" : "off");
  }
  return s;
}

void S4EventsSource::Stop() {
  if (server_) server_->Stop();
}

std::optional<http::Response> S4EventsSource::CheckHead(const http::Request& req) const {
  const std::string target(req.target());
  if (target.substr(0, target.find('?')) != config_.path) {
    return http::TextResponse(req, bhttp::status::not_found, "no event endpoint here; deliver to " + config_.path);
  }
  if (req.method() != bhttp::verb::post && req.method() != bhttp::verb::options) {
    auto res = http::TextResponse(req, bhttp::status::method_not_allowed, "events must be sent with POST");
    res.set(bhttp::field::allow, "POST, OPTIONS");
    return res;
  }
  if (!AuthorizationMatches(expected_authorization_, http::HeaderValue(req, "authorization"))) {
    spdlog::warn("event=s4_events_unauthorized source=s4_events");
    auto res = http::TextResponse(req, bhttp::status::unauthorized, "missing or wrong credentials");
    res.set(bhttp::field::www_authenticate, "Basic realm=\"ferry\", charset=\"UTF-8\"");
    return res;
  }
  return std::nullopt;
}

http::Response S4EventsSource::Handshake(const http::Request& req) const {
  const std::string origin(http::HeaderValue(req, "webhook-request-origin"));
  const bool allowed = config_.allowed_origins.empty() ||
                       std::find(config_.allowed_origins.begin(), config_.allowed_origins.end(), origin) !=
                           config_.allowed_origins.end();
  if (origin.empty() || !allowed) {
    return http::TextResponse(
        req, bhttp::status::forbidden,
        origin.empty() ? "no WebHook-Request-Origin" : "origin not allowed: " + EscapeForLog(origin));
  }
  auto res = http::TextResponse(req, bhttp::status::ok, "");
  res.set("WebHook-Allowed-Origin", origin);
  res.set("WebHook-Allowed-Rate", "*");
  res.set(bhttp::field::allow, "POST, OPTIONS");
  return res;
}

http::Response S4EventsSource::RetryLater(const http::Request& req, const std::string& reason) {
  ++retry_later_;
  auto res = http::TextResponse(req, bhttp::status::service_unavailable, "not accepted, retry later: " + reason);
  res.set(bhttp::field::retry_after, std::to_string(config_.retry_after.count()));
  return res;
}

boost::asio::awaitable<std::optional<http::ClientResponse>> S4EventsSource::Get(const std::string& url) {
  auto parsed_url = http::ParseUrl(url);
  if (!parsed_url.ok()) {
    spdlog::warn("event=s4_events_fetch_failed source=s4_events reason=\"bad S/4 URL: {}\"",
                 EscapeForLog(parsed_url.status().message()));
    co_return std::nullopt;
  }
  http::HttpClient::OutRequest get{bhttp::verb::get, parsed_url->target, 11};
  get.set(bhttp::field::accept, "application/json");
  if (!fetch_authorization_.empty()) get.set(bhttp::field::authorization, fetch_authorization_);
  Result<http::ClientResponse> res = co_await client_->Send(*parsed_url, std::move(get));
  if (!res.ok()) {
    spdlog::warn("event=s4_events_fetch_failed source=s4_events reason=\"{}\"", EscapeForLog(res.status().message()));
    co_return std::nullopt;
  }
  co_return std::move(res).value();
}

IncomingEvent S4EventsSource::Plain(const http::CloudEvent& event) const {
  IncomingEvent in;
  ferry::v1::Event& e = in.event;
  e.set_event_id(NewEventId());
  e.set_agent_id(context_.agent_id);
  e.set_source("s4_events");
  e.set_received_unix_ms(NowUnixMs());
  e.set_dedup_key("ce:" + event.source + "/" + event.id);
  e.set_business_key(event.type + ":" + (event.subject.empty() ? event.id : event.subject));
  e.set_content_type("application/json");
  e.mutable_s4()->set_entity_set(event.type);
  if (auto ms = ODataTimeMs(event.time); ms.ok()) e.mutable_s4()->set_changed_at(IsoUtc(*ms));
  e.set_payload(event.data);
  if (auto document = doc::FromJson(event.data, "data"); document.ok()) in.document = std::move(document).value();
  return in;
}

boost::asio::awaitable<std::variant<IncomingEvent, http::Response>> S4EventsSource::Fetched(
    const http::Request& req, const http::CloudEvent& event, const EventEntity& entity) {
  const std::vector<std::string> parts = http::DataFields(event, entity.key_fields);
  std::string key;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty() || parts[i].size() > 200) {
      ++refused_;
      co_return http::TextResponse(
          req, bhttp::status::bad_request,
          "the event's data has no usable key field " + entity.key_fields[i] + " (type " + event.type + ")");
    }
    key += (key.empty() ? "" : ",") + parts[i];
  }
  std::optional<std::string> predicate = KeyPredicate(entity, parts, entity.service.v4);
  if (!predicate) {
    ++refused_;
    co_return http::TextResponse(
        req, bhttp::status::bad_request,
        "the event's key " + EscapeForLog(key) + " is not of the configured key_types (type " + event.type + ")");
  }
  std::string url = config_.fetch->url + entity.service.path + "/" + entity.entity_set + *predicate + "?$format=json" +
                    config_.fetch->ClientParameter();
  if (!entity.expand.empty()) {
    std::string expand;
    for (const std::string& e : entity.expand) expand += (expand.empty() ? "" : ",") + e;
    url += "&$expand=" + http::PercentEncode(expand);
  }
  std::optional<http::ClientResponse> res = co_await Get(url);
  const bool gone = res && SaysEntityIsGone(*res, config_.fetch->gone_codes);
  if (!res || (res->status != 200 && !gone)) {
    const std::string why = res ? "S/4 answered " + std::to_string(res->status) +
                                      (res->status == 404 ? " without saying the entity is gone" : "") + ": " +
                                      GatewayMessage(res->body)
                                : std::string("S/4 could not be reached");
    spdlog::warn("event=s4_events_fetch_failed source=s4_events type={} key=\"{}\" reason=\"{}\"",
                 EscapeForLog(event.type), EscapeForLog(key), why);
    co_return RetryLater(req, "cannot read the entity from S/4: " + why);
  }
  IncomingEvent in = Plain(event);
  ferry::v1::S4Entity* s4 = in.event.mutable_s4();
  s4->set_service(entity.service.name);
  s4->set_entity_set(entity.entity_set);
  s4->set_key(key);
  in.event.set_business_key(entity.entity_set + ":" + key);
  if (gone) {  // gone since the event: the event says so, with its data
    s4->set_deleted(true);
    co_return in;
  }
  ODataEntityShape shape;
  shape.key_fields = entity.key_fields;
  shape.deleted_when = entity.deleted_when;
  auto read = ParseODataEntity(res->body, shape);
  if (!read.ok()) {
    spdlog::warn("event=s4_events_fetch_failed source=s4_events type={} key=\"{}\" reason=\"{}\"",
                 EscapeForLog(event.type), EscapeForLog(key), read.status().message());
    co_return RetryLater(req, "S/4's answer is not the entity: " + read.status().message());
  }
  LookupRunner lookups(entity.lookups, *config_.fetch, entity.service.path,
                       [this](const std::string& lookup_url) { return Get(lookup_url); });
  Status attached = co_await lookups.Attach(read->payload);
  for (const std::string& refusal : lookups.TakeRefusals()) {
    spdlog::error("event=s4_events_lookup_refused source=s4_events type={} key=\"{}\" reason=\"{}\"",
                  EscapeForLog(event.type), EscapeForLog(key), refusal);
  }
  if (!attached.ok()) {
    spdlog::warn("event=s4_events_lookup_failed source=s4_events type={} key=\"{}\" reason=\"{}\"",
                 EscapeForLog(event.type), EscapeForLog(key), attached.message());
    co_return RetryLater(req, "cannot read what the entity's lookups name from S/4: " + attached.message());
  }
  auto document = doc::FromJson(read->payload, entity.entity_set);
  if (!document.ok()) co_return RetryLater(req, "the entity does not parse");
  ++fetched_;
  s4->set_deleted(read->deleted);
  in.event.set_payload(std::move(read->payload));
  in.document = std::move(document).value();
  co_return in;
}

boost::asio::awaitable<http::Response> S4EventsSource::Handle(http::Request& req) {
  if (req.method() == bhttp::verb::options) co_return Handshake(req);
  auto event = http::ReadCloudEvent(
      http::HeaderValue(req, "content-type"), [&req](std::string_view name) { return http::HeaderValue(req, name); },
      req.body());
  if (!event.ok()) {
    ++refused_;
    spdlog::warn("event=s4_event_rejected source=s4_events reason=\"{}\"", EscapeForLog(event.status().message()));
    co_return http::TextResponse(req, bhttp::status::bad_request, event.status().message());
  }
  IncomingEvent in;
  const EventEntity* entity = config_.fetch ? EntityFor(config_.entities, event->type) : nullptr;
  if (entity != nullptr) {
    auto fetched = co_await Fetched(req, *event, *entity);
    if (auto* answer = std::get_if<http::Response>(&fetched)) co_return std::move(*answer);
    in = std::move(std::get<IncomingEvent>(fetched));
  } else {
    in = Plain(*event);
  }
  ++in_flight_;
  // Named locals, not temporaries, inside the co_await (g++ 12).
  auto events = std::make_shared<std::vector<IncomingEvent>>();
  events->push_back(std::move(in));
  auto start = [this, events](std::function<void(AcceptResult)> resolve) {
    context_.sink->Accept(std::move(*events), std::move(resolve));
  };
  AcceptResult result = co_await http::AwaitCallback<AcceptResult>(start);
  --in_flight_;
  if (result.status.ok()) {
    ++accepted_;
    duplicates_ += result.duplicates;
    spdlog::info("event=s4_event_accepted source=s4_events type={} id=\"{}\" duplicate={}", EscapeForLog(event->type),
                 EscapeForLog(event->id), result.duplicates > 0);
    http::Response res{bhttp::status::no_content, req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    co_return res;
  }
  if (result.status.retryable()) co_return RetryLater(req, result.status.message());
  spdlog::error("event=s4_event_store_failed source=s4_events reason=\"{}\"", result.status.ToString());
  co_return http::TextResponse(req, bhttp::status::internal_server_error, "not accepted: " + result.status.message());
}

void S4EventsSource::WriteMetrics(metrics::MetricsText& out) const {
  const metrics::Labels source{{"source", "s4_events"}};
  for (const auto& [outcome, count] : {std::pair{"accepted", accepted_}, std::pair{"duplicate", duplicates_},
                                       std::pair{"refused", refused_}, std::pair{"retry_later", retry_later_}}) {
    metrics::Labels labels = source;
    labels.emplace_back("outcome", outcome);
    out.Counter(
        "ferry_agent_s4_events_total",
        "Business events: accepted (committed, duplicates included), duplicate, refused (400), retry_later (503).",
        static_cast<double>(count), labels);
  }
  out.Counter("ferry_agent_s4_events_fetched_total", "Entities read from S/4 for an event.",
              static_cast<double>(fetched_), source);
}

}  // namespace ferry::agent
