#pragma once
// The fleet as the console lists it: every agent the control plane knows
// (invited, enrolled or revoked in fleet.identities, or heard from in
// flows.agents), with its last heartbeat, its bundle (running and desired),
// its dead letters and its state (agent_health.h), computed now from what
// is stored, so a list is never greener than the data behind it.
//
// Filtering, sorting and paging happen here, on the server: a page holds at
// most `AgentQuery::kMaxLimit` agents whatever the fleet's size.

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "controlplane/console/agent_health.h"
#include "controlplane/console/dead_letter_tally.h"
#include "controlplane/fleet/agent_identities.h"
#include "controlplane/flows/bundle_registry.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct AgentView {
  std::string agent_id;
  AgentHealth health;
  std::map<std::string, std::string> labels;  // enrolled ones when enrolled, else the reported ones
  std::string identity;                       // invited, enrolled, revoked; empty: not enrolled
  ferry::v1::AgentRecord record;              // empty when never heard from
  int64_t certificate_not_after_unix_ms = 0;  // the newest certificate issued; 0: none
  uint64_t desired_version = 0;               // the bundle its labels select; 0: none
  uint64_t desired_sequence = 0;              // by that deployment
  DeadLetterTally::Counts dead_letters;
  bool bundle_rejected = false;  // the deployment it should run, by its report
};

enum class AgentSort { kState, kId, kLastHeartbeat, kOldestUnsent };

struct AgentQuery {
  static constexpr size_t kMaxLimit = 500;
  std::vector<AgentState> states;             // empty: every state
  std::map<std::string, std::string> labels;  // each must match
  std::string text;                           // in the id or a label value, any case
  AgentSort sort = AgentSort::kState;         // kState: worst first, then by id
  bool descending = false;
  size_t offset = 0;
  size_t limit = 50;
};

struct AgentPage {
  uint64_t total = 0;                  // agents matching the query
  std::array<uint64_t, 4> by_state{};  // the whole fleet, indexed by AgentState
  std::vector<AgentView> agents;       // the page
};

class FleetView {
 public:
  FleetView(const BundleRegistry& registry, const AgentIdentities& identities, const DeadLetterTally& dead_letters,
            AgentThresholds thresholds)
      : registry_(registry), identities_(identities), dead_letters_(dead_letters), thresholds_(thresholds) {}

  Result<AgentPage> List(const AgentQuery& query, int64_t now_unix_ms) const;
  // NotFound when the control plane knows no agent of that id.
  Result<AgentView> Get(const std::string& agent_id, int64_t now_unix_ms) const;
  // Every agent, by id (the fleet summary's counts).
  Result<std::vector<AgentView>> All(int64_t now_unix_ms) const;

 private:
  const BundleRegistry& registry_;
  const AgentIdentities& identities_;
  const DeadLetterTally& dead_letters_;
  AgentThresholds thresholds_;
};

}  // namespace ferry::controlplane
