#pragma once
// Renews the agent's client certificate in band, with no operator action.
//
// At two thirds of the certificate's life (common/fleet/certificate_timing.h)
// it makes a new key, sends a request for it on up/renew over the
// connection the current certificate authenticates, and waits for the
// answer on down/renew. A certificate that is for the new key, names this
// agent and chains to the root pinned at enrollment replaces agent.pem
// (written whole, 0600), and the tunnel reconnects to present it. The new
// key exists only in memory until then: a restart in between starts over
// with the old certificate, which is still valid.
//
// No answer, a refusal or a broken answer: it asks again, every 1/30 of the
// life (between 2 s and 60 s), until the certificate ends; from then on only
// a new enrollment helps (docs/fleet-security.md).
//
// All methods run on the agent's executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/identity/enrollment_files.h"
#include "common/crypto/x509.h"
#include "common/transport/tunnel.h"

namespace ferry::agent {

struct RenewerOptions {
  std::string agent_id;
  std::filesystem::path identity_file;  // agent.pem: key and certificate
  std::filesystem::path ca_file;        // the root pinned at enrollment
  // How long to wait for an answer, and before asking again after a
  // failure; zero: 1/30 of the certificate's life, between 2 s and 60 s.
  std::chrono::milliseconds retry_interval{0};
};

struct RenewerStats {
  uint64_t renewed = 0;
  uint64_t attempts = 0;
  std::string last_error;  // of the last attempt that failed; empty after a success
};

class CertificateRenewer : public std::enable_shared_from_this<CertificateRenewer> {
 public:
  CertificateRenewer(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, RenewerOptions options);
  // Reads the certificate and schedules its renewal; warns when it ends
  // soon or has ended. NotFound when the agent is not enrolled (nothing to
  // renew: the renewer stays idle).
  Status Start();
  void Stop();
  // Asks at once instead of at the due time.
  void RenewNow();
  // An answer on down/renew.
  void OnAnswer(const std::string& payload);
  // Runs after each renewal with the new certificate (the heartbeat
  // carries its end). Set before Start().
  void SetOnRenewed(std::function<void(const IdentityCertificate&)> on_renewed) { on_renewed_ = std::move(on_renewed); }
  const IdentityCertificate& current() const { return current_; }
  const RenewerStats& stats() const { return stats_; }

 private:
  void ScheduleAt(int64_t unix_ms);
  void Ask();
  void Retry(const std::string& why);
  Status Install(const std::string& certificate_pem, const std::string& chain_pem);
  std::chrono::milliseconds RetryInterval() const;

  boost::asio::any_io_executor executor_;
  transport::Tunnel& tunnel_;
  RenewerOptions options_;
  IdentityCertificate current_;
  std::optional<crypto::PrivateKey> pending_key_;  // the key asked for, until its certificate is installed
  uint64_t request_id_ = 0;                        // of the request awaiting an answer; 0: none
  bool stopped_ = false;
  boost::asio::steady_timer timer_;
  std::function<void(const IdentityCertificate&)> on_renewed_;
  RenewerStats stats_;
};

}  // namespace ferry::agent
