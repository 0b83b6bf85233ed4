#include "controlplane/console/console_service.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "common/http/json_response.h"
#include "common/http/url_encoding.h"

namespace ferry::controlplane {
namespace {

namespace bhttp = boost::beast::http;
using ferry::v1::ConsoleUser;

constexpr uint64_t kMaxBody = 1 << 20;

// The value of cookie `name` in the request's Cookie header, or empty.
std::string CookieValue(const http::Request& req, std::string_view name) {
  const auto header = req.find(bhttp::field::cookie);
  if (header == req.end()) return "";
  std::string_view rest(header->value().data(), header->value().size());
  while (!rest.empty()) {
    const size_t end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return "";
}

bool SameSecret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

boost::json::object Who(const Session& session) {
  return {{"name", session.user}, {"role", ConsoleRoleName(session.role)}, {"csrf_token", session.csrf_token}};
}

}  // namespace

ConsoleService::ConsoleService(boost::asio::any_io_executor executor, const ConsoleOptions& options,
                               ConsoleUsers& users, const FleetPki& pki, const AuditLog& audit)
    : executor_(executor),
      options_(options),
      users_(users),
      pki_(pki),
      audit_(audit),
      sessions_(options.session_lifetime, options.session_idle),
      sign_ins_(options.sign_in_per_minute, options.sign_in_per_minute_per_client) {}

ConsoleService::~ConsoleService() {
  Stop();
  password_checks_.join();
}

Status ConsoleService::Start() {
  std::string cert = options_.cert_file, key = options_.key_file;
  if (cert.empty()) {
    auto identity = pki_.EnsureConsoleIdentity(options_.hosts);
    if (!identity.ok()) return identity.status();
    cert = key = identity->string();
  }
  auto tls = http::MakeServerTlsContext(cert, key);
  if (!tls.ok()) return tls.status();
  http::HttpServerOptions server;
  server.host = options_.host;
  server.port = options_.port;
  server.max_body_bytes = kMaxBody;
  server.max_body_setting = "the console's request limit (1 MiB)";
  server.tls = std::move(tls).value();
  server.server_name = "ferry-controlplane";
  server.head_check = [this](const http::Request& head, const boost::asio::ip::address& peer) {
    return LimitSignIn(head, peer);
  };
  server_ = http::HttpServer::Create(
      executor_, server,
      [this](http::Request& req, const boost::asio::ip::address& peer) { return Handle(req, peer); });
  if (Status s = server_->Listen(); !s.ok()) return s;
  spdlog::info("event=console_listening address={}:{}", options_.host, server_->port());
  return Status::Ok();
}

void ConsoleService::Stop() {
  if (server_) server_->Stop();
}

uint16_t ConsoleService::port() const { return server_ ? server_->port() : 0; }

std::optional<http::Response> ConsoleService::LimitSignIn(const http::Request& head,
                                                          const boost::asio::ip::address& peer) {
  if (head.target() != "/api/v1/session" || head.method() != bhttp::verb::post) return std::nullopt;
  return sign_ins_.Admit(head, peer, "console_sign_in", "too many sign-in attempts; retry later");
}

std::optional<std::pair<std::string, Session>> ConsoleService::SessionOf(const http::Request& req) {
  std::string id = CookieValue(req, kSessionCookie);
  if (id.empty()) return std::nullopt;
  auto session = sessions_.Find(id, Sessions::Clock::now());
  if (!session) return std::nullopt;
  return std::make_pair(std::move(id), std::move(*session));
}

boost::asio::awaitable<ConsoleService::PasswordCheck> ConsoleService::CheckPassword(std::string name,
                                                                                    std::string secret) {
  auto found = users_.Authenticate(name, secret);
  if (!found.ok()) co_return PasswordCheck{found.status(), {}};
  co_return PasswordCheck{Status::Ok(), *found};
}

boost::asio::awaitable<http::Response> ConsoleService::SignIn(const http::Request& req, const std::string& client) {
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(req.body(), ec);
  const boost::json::object* o = !ec && body.is_object() ? &body.as_object() : nullptr;
  const boost::json::value* name = o ? o->if_contains("name") : nullptr;
  const boost::json::value* password = o ? o->if_contains("password") : nullptr;
  if (!name || !password || !name->is_string() || !password->is_string()) {
    co_return http::JsonError(req, bhttp::status::bad_request, "the body must be {\"name\": ..., \"password\": ...}");
  }
  const std::string user_name(name->as_string());
  const std::string secret(password->as_string());
  // scrypt takes tens of milliseconds: on its own thread.
  const PasswordCheck checked = co_await boost::asio::co_spawn(
      password_checks_.get_executor(), CheckPassword(user_name, secret), boost::asio::use_awaitable);
  const Result<ConsoleUser> user =
      checked.status.ok() ? Result<ConsoleUser>(checked.user) : Result<ConsoleUser>(checked.status);
  ferry::v1::AuditEntry entry;
  entry.set_user(user_name);
  entry.set_action("session.sign_in");
  entry.set_client(client);
  entry.set_outcome(user.ok() ? "ok" : user.status().message());
  audit_.Record(entry);
  if (!user.ok()) {
    spdlog::warn("event=console_sign_in user={} outcome=refused reason=\"{}\"", user_name, user.status().message());
    co_return http::JsonError(
        req,
        user.status().code() == StatusCode::kUnauthenticated ? bhttp::status::unauthorized
                                                             : bhttp::status::internal_server_error,
        user.status().code() == StatusCode::kUnauthenticated ? user.status().message() : "sign-in failed");
  }
  auto [id, session] = sessions_.Open(user->name(), user->role(), Sessions::Clock::now());
  spdlog::info("event=console_sign_in user={} role={} outcome=signed_in", user->name(), ConsoleRoleName(user->role()));
  http::Response res = http::JsonResponse(req, bhttp::status::ok, Who(session));
  res.set(bhttp::field::set_cookie, std::string(kSessionCookie) + "=" + id +
                                        "; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=" +
                                        std::to_string(options_.session_lifetime.count()));
  co_return res;
}

http::Response ConsoleService::SignOut(const http::Request& req, const std::string& session_id, const Session& session,
                                       const std::string& client) {
  sessions_.Close(session_id);
  ferry::v1::AuditEntry entry;
  entry.set_user(session.user);
  entry.set_action("session.sign_out");
  entry.set_client(client);
  entry.set_outcome("ok");
  audit_.Record(entry);
  http::Response res{bhttp::status::no_content, req.version()};
  res.set(bhttp::field::set_cookie,
          std::string(kSessionCookie) + "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
  res.prepare_payload();
  return res;
}

http::Response ConsoleService::ListAudit(const http::Request& req, std::string_view query) {
  auto params = http::ParseQuery(query);
  if (!params) return http::JsonError(req, bhttp::status::bad_request, "the query string is malformed");
  uint64_t before = 0, limit = 100;
  for (const auto& [name, value] : *params) {
    const bool number =
        !value.empty() && value.size() <= 19 && value.find_first_not_of("0123456789") == std::string::npos;
    if (name == "before" && number) {
      before = std::stoull(value);
    } else if (name == "limit" && number) {
      limit = std::stoull(value);
    } else if (name != "user") {
      return http::JsonError(req, bhttp::status::bad_request,
                             "unknown or malformed parameter '" + name + "' (before, limit, user)");
    }
  }
  const std::string user = params->count("user") ? params->at("user") : "";
  auto page = audit_.List(before, limit, user);
  if (!page.ok()) return http::JsonError(req, bhttp::status::internal_server_error, page.status().message());
  boost::json::array entries;
  for (const auto& e : page->entries) {
    entries.push_back(boost::json::object{{"sequence", e.sequence()},
                                          {"time_unix_ms", e.unix_ms()},
                                          {"user", e.user()},
                                          {"action", e.action()},
                                          {"target", e.target()},
                                          {"before", e.before()},
                                          {"after", e.after()},
                                          {"client", e.client()},
                                          {"outcome", e.outcome()}});
  }
  boost::json::object out{{"entries", std::move(entries)}};
  out["next_before"] = page->next_before == 0 ? boost::json::value(nullptr) : boost::json::value(page->next_before);
  return http::JsonResponse(req, bhttp::status::ok, out);
}

boost::asio::awaitable<http::Response> ConsoleService::Handle(http::Request& req,
                                                              const boost::asio::ip::address& peer) {
  const auto [target, query] = http::SplitTarget(std::string_view(req.target().data(), req.target().size()));
  const std::string client = peer.to_string();
  const bool reads = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;
  if (target == "/api/v1/session" && req.method() == bhttp::verb::post) co_return co_await SignIn(req, client);
  if (target.substr(0, 8) != "/api/v1/") {
    co_return http::JsonError(req, bhttp::status::not_found, "no such page");
  }
  auto session = SessionOf(req);
  if (!session) co_return http::JsonError(req, bhttp::status::unauthorized, "sign in first (POST /api/v1/session)");
  if (!reads) {
    const auto csrf = req.find("X-CSRF-Token");
    if (csrf == req.end() ||
        !SameSecret(std::string_view(csrf->value().data(), csrf->value().size()), session->second.csrf_token)) {
      co_return http::JsonError(req, bhttp::status::forbidden, "a change needs the session's X-CSRF-Token header");
    }
  }
  if (target == "/api/v1/session") {
    if (reads) co_return http::JsonResponse(req, bhttp::status::ok, Who(session->second));
    if (req.method() == bhttp::verb::delete_) co_return SignOut(req, session->first, session->second, client);
  }
  if (target == "/api/v1/users" && reads) {
    if (session->second.role != ConsoleUser::ADMIN) {
      co_return http::JsonError(req, bhttp::status::forbidden, "only admins see the users");
    }
    auto users = users_.List();
    if (!users.ok()) co_return http::JsonError(req, bhttp::status::internal_server_error, users.status().message());
    boost::json::array rows;
    for (const auto& user : *users) {
      rows.push_back(boost::json::object{{"name", user.name()}, {"role", ConsoleRoleName(user.role())}});
    }
    co_return http::JsonResponse(req, bhttp::status::ok, boost::json::object{{"users", std::move(rows)}});
  }
  if (target == "/api/v1/audit" && reads) co_return ListAudit(req, query);
  co_return http::JsonError(req, bhttp::status::not_found, "no such endpoint");
}

}  // namespace ferry::controlplane
