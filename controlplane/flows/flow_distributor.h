#pragma once
// FlowDistributor: sends each agent the signed deployment it should run and
// records what the agents report back (docs/flows.md, "Bundles and
// deployment").
//
// The desired deployment of an agent is the newest deployment whose selector
// its heartbeat labels match (BundleRegistry::DesiredFor). Every
// poll_interval, and after each heartbeat, an agent whose reported status
// names neither that sequence as attempted nor as running gets it, signed,
// as the retained message of its down/bundle topic. The retained message
// reaches an agent that is offline now when it next connects, so a publish
// is repeated only when the agent has been heard from since and still has
// not answered after kRepublishAfter: the broker may have lost it.
//
// Deployments are found by polling the store, because `flows deploy` writes
// them from another process. Everything runs on the executor given; tunnel
// and store callbacks are posted back to it.
//
// With no signing key, distribution is off: heartbeats and statuses are still
// recorded (for `flows status`), nothing is published.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/ed25519.h"
#include "common/transport/tunnel.h"
#include "controlplane/flows/bundle_registry.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct FlowsOptions {
  std::filesystem::path signing_key_file;  // empty: distribution off
  std::chrono::milliseconds poll_interval{1000};
  // Where the standard flows are that bundles uploaded in the console
  // extend (the CLI's --standard).
  std::filesystem::path standard_dir = "/usr/share/ferry/flows/standard";
};

class FlowDistributor : public std::enable_shared_from_this<FlowDistributor> {
 public:
  static constexpr std::chrono::milliseconds kRepublishAfter{30000};

  // `key` empty: distribution off.
  FlowDistributor(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, BundleRegistry& registry,
                  std::optional<crypto::SigningKey> key, FlowsOptions options);

  void Start();
  void Stop();  // no callback touches the distributor after this

  // A heartbeat Ingest has parsed: records labels and status, then checks
  // this agent.
  void OnHeartbeat(const std::string& agent_id, const ferry::v1::Heartbeat& heartbeat);
  // Bundles are signed and sent only to agents this admits (the enrolled
  // ones); unset: every agent. Set before Start().
  void SetRecipientCheck(std::function<bool(const std::string& agent_id)> admitted) { admitted_ = std::move(admitted); }
  // A message on ferry/v1/agents/{agent_id}/up/flows.
  void OnFlowStatus(const std::string& agent_id, const std::string& payload);

  bool enabled() const { return key_.has_value(); }

 private:
  struct Published {
    uint64_t sequence = 0;
    uint64_t issue = 0;
    int64_t unix_ms = 0;
  };

  void SchedulePoll();
  void OnHeartbeatRecorded(const std::string& agent_id, const Status& status);
  void ReconcileAll();
  void ReconcileAgent(const std::string& agent_id);
  void Reconcile(const ferry::v1::AgentRecord& agent, const std::vector<ferry::v1::DeploymentRecord>& deployments);
  void Publish(const ferry::v1::AgentRecord& agent, const ferry::v1::DeploymentRecord& deployment);
  void OnPublished(const std::string& agent_id, uint64_t sequence, uint64_t issue, uint64_t version,
                   const Status& status);

  boost::asio::any_io_executor executor_;
  transport::Tunnel& tunnel_;
  BundleRegistry& registry_;
  std::optional<crypto::SigningKey> key_;
  std::string key_id_;
  FlowsOptions options_;
  boost::asio::steady_timer poll_timer_;
  bool stopped_ = false;
  // The last publish per agent in this process. After a restart every agent
  // not yet in sync is sent its deployment once more: the same signed bytes
  // under the same sequence, which replace the retained message as they are.
  std::map<std::string, Published> published_;
  std::function<bool(const std::string&)> admitted_;
};

}  // namespace ferry::controlplane
