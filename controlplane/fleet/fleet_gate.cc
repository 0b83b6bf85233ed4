#include "controlplane/fleet/fleet_gate.h"

#include <spdlog/spdlog.h>

#include "common/log/log.h"
#include "common/transport/topics.h"
#include "common/wire/batch_codec.h"

namespace ferry::controlplane {

bool FleetGate::Admitted(const std::string& agent_id) const { return !required_ || identities_.IsEnrolled(agent_id); }

bool FleetGate::Admit(const std::string& agent_id, const std::string& channel, const std::string& payload) {
  if (Admitted(agent_id)) return true;
  ++refused_;
  const uint64_t n = ++refused_by_agent_[agent_id];
  if (log::FirstOrPowerOfTwo(n)) {
    spdlog::warn("event=agent_not_enrolled agent_id={} channel={} refused_total={}", agent_id, channel, n);
  }
  if (channel != "up/events") return false;
  auto frames = wire::DecodeBatchFrames(payload, wire::BatchLimits{});
  if (!frames.ok()) return false;
  ferry::v1::Ack refusal;
  refusal.set_agent_id(agent_id);
  refusal.set_batch_id(frames->batch_id);
  refusal.set_accepted(false);
  refusal.set_reason("agent " + agent_id + " is not enrolled with this control plane");
  tunnel_.Publish(transport::topics::DownAcks(agent_id), refusal.SerializeAsString(), nullptr);
  return false;
}

}  // namespace ferry::controlplane
