#pragma once
// An agent's state as the console shows it, computed at the control plane
// from what it last heard, and never green from old data:
//
//   offline   no heartbeat for `offline_after` (5 minutes by default)
//   stale     no heartbeat for 3 of its heartbeat intervals
//   degraded  heard recently, but: its oldest unsent event is older than
//             `backlog_age`, its bundle was rejected, dead letters are
//             rising, or its certificate is expiring
//   healthy   heard recently and none of the above
//
// Every state but healthy comes with the reasons, in words.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace ferry::controlplane {

enum class AgentState { kHealthy, kDegraded, kStale, kOffline };
const char* AgentStateName(AgentState state);

struct AgentSignals {
  int64_t last_heartbeat_unix_ms = 0;  // 0: never heard from
  int64_t heartbeat_interval_ms = 10000;
  int64_t oldest_unsent_age_ms = 0;  // as of that heartbeat
  bool bundle_rejected = false;
  std::string bundle_error;
  uint64_t dead_letters_last_hour = 0;
  uint64_t dead_letters_hour_before = 0;
  int64_t certificate_issued_unix_ms = 0;
  int64_t certificate_not_after_unix_ms = 0;  // 0: none (not enrolled)
};

struct AgentThresholds {
  std::chrono::milliseconds offline_after{std::chrono::minutes(5)};
  std::chrono::milliseconds backlog_age{std::chrono::minutes(15)};
};

struct AgentHealth {
  AgentState state = AgentState::kOffline;
  std::vector<std::string> reasons;
};

AgentHealth AssessAgent(const AgentSignals& signals, const AgentThresholds& thresholds, int64_t now_unix_ms);

}  // namespace ferry::controlplane
