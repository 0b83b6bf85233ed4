#pragma once
// BundleRegistry: the flow bundle versions, the deployments and what each
// agent reported, kept in the control plane's store (docs/flows.md,
// "Bundles and deployment").
//
// Layout (all values are serialized ferry.v1 messages):
//   "flows.bundles"     8-byte big-endian version  -> FlowBundle
//   "flows.deployments" 8-byte big-endian sequence -> DeploymentRecord
//   "flows.agents"      agent id (ASCII)           -> AgentRecord
// Versions and sequences start at 1 and only grow; bundles and deployment
// records are never changed once written.
//
// The daemon and the CLI both write here: `flows deploy` opens the store
// read-write while the daemon runs, and LMDB serialises writers across
// processes. Each mutation therefore reads what it builds on (the last
// version, the stored agent record) inside its own write transaction.
//
// Failure codes: reads → Unavailable (no read transaction), DataLoss (a value
// that does not parse); GetBundle and GetAgent → NotFound; AddDeployment →
// NotFound for an unknown version; writes → the Store's codes. A store
// opened read-only that never had these databases reads as empty.

#include <google/protobuf/map.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/flows/flow_set.h"
#include "common/status.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

using Labels = google::protobuf::Map<std::string, std::string>;
using Selector = std::map<std::string, std::string>;

class BundleRegistry {
 public:
  // The databases to declare in StoreOptions::databases.
  static std::vector<std::string> Databases();

  explicit BundleRegistry(store::Store& store) : store_(store) {}

  // Stores `files` as the next version. If the newest version has the same
  // sha256, that one is returned and nothing is written: deploying the same
  // folder twice does not make a new version.
  Result<ferry::v1::FlowBundle> AddBundle(const std::vector<flows::BundleFile>& files, const std::string& comment);
  // Records a deployment of an existing version with the next sequence.
  Result<ferry::v1::DeploymentRecord> AddDeployment(uint64_t version, const Selector& selector,
                                                    const std::string& comment);

  Result<ferry::v1::FlowBundle> GetBundle(uint64_t version) const;
  Result<std::vector<ferry::v1::FlowBundle>> ListBundles() const;  // oldest first
  // Newest first: up to `limit` versions older than `before` (0: from the
  // newest). `next_before` is the version to pass for the next page, 0 when
  // none is left.
  Result<std::vector<ferry::v1::FlowBundle>> BundlesBefore(uint64_t before, size_t limit, uint64_t& next_before) const;
  Result<std::vector<ferry::v1::DeploymentRecord>> ListDeployments() const;    // oldest first
  Result<uint64_t> LastDeploymentSequence() const;                             // 0: none yet
  Result<std::vector<ferry::v1::AgentRecord>> ListAgents() const;              // by agent id
  Result<ferry::v1::AgentRecord> GetAgent(const std::string& agent_id) const;  // NotFound: never heard of

  // Agent bookkeeping, written asynchronously (the daemon's event loop must
  // not wait for an fsync per heartbeat). `done` (optional) runs on the
  // store's writer thread once the write is durable or failed.
  //
  // A heartbeat replaces the labels and the stored heartbeat (what the
  // console shows) and refreshes last_seen; its FlowStatus,
  // like one from RecordFlowStatus, replaces the stored one unless it is
  // older (by the agent's own unix_ms), since the heartbeat and the status
  // message of one deployment may arrive in either order.
  void RecordHeartbeat(const std::string& agent_id, const ferry::v1::Heartbeat& heartbeat, store::DoneFn done);
  void RecordFlowStatus(const ferry::v1::FlowStatus& status, store::DoneFn done);
  void SetPublished(const std::string& agent_id, uint64_t sequence, uint64_t issue, store::DoneFn done);

  // True when every key=value of `selector` is among `labels`; an empty
  // selector matches every agent.
  template <typename SelectorMap>
  static bool Matches(const SelectorMap& selector, const Labels& labels) {
    for (const auto& [key, value] : selector) {
      auto it = labels.find(key);
      if (it == labels.end() || it->second != value) return false;
    }
    return true;
  }
  // The newest deployment whose selector matches `labels`, or null.
  // `deployments` is in sequence order, as ListDeployments returns it.
  static const ferry::v1::DeploymentRecord* DesiredFor(const Labels& labels,
                                                       const std::vector<ferry::v1::DeploymentRecord>& deployments);

 private:
  store::Store& store_;
};

}  // namespace ferry::controlplane
