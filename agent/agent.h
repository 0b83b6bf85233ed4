#pragma once
// Agent: owns the store, the outbox, the sources, the tunnel and the uplink,
// and starts and stops them in the right order on one event loop.
//
// Shutdown (SIGTERM): sources stop accepting; requests waiting for their
// commit are answered; then the uplink and the tunnel stop. Everything
// accepted is in LMDB, so nothing depends on finishing the upload.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "agent/buffer/buffer_commands.h"
#include "agent/data_dir_lock.h"
#include "agent/down/down_executor.h"
#include "agent/down/down_inbox.h"
#include "agent/flows/bundle_receiver.h"
#include "agent/flows/flow_stage.h"
#include "agent/history/event_history.h"
#include "agent/identity/certificate_renewer.h"
#include "agent/metrics/metrics_listener.h"
#include "agent/outbox/outbox.h"
#include "agent/sources/source.h"
#include "agent/uplink/uplink.h"
#include "common/app/control_socket.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/transport/dispatcher.h"
#include "common/transport/tunnel.h"

namespace ferry::agent {

// The agent's LMDB environment and its databases: the daemon opens it to
// write, the CLI to read (or, with the daemon stopped, to change).
store::StoreOptions AgentStoreOptions(const AgentConfig& config);
// <data_dir>/control.sock and <data_dir>/audit.log.
std::filesystem::path ControlSocketPath(const AgentConfig& config);
std::filesystem::path AuditLogPath(const AgentConfig& config);

class Agent {
 public:
  // Opens the store (DataLoss / Unavailable on failure).
  static Result<std::unique_ptr<Agent>> Create(AgentConfig config, boost::asio::io_context& io);
  ~Agent();
  // Binds the sources and connects the tunnel.
  Status Start();
  // Graceful stop; `done` runs on the event loop when it is safe to exit.
  void Shutdown(std::function<void()> done);
  // One line for systemd's STATUS= (`systemctl status`): outbox depth and
  // the uplink's state. On the event loop, after Start().
  std::string StatusSummary() const;
  // SIGHUP: reads `config_path` again and applies what can change without a
  // restart: the log level, and the trusted key with the stored flow bundle
  // (checked and compiled again, then swapped in atomically; events being
  // mapped or sent meanwhile are not touched). Other changes are logged as
  // needing a restart. An invalid file changes nothing.
  void Reload(const std::string& config_path);
  // The control socket's requests (common/app/control_socket.h).
  boost::json::object HandleControl(const boost::json::value& request, uid_t caller);

 private:
  Agent(AgentConfig config, boost::asio::io_context& io);
  void WaitIdle(std::function<void()> done, int polls_left);
  void SchedulePrune();
  void ScheduleRawPrune();
  void PruneRaw();
  void OnDeployment(std::string payload);
  // A command from the control plane on down/commands: dead letters to map
  // again; the outcome goes back on up/commands.
  void OnCommand(const std::string& payload);
  // CRM records on their way to SAP: with a `down:` section, the inbox that
  // commits them and the executor that runs them; without, the control
  // plane is told no.
  void StartDown();
  static constexpr size_t kMaxCommandBytes = 1 << 20;
  static constexpr size_t kMaxCommandRetries = 1000;
  // Retries, skips or purges events of the buffer for `caller` (the
  // control socket's user, or this process for the control plane's
  // commands), with its audit line.
  Result<EditOutcome> EditBuffer(const EditRequest& request, uid_t caller, const std::string& via);

  AgentConfig config_;
  boost::asio::io_context& io_;
  std::optional<DataDirLock> data_dir_lock_;  // first acquired, last released
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> outbox_queue_;
  std::unique_ptr<store::Checkpoints> checkpoints_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<store::DurableQueue> raw_queue_;
  std::unique_ptr<store::DurableQueue> receipts_queue_;
  std::shared_ptr<ReceiptSender> receipts_;  // when receipts are configured
  std::unique_ptr<store::DurableQueue> down_queue_;
  std::shared_ptr<DownInbox> down_inbox_;        // when down is configured
  std::shared_ptr<DownExecutor> down_executor_;  // ditto
  std::unique_ptr<FlowStage> flow_stage_;
  std::unique_ptr<EventHistory> history_;
  // Every 5 s for the last minute: events committed and acknowledged so
  // far, for the rates `ferry-agent status` shows.
  struct RateSample {
    int64_t unix_ms;
    uint64_t appended;
    uint64_t acked;
  };
  std::deque<RateSample> rate_samples_;
  void ScheduleRateSample();
  std::shared_ptr<app::ControlServer> control_;
  std::unique_ptr<BundleReceiver> bundle_receiver_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::unique_ptr<MetricsListener> metrics_;
  std::shared_ptr<transport::Tunnel> tunnel_;
  transport::Dispatcher dispatcher_;  // only this agent's topics
  std::shared_ptr<Uplink> uplink_;
  std::shared_ptr<CertificateRenewer> renewer_;  // when enrolled
  boost::asio::steady_timer shutdown_timer_;
  boost::asio::steady_timer prune_timer_;
  boost::asio::steady_timer raw_prune_timer_;
  boost::asio::steady_timer rate_timer_;
};

}  // namespace ferry::agent
