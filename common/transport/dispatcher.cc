#include "common/transport/dispatcher.h"

#include <spdlog/spdlog.h>

#include "common/log/log.h"
#include "common/transport/topics.h"

namespace ferry::transport {

void Dispatcher::Dispatch(const std::string& topic, std::string payload) {
  if (auto it = topics_.find(topic); it != topics_.end()) {
    it->second(std::move(payload));
    return;
  }
  auto parsed = topics::Parse(topic);
  if (!parsed || !topics::IsValidAgentId(parsed->agent_id)) return Drop(topic, "not a topic of the agent tree");
  if (!only_agent_.empty() && parsed->agent_id != only_agent_) return Drop(topic, "another agent's topic");
  auto it = channels_.find(parsed->channel);
  if (it == channels_.end()) return Drop(topic, "no handler for the channel");
  if (gate_ && !gate_(parsed->agent_id, parsed->channel, payload)) return;
  it->second(parsed->agent_id, std::move(payload));
}

void Dispatcher::Drop(const std::string& topic, const char* why) {
  ++dropped_;
  // A peer flooding odd topics must not flood the log.
  if (log::FirstOrPowerOfTwo(dropped_)) {
    spdlog::warn("event=tunnel_message_dropped topic={} reason=\"{}\" dropped_total={}", topic, why, dropped_);
  }
}

}  // namespace ferry::transport
