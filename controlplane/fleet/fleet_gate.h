#pragma once
// Hears only the fleet: with fleet.require_enrollment, a message from an
// agent id that is not ENROLLED (never enrolled, invited only, revoked) is
// not handled. A batch from one is answered with a refusal, so the agent
// keeps its events; heartbeats and flow statuses are dropped. Each refusal
// is counted, and logged for an agent the first time and then at every
// power of two, so a flood cannot flood the log.
//
// The check reads the identity registry for every message: a revocation
// written by `agents revoke` in another process holds from the next message.

#include <cstdint>
#include <map>
#include <string>

#include "common/transport/tunnel.h"
#include "controlplane/fleet/agent_identities.h"

namespace ferry::controlplane {

class FleetGate {
 public:
  FleetGate(transport::Tunnel& tunnel, const AgentIdentities& identities, bool required)
      : tunnel_(tunnel), identities_(identities), required_(required) {}

  // Whether a message on `channel` ("up/events", ...) from `agent_id` may be
  // handled; refuses it otherwise.
  bool Admit(const std::string& agent_id, const std::string& channel, const std::string& payload);
  // Whether `agent_id` may be sent anything (a signed bundle).
  bool Admitted(const std::string& agent_id) const;
  uint64_t refused() const { return refused_; }

 private:
  transport::Tunnel& tunnel_;
  const AgentIdentities& identities_;
  bool required_;
  uint64_t refused_ = 0;
  std::map<std::string, uint64_t> refused_by_agent_;
};

}  // namespace ferry::controlplane
