#pragma once
// The enrollment listener: HTTPS, with a certificate the control plane's own
// CA issues for fleet.enrollment.hosts.
//
//   GET  /v1/enroll/ca   the CA chain (PEM). Public: the agent checks it
//                        against the fingerprint in its token before it
//                        trusts this listener with anything.
//   POST /v1/enroll      {"token": "ferry1:...", "csr": "-----BEGIN ..."}
//        200 {"agent_id", "certificate", "ca_chain", "broker_urls": [...],
//             "bundle_public_key", "labels": {...}}
//        400 malformed request or CSR, 401 wrong token, 409 token used,
//        410 token expired, 429 too many attempts (Retry-After).
//
// Enrollment attempts (POSTs) are rate limited per client address
// (fleet.enrollment.max_per_minute_per_client) and for all clients together
// (fleet.enrollment.max_per_minute), before their body is read; bodies are
// capped at 64 KiB, and every attempt is logged with its outcome, never with
// the token's secret; refusals for the rate, the first and then every power
// of two.

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/http/http_server.h"
#include "common/status.h"
#include "controlplane/fleet/agent_identities.h"
#include "controlplane/fleet/attempt_limiter.h"
#include "controlplane/fleet/fleet_config.h"
#include "controlplane/fleet/fleet_pki.h"

namespace ferry::controlplane {

class EnrollmentService {
 public:
  EnrollmentService(boost::asio::any_io_executor executor, const FleetOptions& options, AgentIdentities& identities,
                    const FleetPki& pki, std::string bundle_public_key_pem);
  ~EnrollmentService();
  // Issues the listener's certificate when needed and listens.
  Status Start();
  void Stop();
  uint16_t port() const;

 private:
  boost::asio::awaitable<http::Response> Handle(http::Request& req);
  http::Response Enroll(const http::Request& req);
  // The 429 for an attempt over the limits, before its body is read.
  std::optional<http::Response> Limit(const http::Request& head, const boost::asio::ip::address& peer);

  boost::asio::any_io_executor executor_;
  const FleetOptions& options_;
  AgentIdentities& identities_;
  const FleetPki& pki_;
  std::string bundle_public_key_pem_;
  std::shared_ptr<http::HttpServer> server_;
  AttemptLimiter attempts_;
};

}  // namespace ferry::controlplane
