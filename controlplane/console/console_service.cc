#include "controlplane/console/console_service.h"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "common/http/json_response.h"
#include "common/http/url_encoding.h"
#include "common/metrics/metrics_text.h"
#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "controlplane/console/agents_api.h"
#include "controlplane/console/alerts_api.h"
#include "controlplane/console/console_changes.h"
#include "controlplane/console/controlplane_metrics.h"
#include "controlplane/console/dead_letters_api.h"
#include "controlplane/console/down_api.h"
#include "controlplane/console/fleet_summary.h"
#include "controlplane/console/flows_api.h"
#include "controlplane/console/search_api.h"
#include "controlplane/console/tokens_api.h"

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

ConsoleService::ConsoleService(boost::asio::any_io_executor executor, const ConsoleOptions& options, ConsoleParts parts)
    : executor_(executor),
      options_(options),
      parts_(parts),
      sessions_(options.session_lifetime, options.session_idle),
      sign_ins_(options.sign_in_per_minute, options.sign_in_per_minute_per_client),
      web_(options.web_dir),
      events_(executor, {.max_streams = options.max_event_streams}, NowUnixMs()) {}

ConsoleService::~ConsoleService() {
  Stop();
  password_checks_.join();
  store_writes_.join();
}

Status ConsoleService::Start() {
  std::string cert = options_.cert_file, key = options_.key_file;
  if (cert.empty()) {
    auto identity = parts_.pki.EnsureConsoleIdentity(options_.hosts);
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
  boost::asio::co_spawn(executor_, WatchForChanges(), boost::asio::detached);
  spdlog::info("event=console_listening address={}:{}", options_.host, server_->port());
  return Status::Ok();
}

void ConsoleService::Stop() {
  stopping_ = true;
  events_.Stop();
  if (server_) server_->Stop();
}

boost::asio::awaitable<void> ConsoleService::WatchForChanges() {
  boost::asio::steady_timer tick(executor_);
  // The baseline is taken at the start, not when the first tab opens: a
  // change made between a tab's opening and the next look is announced.
  auto take = [this] {
    return TakeFingerprint({parts_.fleet, parts_.dead_letters, parts_.audit, parts_.throughput, parts_.alerts.version(),
                            parts_.registry, parts_.down},
                           NowUnixMs());
  };
  std::optional<ConsoleFingerprint> last;
  if (auto first = take(); first.ok()) last = *first;
  while (!stopping_) {
    tick.expires_after(std::chrono::seconds(1));
    co_await tick.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (stopping_) break;
    // Nobody listening: no work. What changed meanwhile is announced when
    // a tab opens, so one that resumes misses nothing.
    if (events_.streams() == 0) continue;
    auto now = take();
    if (!now.ok()) {
      spdlog::warn("event=console_changes_failed error=\"{}\"", now.status().message());
      continue;
    }
    if (last) events_.Publish(ChangedTopics(*last, *now));
    last = *now;
  }
}

http::Reply ConsoleService::OpenEvents(const http::Request& req, const std::string& session_id,
                                       const Session& session) {
  if (!events_.HasRoom()) {
    http::Response busy = http::JsonError(req, bhttp::status::too_many_requests,
                                          "too many live-update streams are open (console.max_event_streams)");
    busy.set(bhttp::field::retry_after, "30");
    return busy;
  }
  const auto resume = req.find("Last-Event-ID");
  std::string last_event_id = resume == req.end() ? "" : std::string(resume->value().substr(0, 64));
  http::Response head{bhttp::status::ok, req.version()};
  head.set(bhttp::field::content_type, "text/event-stream");
  head.set(bhttp::field::cache_control, "no-store");
  spdlog::info("event=console_events_open user={} streams={}", session.user, events_.streams() + 1);
  // A stream outlives no sign-in: it ends with its session (signed out,
  // expired, the user removed), and in any case after a session's idle
  // limit, when the browser opens it again with its cookie (a script's API
  // token is checked then).
  std::function<bool()> allowed = [] { return true; };
  if (!session_id.empty()) {
    allowed = [this, session_id] { return sessions_.Alive(session_id, Sessions::Clock::now()); };
  }
  return http::Reply(
      std::move(head),
      [this, last_event_id, allowed, user = session.user](http::BodyWriter& writer) -> boost::asio::awaitable<void> {
        co_await events_.Stream(writer, last_event_id, options_.session_idle, allowed);
        spdlog::info("event=console_events_closed user={} streams={}", user, events_.streams());
      });
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
  auto found = parts_.users.Authenticate(name, secret);
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
  parts_.audit.Record(entry);
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
  parts_.audit.Record(entry);
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
    const std::optional<uint64_t> number = http::QueryNumber(value);
    if (name == "before" && number) {
      before = *number;
    } else if (name == "limit" && number) {
      limit = *number;
    } else if (name != "user") {
      return http::JsonError(req, bhttp::status::bad_request,
                             "unknown or malformed parameter '" + name + "' (before, limit, user)");
    }
  }
  const std::string user = params->count("user") ? params->at("user") : "";
  auto page = parts_.audit.List(before, limit, user);
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

boost::asio::awaitable<http::Reply> ConsoleService::Handle(http::Request& req, const boost::asio::ip::address& peer) {
  const auto [target, query] = http::SplitTarget(std::string_view(req.target().data(), req.target().size()));
  const std::string client = peer.to_string();
  const bool reads = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;
  if (target == "/api/v1/session" && req.method() == bhttp::verb::post) co_return co_await SignIn(req, client);
  if (target.substr(0, 8) != "/api/v1/" && target != "/metrics") {
    if (!reads) co_return http::JsonError(req, bhttp::status::not_found, "no such page");
    if (auto page = web_.Serve(req, target)) co_return std::move(*page);
    co_return http::JsonError(req, bhttp::status::not_found, "no such endpoint");
  }
  // A script presents an API token; a browser its session cookie, and for
  // a change the session's CSRF token as well (a token is never sent by a
  // browser on its own, so it needs none).
  std::optional<std::pair<std::string, Session>> session;
  const bool by_token = req.find(bhttp::field::authorization) != req.end();
  if (by_token) {
    const std::string_view auth(req[bhttp::field::authorization].data(), req[bhttp::field::authorization].size());
    constexpr std::string_view kBearer = "Bearer ";
    auto token = auth.starts_with(kBearer) ? parts_.tokens.Verify(auth.substr(kBearer.size()), NowUnixMs())
                                           : Result<ferry::v1::ApiToken>(Status::Unauthenticated(""));
    if (!token.ok()) {
      co_return http::JsonError(req, bhttp::status::unauthorized,
                                "Authorization must be 'Bearer ' and a valid API token");
    }
    session.emplace("", Session{"token:" + token->name(), token->role(), "", {}, {}});
  } else {
    session = SessionOf(req);
  }
  if (!session) co_return http::JsonError(req, bhttp::status::unauthorized, "sign in first (POST /api/v1/session)");
  if (!reads && !by_token) {
    const auto csrf = req.find("X-CSRF-Token");
    if (csrf == req.end() ||
        !SameSecret(std::string_view(csrf->value().data(), csrf->value().size()), session->second.csrf_token)) {
      co_return http::JsonError(req, bhttp::status::forbidden, "a change needs the session's X-CSRF-Token header");
    }
  }
  if (target == "/api/v1/session" && !by_token) {
    if (reads) co_return http::JsonResponse(req, bhttp::status::ok, Who(session->second));
    if (req.method() == bhttp::verb::delete_) co_return SignOut(req, session->first, session->second, client);
  }
  if (target == "/api/v1/tokens" || target.starts_with("/api/v1/tokens/")) {
    if (session->second.role != ConsoleUser::ADMIN) {
      co_return http::JsonError(req, bhttp::status::forbidden, "only admins manage API tokens");
    }
    co_return ManageTokens(req, target, session->second.user, client, parts_.tokens, parts_.audit);
  }
  if (target == "/api/v1/users" && reads) {
    if (session->second.role != ConsoleUser::ADMIN) {
      co_return http::JsonError(req, bhttp::status::forbidden, "only admins see the users");
    }
    auto users = parts_.users.List();
    if (!users.ok()) co_return http::JsonError(req, bhttp::status::internal_server_error, users.status().message());
    boost::json::array rows;
    for (const auto& user : *users) {
      rows.push_back(boost::json::object{{"name", user.name()}, {"role", ConsoleRoleName(user.role())}});
    }
    co_return http::JsonResponse(req, bhttp::status::ok, boost::json::object{{"users", std::move(rows)}});
  }
  if (target == "/api/v1/audit" && reads) co_return ListAudit(req, query);
  if (target == "/api/v1/events" && reads) co_return OpenEvents(req, session->first, session->second);
  if (target == "/api/v1/search" && reads) co_return SearchEvents(req, query, parts_.traces);
  if (target == "/api/v1/down" && reads && parts_.down != nullptr) co_return ListDownQueue(req, query, *parts_.down);
  constexpr std::string_view kTracePrefix = "/api/v1/trace/";
  if (target.starts_with(kTracePrefix) && reads)
    co_return GetTrace(req, target.substr(kTracePrefix.size()), parts_.traces);
  if (target == "/metrics" && reads) {
    auto text = ControlPlaneMetrics({parts_.engine, parts_.delivery, parts_.dead_letters, parts_.fleet, parts_.alerts,
                                     parts_.down_stats ? parts_.down_stats() : DownStats{},
                                     parts_.down_read_stats ? parts_.down_read_stats() : RecordReadStats{},
                                     parts_.poll_stats ? parts_.poll_stats() : std::map<std::string, PollStats>{}},
                                    NowUnixMs());
    if (!text.ok()) co_return http::JsonError(req, bhttp::status::internal_server_error, text.status().message());
    http::Response res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, metrics::kContentType);
    res.set(bhttp::field::cache_control, "no-store");
    res.body() = std::move(*text);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    co_return res;
  }
  if (target == "/api/v1/fleet" && reads) {
    auto summary = FleetSummaryJson({parts_.fleet, parts_.dead_letter_tally, parts_.throughput, parts_.delivery,
                                     parts_.dead_letters, parts_.engine.Lanes()},
                                    NowUnixMs());
    if (!summary.ok()) {
      co_return http::JsonError(req, bhttp::status::internal_server_error, summary.status().message());
    }
    co_return http::JsonResponse(req, bhttp::status::ok, *summary);
  }
  if (target == "/api/v1/connectors" && reads) {
    co_return http::JsonResponse(req, bhttp::status::ok, ConnectorsJson(parts_.engine.Lanes()));
  }
  if (target == "/api/v1/agents" && reads) co_return ListAgents(req, query, parts_.fleet, NowUnixMs());
  constexpr std::string_view kAgentPrefix = "/api/v1/agents/";
  if (target.starts_with(kAgentPrefix) && reads) {
    const std::string_view id = target.substr(kAgentPrefix.size());
    if (!transport::topics::IsValidAgentId(id))
      co_return http::JsonError(req, bhttp::status::not_found, "no such agent");
    co_return GetAgent(req, std::string(id), parts_.fleet, NowUnixMs());
  }
  if (target == "/api/v1/alerts" && reads) co_return GetAlerts(req, parts_.alerts);
  if (target == "/api/v1/alerts/history" && reads) co_return ListAlertHistory(req, query, parts_.alerts);
  if (target == "/api/v1/alerts/rules" && reads) co_return GetAlertRules(req, parts_.alerts);
  if (target == "/api/v1/alerts/rules" && req.method() == bhttp::verb::put) {
    if (session->second.role != ConsoleUser::ADMIN) {
      co_return http::JsonError(req, bhttp::status::forbidden, "only admins change alert rules");
    }
    co_return co_await PutAlertRules(req, parts_.alerts, session->second.user, client);
  }
  constexpr std::string_view kFlows = "/api/v1/flows/";
  if (target.starts_with(kFlows)) {
    const std::string_view rest = target.substr(kFlows.size());
    if (reads) co_return FlowsRead(req, rest, query, parts_.registry);
    if (req.method() == bhttp::verb::post && (rest == "bundles" || rest == "deployments")) {
      co_return co_await ChangeFlows(req, rest == "bundles", session->second, client);
    }
  }
  constexpr std::string_view kDeadLetters = "/api/v1/dead-letters";
  if (target == kDeadLetters && reads) co_return ListDeadLetters(req, query, parts_.dead_letters);
  if (target.starts_with(std::string(kDeadLetters) + "/")) {
    const std::string_view rest = target.substr(kDeadLetters.size() + 1);
    if (reads) co_return GetDeadLetterAnswer(req, rest, parts_.dead_letters);
    if (req.method() == bhttp::verb::post && (rest == "replay" || rest == "discard")) {
      co_return co_await ActOnDeadLetters(req, rest == "replay", session->second, client);
    }
  }
  co_return http::JsonError(req, bhttp::status::not_found, "no such endpoint");
}

boost::asio::awaitable<ConsoleService::DeadLetterRun> ConsoleService::RunDeadLetterAction(bool replay, std::string body,
                                                                                          std::string user) {
  DeadLetterRun run;
  // A filter may have to look through the whole dead-letter queue: here,
  // off the event loop, like the write.
  auto action = ParseDeadLetterAction(body, /*needs_reason=*/!replay, parts_.dead_letters);
  if (!action.ok()) {
    run.parsed = action.status();
    co_return run;
  }
  run.action = std::move(action).value();
  run.outcome = replay ? parts_.dead_letter_actions.Replay(run.action.seqs, "by " + user)
                       : parts_.dead_letter_actions.Discard(run.action.seqs, "by " + user + ": " + run.action.reason);
  co_return run;
}

boost::asio::awaitable<http::Response> ConsoleService::ActOnDeadLetters(const http::Request& req, bool replay,
                                                                        const Session& session,
                                                                        const std::string& client) {
  if (session.role < ConsoleUser::OPERATOR) {
    co_return http::JsonError(req, bhttp::status::forbidden, "only operators and admins replay or discard");
  }
  const DeadLetterRun run = co_await boost::asio::co_spawn(
      store_writes_.get_executor(), RunDeadLetterAction(replay, req.body(), session.user), boost::asio::use_awaitable);
  if (!run.parsed.ok()) co_return http::JsonError(req, bhttp::status::bad_request, run.parsed.message());
  const DeadLetterAction* action = &run.action;
  const DeadLetterOutcome& outcome = run.outcome;
  boost::json::object answer = OutcomeJson(outcome, replay ? "replayed" : "discarded");
  ferry::v1::AuditEntry entry;
  entry.set_user(session.user);
  entry.set_action(replay ? "dead_letters.replay" : "dead_letters.discard");
  entry.set_target(action->described);
  // Before: the dead letters acted on; after: where they went. Skipped
  // ones, with why, are in the outcome.
  entry.set_before("dead letters " + boost::json::serialize(answer.at(replay ? "replayed" : "discarded")));
  entry.set_after(replay ? ReplayedTo(outcome) : "discarded: " + action->reason);
  entry.set_client(client);
  entry.set_outcome(outcome.status.ok()
                        ? (outcome.skipped.empty() ? std::string("ok")
                                                   : "ok; skipped " + boost::json::serialize(answer.at("skipped")))
                        : outcome.status.message());
  parts_.audit.Record(entry);
  if (!outcome.status.ok()) {
    co_return http::JsonError(req, bhttp::status::service_unavailable, outcome.status.message());
  }
  spdlog::info("event=console_dead_letters action={} user={} done={} skipped={}", replay ? "replay" : "discard",
               session.user, outcome.done.size(), outcome.skipped.size());
  co_return http::JsonResponse(req, bhttp::status::ok, answer);
}

boost::asio::awaitable<http::Response> ConsoleService::ChangeFlows(const http::Request& req, bool upload,
                                                                   const Session& session, const std::string& client) {
  if (session.role < ConsoleUser::OPERATOR) {
    co_return http::JsonError(req, bhttp::status::forbidden, "only operators and admins upload and deploy flows");
  }
  // The store transactions wait for their fsync: off the event loop. (A
  // co_spawn result must be default-constructible, as Result is not.)
  struct Done {
    Status status;
    boost::json::object out;
  };
  auto run = [this, upload, body = req.body()]() -> boost::asio::awaitable<Done> {
    auto result =
        upload ? StoreBundle(body, parts_.flows.standard_dir, parts_.registry) : StoreDeployment(body, parts_.registry);
    if (!result.ok()) co_return Done{result.status(), {}};
    co_return Done{Status::Ok(), std::move(*result)};
  };
  const Done done = co_await boost::asio::co_spawn(store_writes_.get_executor(), run(), boost::asio::use_awaitable);
  ferry::v1::AuditEntry entry;
  entry.set_user(session.user);
  entry.set_client(client);
  entry.set_action(upload ? "flows.upload" : "flows.deploy");
  if (!done.status.ok()) {
    const bool bad = done.status.code() == StatusCode::kInvalidArgument || done.status.code() == StatusCode::kNotFound;
    if (bad) co_return http::JsonError(req, bhttp::status::bad_request, done.status.message());
    entry.set_outcome(done.status.message());
    parts_.audit.Record(entry);
    co_return http::JsonError(req, bhttp::status::service_unavailable, done.status.message());
  }
  const boost::json::object& out = done.out;
  if (upload) {
    entry.set_target("bundle version " + boost::json::serialize(out.at("version")));
    entry.set_after("sha256 " + std::string(out.at("sha256").as_string()) + ", files " +
                    boost::json::serialize(out.at("files")) +
                    (out.at("unchanged").as_bool() ? " (the same as the newest version)" : ""));
  } else {
    entry.set_target("deployment " + boost::json::serialize(out.at("sequence")));
    entry.set_after("bundle version " + boost::json::serialize(out.at("version")) + " to agents matching " +
                    boost::json::serialize(out.at("selector")));
  }
  entry.set_outcome("ok");
  parts_.audit.Record(entry);
  spdlog::info("event=console_flows action={} user={} target=\"{}\"", upload ? "upload" : "deploy", session.user,
               entry.target());
  co_return http::JsonResponse(req, bhttp::status::created, out);
}

}  // namespace ferry::controlplane
