#include "controlplane/console/agent_health.h"

#include <algorithm>

#include "common/fleet/certificate_timing.h"

namespace ferry::controlplane {
namespace {

std::string Ago(int64_t ms) {
  if (ms < 120'000) return std::to_string(ms / 1000) + " s";
  if (ms < 7'200'000) return std::to_string(ms / 60'000) + " min";
  return std::to_string(ms / 3'600'000) + " h";
}

}  // namespace

const char* AgentStateName(AgentState state) {
  switch (state) {
    case AgentState::kHealthy:
      return "healthy";
    case AgentState::kDegraded:
      return "degraded";
    case AgentState::kStale:
      return "stale";
    case AgentState::kOffline:
      return "offline";
  }
  return "offline";
}

AgentHealth AssessAgent(const AgentSignals& s, const AgentThresholds& t, int64_t now) {
  AgentHealth health;
  if (s.last_heartbeat_unix_ms == 0) {
    health.state = AgentState::kOffline;
    health.reasons.push_back("never heard from");
    return health;
  }
  const int64_t silent = std::max<int64_t>(0, now - s.last_heartbeat_unix_ms);
  if (silent >= t.offline_after.count()) {
    health.state = AgentState::kOffline;
    health.reasons.push_back("no heartbeat for " + Ago(silent));
    return health;
  }
  // Three missed heartbeats; an interval of 0 (an old agent) counts as 10 s.
  const int64_t interval = s.heartbeat_interval_ms > 0 ? s.heartbeat_interval_ms : 10'000;
  if (silent >= 3 * interval) {
    health.state = AgentState::kStale;
    health.reasons.push_back("no heartbeat for " + Ago(silent));
    return health;
  }
  if (s.oldest_unsent_age_ms >= t.backlog_age.count()) {
    health.reasons.push_back("oldest unsent event is " + Ago(s.oldest_unsent_age_ms) + " old");
  }
  if (s.bundle_rejected) health.reasons.push_back("bundle rejected: " + s.bundle_error);
  if (s.dead_letters_last_hour > 0 && s.dead_letters_last_hour > s.dead_letters_hour_before) {
    health.reasons.push_back(std::to_string(s.dead_letters_last_hour) + " dead letters in the last hour, up from " +
                             std::to_string(s.dead_letters_hour_before));
  }
  if (s.certificate_not_after_unix_ms != 0 &&
      now >= fleet::WarnFromUnixMs(s.certificate_issued_unix_ms, s.certificate_not_after_unix_ms)) {
    health.reasons.push_back(now >= s.certificate_not_after_unix_ms ? "certificate expired"
                                                                    : "certificate expiring and not renewed");
  }
  health.state = health.reasons.empty() ? AgentState::kHealthy : AgentState::kDegraded;
  return health;
}

}  // namespace ferry::controlplane
