#pragma once
// The console's HTTPS listener and the API under /api/v1 (docs/api.md).
//
// Scripts present an API token instead (Authorization: Bearer ..., no
// cookie and no CSRF token; api_tokens.h).
//
// Sign-in: POST /api/v1/session {"name", "password"} answers the user, its
// role and a CSRF token, and sets the session cookie (__Host-ferry_session:
// Secure, HttpOnly, SameSite=Strict, Path=/). Every other request under
// /api/v1 needs that cookie; every change (any method but GET and HEAD)
// also needs the header X-CSRF-Token with the session's token. Sign-in
// attempts are limited per client address and for all together, before
// the body is read; passwords are checked on a thread of their own, so the
// scrypt work never holds up the control plane's event loop.
//
//   GET    /api/v1/session   who is signed in (401 when nobody)
//   DELETE /api/v1/session   sign out
//   GET    /api/v1/users     every user and role (admins)
//   GET, POST /api/v1/tokens, DELETE /api/v1/tokens/ID   API tokens (admins; tokens_api.h)
//   GET    /api/v1/audit     the audit log, newest first (?limit=&before=&user=)
//   GET    /api/v1/agents    a page of the fleet with each agent's state (agents_api.h)
//   GET    /api/v1/agents/ID one agent
//   GET    /api/v1/fleet, /api/v1/connectors   the fleet and connectors pages (fleet_summary.h)
//   GET    /metrics          Prometheus metrics (controlplane_metrics.h)
//   GET    /api/v1/events    live updates, Server-Sent Events (console_events.h)
//   GET    /api/v1/search, /api/v1/trace/ID   search and trace (search_api.h)
//   GET    anything else     the web app (web_assets.h)
//   GET    /api/v1/dead-letters[/SEQ], POST .../replay and .../discard
//                             (operators; dead_letters_api.h)
//   GET    /api/v1/alerts, /alerts/history, /alerts/rules; PUT /alerts/rules
//                             (admins; alerts_api.h)
//   GET    /api/v1/flows/...  bundles, diffs, deployments and rollout; POST
//                             .../bundles and .../deployments (operators;
//                             flows_api.h)
//
// Sign-ins (and refused ones) and every change go to the audit log.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/http/http_server.h"
#include "common/status.h"
#include "controlplane/alerts/alert_service.h"
#include "controlplane/console/api_tokens.h"
#include "controlplane/console/audit_log.h"
#include "controlplane/console/console_config.h"
#include "controlplane/console/console_events.h"
#include "controlplane/console/console_users.h"
#include "controlplane/console/dead_letters_api.h"
#include "controlplane/console/fleet_view.h"
#include "controlplane/console/sessions.h"
#include "controlplane/console/throughput_history.h"
#include "controlplane/console/web_assets.h"
#include "controlplane/delivery/dead_letter_actions.h"
#include "controlplane/delivery/delivery_engine.h"
#include "controlplane/delivery/event_trace.h"
#include "controlplane/down/change_poller.h"
#include "controlplane/down/down_commands.h"
#include "controlplane/down/down_record_reads.h"
#include "controlplane/fleet/attempt_limiter.h"
#include "controlplane/fleet/fleet_pki.h"
#include "controlplane/flows/bundle_registry.h"
#include "controlplane/flows/flow_distributor.h"

namespace ferry::controlplane {

// What the console reads and changes, owned by the control plane.
struct ConsoleParts {
  ConsoleUsers& users;
  ApiTokens& tokens;
  const FleetPki& pki;
  const AuditLog& audit;
  const FleetView& fleet;
  const DeadLetterTally& dead_letter_tally;
  const ThroughputHistory& throughput;
  const DeliveryEngine& engine;
  const store::DurableQueue& delivery;
  const store::DurableQueue& dead_letters;
  DeadLetterActions& dead_letter_actions;
  const EventTraceLog& traces;
  AlertService& alerts;
  BundleRegistry& registry;
  const FlowsOptions& flows;
  std::function<DownStats()> down_stats;  // the down queue, for /metrics
  std::function<RecordReadStats()> down_read_stats;
  std::function<std::map<std::string, PollStats>()> poll_stats;  // polled channels, "<channel>/<object>"
  const store::DurableQueue* down = nullptr;                     // the down queue, for GET /api/v1/down
};

class ConsoleService {
 public:
  static constexpr const char* kSessionCookie = "__Host-ferry_session";

  ConsoleService(boost::asio::any_io_executor executor, const ConsoleOptions& options, ConsoleParts parts);
  ~ConsoleService();
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  boost::asio::awaitable<http::Reply> Handle(http::Request& req, const boost::asio::ip::address& peer);
  // GET /api/v1/events: a stream of change notices, or 429 when too many
  // are open.
  http::Reply OpenEvents(const http::Request& req, const std::string& session_id, const Session& session);
  // Looks for changes every second while a tab listens, and announces them.
  boost::asio::awaitable<void> WatchForChanges();
  // A password check's outcome (co_spawn needs a default-constructible
  // result).
  struct PasswordCheck {
    Status status;
    ferry::v1::ConsoleUser user;
  };
  // Runs on password_checks_: scrypt takes tens of milliseconds.
  boost::asio::awaitable<PasswordCheck> CheckPassword(std::string name, std::string secret);
  boost::asio::awaitable<http::Response> SignIn(const http::Request& req, const std::string& client);
  http::Response SignOut(const http::Request& req, const std::string& session_id, const Session& session,
                         const std::string& client);
  http::Response ListAudit(const http::Request& req, std::string_view query);
  // POST /api/v1/dead-letters/replay and /discard.
  boost::asio::awaitable<http::Response> ActOnDeadLetters(const http::Request& req, bool replay, const Session& session,
                                                          const std::string& client);
  struct DeadLetterRun {
    Status parsed;  // of the request's body: a 400 when not ok
    DeadLetterAction action;
    DeadLetterOutcome outcome;
  };
  // POST /api/v1/flows/bundles (`upload`) and /api/v1/flows/deployments.
  boost::asio::awaitable<http::Response> ChangeFlows(const http::Request& req, bool upload, const Session& session,
                                                     const std::string& client);
  // On store_writes_: parses the request (a filter reads the queue)
  // and acts.
  boost::asio::awaitable<DeadLetterRun> RunDeadLetterAction(bool replay, std::string body, std::string user);
  // The session the request's cookie names, with its id.
  std::optional<std::pair<std::string, Session>> SessionOf(const http::Request& req);
  std::optional<http::Response> LimitSignIn(const http::Request& head, const boost::asio::ip::address& peer);

  boost::asio::any_io_executor executor_;
  const ConsoleOptions& options_;
  ConsoleParts parts_;
  Sessions sessions_;
  AttemptLimiter sign_ins_;
  boost::asio::thread_pool password_checks_{1};
  // Replays, discards, uploads and deployments wait for their write
  // transaction here, one at a time, not on the event loop.
  boost::asio::thread_pool store_writes_{1};
  std::shared_ptr<http::HttpServer> server_;
  WebApp web_;
  ConsoleEvents events_;
  bool stopping_ = false;
};

}  // namespace ferry::controlplane
