#pragma once
// The console's HTTPS listener and the API under /api/v1 (docs/api.md).
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
//   GET    /api/v1/audit     the audit log, newest first (?limit=&before=&user=)
//
// Sign-ins (and refused ones) and every change go to the audit log.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <optional>
#include <string>

#include "common/http/http_server.h"
#include "common/status.h"
#include "controlplane/console/audit_log.h"
#include "controlplane/console/console_config.h"
#include "controlplane/console/console_users.h"
#include "controlplane/console/sessions.h"
#include "controlplane/fleet/attempt_limiter.h"
#include "controlplane/fleet/fleet_pki.h"

namespace ferry::controlplane {

class ConsoleService {
 public:
  static constexpr const char* kSessionCookie = "__Host-ferry_session";

  ConsoleService(boost::asio::any_io_executor executor, const ConsoleOptions& options, ConsoleUsers& users,
                 const FleetPki& pki, const AuditLog& audit);
  ~ConsoleService();
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  boost::asio::awaitable<http::Response> Handle(http::Request& req, const boost::asio::ip::address& peer);
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
  // The session the request's cookie names, with its id.
  std::optional<std::pair<std::string, Session>> SessionOf(const http::Request& req);
  std::optional<http::Response> LimitSignIn(const http::Request& head, const boost::asio::ip::address& peer);

  boost::asio::any_io_executor executor_;
  const ConsoleOptions& options_;
  ConsoleUsers& users_;
  const FleetPki& pki_;
  const AuditLog& audit_;
  Sessions sessions_;
  AttemptLimiter sign_ins_;
  boost::asio::thread_pool password_checks_{1};
  std::shared_ptr<http::HttpServer> server_;
};

}  // namespace ferry::controlplane
