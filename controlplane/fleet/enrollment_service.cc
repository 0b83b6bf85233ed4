#include "controlplane/fleet/enrollment_service.h"

#include "common/http/json_response.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include <algorithm>

namespace ferry::controlplane {
namespace {

namespace bhttp = boost::beast::http;

constexpr uint64_t kMaxEnrollmentBody = 64 << 10;

// One enrollment per connection.
http::Response JsonResponse(const http::Request& req, bhttp::status status, const boost::json::value& body) {
  http::Response res = http::JsonResponse(req, status, body);
  res.keep_alive(false);
  return res;
}

http::Response Error(const http::Request& req, bhttp::status status, const std::string& message) {
  return JsonResponse(req, status, boost::json::object{{"error", message}});
}

bhttp::status StatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kUnauthenticated:
      return bhttp::status::unauthorized;
    case StatusCode::kAlreadyExists:
      return bhttp::status::conflict;
    case StatusCode::kFailedPrecondition:
      return bhttp::status::gone;
    case StatusCode::kInvalidArgument:
      return bhttp::status::bad_request;
    default:
      return bhttp::status::internal_server_error;
  }
}

// The string member `key` of a JSON object, or empty.
std::string StringMember(const boost::json::object& object, const char* key) {
  const boost::json::value* v = object.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

EnrollmentService::EnrollmentService(boost::asio::any_io_executor executor, const FleetOptions& options,
                                     AgentIdentities& identities, const FleetPki& pki,
                                     std::string bundle_public_key_pem)
    : executor_(executor),
      options_(options),
      identities_(identities),
      pki_(pki),
      bundle_public_key_pem_(std::move(bundle_public_key_pem)),
      attempts_(options.enrollment_per_minute, options.enrollment_per_minute_per_client) {}

EnrollmentService::~EnrollmentService() { Stop(); }

Status EnrollmentService::Start() {
  auto identity = pki_.EnsureEnrollmentIdentity(options_.enrollment_hosts);
  if (!identity.ok()) return identity.status();
  auto tls = http::MakeServerTlsContext(identity->string(), identity->string());
  if (!tls.ok()) return tls.status();
  http::HttpServerOptions server;
  server.host = options_.enrollment_host;
  server.port = options_.enrollment_port;
  server.max_body_bytes = kMaxEnrollmentBody;
  server.max_body_setting = "the enrollment request limit (64 KiB)";
  server.tls = std::move(tls).value();
  server.max_connections = 16;
  server.header_timeout = std::chrono::seconds(5);
  server.body_timeout = std::chrono::seconds(10);
  server.idle_timeout = std::chrono::seconds(5);
  server.server_name = "ferry-controlplane";
  server.head_check = [this](const http::Request& head, const boost::asio::ip::address& peer) {
    return Limit(head, peer);
  };
  server_ = http::HttpServer::Create(
      executor_, server, [this](http::Request& req, const boost::asio::ip::address&) { return Handle(req); });
  if (Status s = server_->Listen(); !s.ok()) return s;
  spdlog::info("event=enrollment_listening address={}:{} hosts={} ca_fingerprint={}", options_.enrollment_host,
               server_->port(), options_.enrollment_hosts.front(), pki_.root_fingerprint());
  return Status::Ok();
}

void EnrollmentService::Stop() {
  if (server_) server_->Stop();
}

uint16_t EnrollmentService::port() const { return server_ ? server_->port() : 0; }

std::optional<http::Response> EnrollmentService::Limit(const http::Request& head,
                                                       const boost::asio::ip::address& peer) {
  // Only attempts to enroll are counted: the CA is public and cheap.
  if (head.target() != "/v1/enroll" || head.method() != bhttp::verb::post) return std::nullopt;
  return attempts_.Admit(head, peer, "enroll_attempt", "too many enrollment attempts; retry later");
}

boost::asio::awaitable<http::Response> EnrollmentService::Handle(http::Request& req) {
  if (req.target() == "/v1/enroll/ca" && req.method() == bhttp::verb::get) {
    http::Response res = http::TextResponse(req, bhttp::status::ok, pki_.chain_pem());
    res.set(bhttp::field::content_type, "application/x-pem-file");
    co_return res;
  }
  if (req.target() != "/v1/enroll" || req.method() != bhttp::verb::post) {
    co_return Error(req, bhttp::status::not_found, "no such endpoint (POST /v1/enroll, GET /v1/enroll/ca)");
  }
  co_return Enroll(req);
}

http::Response EnrollmentService::Enroll(const http::Request& req) {
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(req.body(), ec);
  if (ec || !body.is_object()) {
    spdlog::warn("event=enroll_attempt outcome=bad_request reason=\"body is not a JSON object\"");
    return Error(req, bhttp::status::bad_request, "the body must be a JSON object with token and csr");
  }
  const std::string token_text = StringMember(body.as_object(), "token");
  const std::string csr_pem = StringMember(body.as_object(), "csr");
  auto token = fleet::EnrollmentToken::Parse(token_text);
  if (!token.ok()) {
    spdlog::warn("event=enroll_attempt outcome=bad_request reason=\"{}\"", token.status().message());
    return Error(req, bhttp::status::bad_request, token.status().message());
  }
  const std::string& agent_id = token->agent_id;
  auto csr = crypto::CertificateRequest::FromPem(csr_pem);
  if (!csr.ok()) {
    spdlog::warn("event=enroll_attempt agent_id={} outcome=bad_request reason=\"csr: {}\"", agent_id,
                 csr.status().message());
    return Error(req, bhttp::status::bad_request, "csr: " + csr.status().message());
  }
  // Issued before the token is checked, so that checking it, marking it
  // used and recording the certificate are one transaction; a certificate
  // issued for a token that turns out wrong is simply never handed out.
  auto cert = pki_.IssueAgentCertificate(*csr, agent_id);
  if (!cert.ok()) {
    spdlog::error("event=enroll_attempt agent_id={} outcome=failed reason=\"{}\"", agent_id, cert.status().message());
    return Error(req, bhttp::status::internal_server_error, cert.status().message());
  }
  auto enrolled = identities_.Enroll(*token, IssuedCertificateRecord(*cert));
  if (!enrolled.ok()) {
    spdlog::warn("event=enroll_attempt agent_id={} outcome=refused reason=\"{}\"", agent_id,
                 enrolled.status().message());
    return Error(req, StatusFor(enrolled.status().code()), enrolled.status().message());
  }
  // Enrolling again revoked the certificates the agent held before.
  if (enrolled->revoked_certificates_size() > 0) {
    if (auto all = identities_.List(); !all.ok() || !pki_.WriteCrl(*all).ok()) {
      spdlog::error("event=crl_write_failed agent_id={} detail=\"the next refresh writes it\"", agent_id);
    }
  }
  boost::json::array brokers;
  for (const std::string& url : options_.broker_urls) brokers.push_back(boost::json::string(url));
  boost::json::object labels;
  for (const auto& [k, v] : enrolled->labels()) labels[k] = v;
  spdlog::info("event=enroll_attempt agent_id={} outcome=enrolled serial={} not_after_unix={}", agent_id,
               cert->SerialHex(), cert->NotAfterUnix());
  return JsonResponse(req, bhttp::status::ok,
                      boost::json::object{{"agent_id", agent_id},
                                          {"certificate", cert->ToPem()},
                                          {"ca_chain", pki_.chain_pem()},
                                          {"broker_urls", std::move(brokers)},
                                          {"bundle_public_key", bundle_public_key_pem_},
                                          {"labels", std::move(labels)}});
}

}  // namespace ferry::controlplane
