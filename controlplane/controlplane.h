#pragma once
// ControlPlane: owns the store (delivery queue, dead-letter queue, flow
// bundle registry), the tunnel, the ingest, the delivery engine and the flow
// distributor on one event loop.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/app/control_socket.h"
#include "common/crypto/ed25519.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/transport/dispatcher.h"
#include "common/transport/tunnel.h"
#include "controlplane/alerts/alert_service.h"
#include "controlplane/console/console_service.h"
#include "controlplane/console/console_users.h"
#include "controlplane/cp_config.h"
#include "controlplane/delivery/agent_replays.h"
#include "controlplane/delivery/delivery_engine.h"
#include "controlplane/down/change_poller.h"
#include "controlplane/down/down_commands.h"
#include "controlplane/down/down_record_reads.h"
#include "controlplane/down/inbound_service.h"
#include "controlplane/fleet/agent_identities.h"
#include "controlplane/fleet/certificate_renewal.h"
#include "controlplane/fleet/enrollment_service.h"
#include "controlplane/fleet/fleet_gate.h"
#include "controlplane/fleet/fleet_pki.h"
#include "controlplane/flows/bundle_registry.h"
#include "controlplane/flows/flow_distributor.h"
#include "controlplane/ingest/ingest.h"

namespace ferry::controlplane {

inline constexpr const char* kDeliveryQueue = "delivery";
inline constexpr const char* kDeadLetterQueue = "dlq";

// The store layout, shared by the daemon and the read-only CLI.
store::StoreOptions ControlPlaneStoreOptions(const std::filesystem::path& data_dir, uint64_t map_size_bytes);

class ControlPlane {
 public:
  static Result<std::unique_ptr<ControlPlane>> Create(ControlPlaneConfig config, boost::asio::io_context& io);
  ~ControlPlane();
  Status Start();
  void Shutdown(std::function<void()> done);
  // One line for systemd's STATUS= (`systemctl status`): delivery queue,
  // delivery counters, agents seen, broker connection. On the event loop,
  // after Start().
  std::string StatusSummary() const;

 private:
  ControlPlane(ControlPlaneConfig config, boost::asio::io_context& io);
  void SchedulePrune();
  // Writes the CRL and makes sure of the control plane's own identity.
  Status RefreshPki();
  void LogStats();
  // Every 5 s: the totals behind the console's events-per-minute chart.
  void SampleThroughput();
  // Writes delivery's trace steps every second.
  void FlushTraces();
  // The admitted agents with their labels and when they were last heard, for
  // routing commands down.
  std::vector<RoutableAgent> RoutableAgents() const;
  // The heartbeat with the agent's enrolled labels in place of its own.
  ferry::v1::Heartbeat WithEnrolledLabels(const std::string& agent_id, const ferry::v1::Heartbeat& heartbeat);
  std::set<std::string> labels_warned_;  // agents whose own labels were ignored, logged once each

  ControlPlaneConfig config_;
  boost::asio::io_context& io_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> queue_;
  std::unique_ptr<store::DurableQueue> dead_letters_;
  std::unique_ptr<store::DurableQueue> down_queue_;
  std::unique_ptr<BundleRegistry> registry_;
  std::optional<crypto::SigningKey> signing_key_;  // until Start hands it on
  std::string bundle_public_key_pem_;              // given to enrolling agents
  std::unique_ptr<AgentIdentities> identities_;
  std::unique_ptr<FleetPki> pki_;
  bool own_client_identity_ = false;  // mqtt.tls uses pki/controlplane.pem
  std::unique_ptr<FleetGate> gate_;
  std::unique_ptr<CertificateRenewal> renewal_;
  std::unique_ptr<EnrollmentService> enrollment_;
  std::unique_ptr<ConsoleUsers> console_users_;
  std::unique_ptr<ApiTokens> api_tokens_;
  std::unique_ptr<AuditLog> audit_;
  DeadLetterTally dead_letter_tally_;
  ThroughputHistory throughput_;
  std::unique_ptr<FleetView> fleet_view_;
  std::unique_ptr<EventTraceLog> traces_;
  std::unique_ptr<DeadLetterActions> dead_letter_actions_;
  std::unique_ptr<AgentReplays> agent_replays_;
  std::shared_ptr<AlertService> alerts_;
  std::shared_ptr<app::ControlServer> control_;  // <data_dir>/control.sock, for the CLI
  std::unique_ptr<ConsoleService> console_;
  std::vector<std::unique_ptr<Connector>> connectors_;
  std::shared_ptr<transport::Tunnel> tunnel_;
  transport::Dispatcher dispatcher_;
  std::unique_ptr<Ingest> ingest_;
  std::shared_ptr<DeliveryEngine> engine_;
  std::shared_ptr<FlowDistributor> distributor_;
  std::shared_ptr<DownCommands> down_;
  std::shared_ptr<DownRecordReads> down_reads_;
  std::shared_ptr<ChangePoller> poller_;
  std::unique_ptr<InboundService> inbound_;
  boost::asio::steady_timer prune_timer_;
  boost::asio::steady_timer stats_timer_;
  boost::asio::steady_timer throughput_timer_;
  boost::asio::steady_timer trace_timer_;
};

}  // namespace ferry::controlplane
