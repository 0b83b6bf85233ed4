#include "controlplane/alerts/alert_conditions.h"

#include <cstdio>

#include "common/util/clock.h"
#include "common/util/one_line.h"

namespace ferry::controlplane {
namespace {

// Summaries can quote an agent's own words (a bundle error): one line, and
// short enough for a chat message or a mail subject's neighbour.
constexpr size_t kMaxSummary = 300;

std::string Bounded(std::string text) {
  text = OneLine(text);
  if (text.size() > kMaxSummary) {
    text.resize(kMaxSummary);
    // Never cut a UTF-8 sequence in half.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
    if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80)) text.pop_back();
    text += "...";
  }
  return text;
}

std::string Reasons(const AgentView& agent) {
  std::string out;
  for (const auto& reason : agent.health.reasons) out += (out.empty() ? "" : "; ") + reason;
  return out;
}

std::string Minutes(int64_t ms) {
  if (ms < 2 * 3'600'000) return std::to_string(ms / kMsPerMinute) + " min";
  if (ms < 2 * 86'400'000) return std::to_string(ms / 3'600'000) + " h";
  return std::to_string(ms / 86'400'000) + " d";
}

// Whether the agent can raise agent alerts: enrolled or heard from, and not
// revoked (a revoked agent is meant to be silent).
bool Watched(const AgentView& agent) { return agent.identity != "revoked" && agent.record.heartbeat_unix_ms() > 0; }

bool Silent(const AgentView& agent) {
  return agent.health.state == AgentState::kOffline || agent.health.state == AgentState::kStale;
}

void AgentConditions(const AlertRuleSpec& rule, const std::vector<AgentView>& agents, int64_t now,
                     std::vector<AlertCondition>& out) {
  for (const auto& agent : agents) {
    if (!Watched(agent)) continue;
    std::string summary;
    switch (rule.kind) {
      case AlertKind::kAgentOffline:
        if (agent.health.state == AgentState::kOffline) summary = "offline: " + Reasons(agent);
        break;
      case AlertKind::kAgentStale:
        if (Silent(agent)) summary = std::string(AgentStateName(agent.health.state)) + ": " + Reasons(agent);
        break;
      case AlertKind::kOldestUnsent: {
        // An agent gone silent has no fresh backlog figure: its own rule says so.
        const int64_t age = agent.record.heartbeat().oldest_age_ms();
        if (!Silent(agent) && age >= rule.older_than.count())
          summary = "oldest unsent event is " + Minutes(age) + " old";
        break;
      }
      case AlertKind::kBundleRejected:
        if (agent.bundle_rejected) {
          summary = "rejected bundle " + std::to_string(agent.record.flows().bundle_version()) + ": " +
                    agent.record.flows().error();
        }
        break;
      case AlertKind::kCertificateExpiring: {
        const int64_t end = agent.certificate_not_after_unix_ms;
        if (end != 0 && end - now <= rule.within.count()) {
          summary = end <= now ? "certificate expired at " + FormatIsoTimeMs(end)
                               : "certificate ends " + FormatIsoTimeMs(end) + ", in " + Minutes(end - now);
        }
        break;
      }
      default:
        break;
    }
    if (!summary.empty()) out.push_back({rule.name, agent.agent_id, Bounded(agent.agent_id + ": " + summary)});
  }
}

}  // namespace

std::vector<AlertCondition> HoldingConditions(const std::vector<AlertRuleSpec>& rules, const AlertSignals& signals,
                                              int64_t now) {
  std::vector<AlertCondition> out;
  for (const auto& rule : rules) {
    if (!rule.enabled) continue;
    switch (rule.kind) {
      case AlertKind::kDeadLetters: {
        const uint64_t n = signals.dead_letters.FleetWithin(rule.window, now);
        if (n > rule.more_than) {
          out.push_back({rule.name, "fleet",
                         std::to_string(n) + " dead letters in the last " + DurationText(rule.window) + " (more than " +
                             std::to_string(rule.more_than) + ")"});
        }
        break;
      }
      case AlertKind::kErrorRate:
        for (const auto& [connector, rate] : signals.lanes.Over(rule.window, now)) {
          if (rate.attempts < rule.min_attempts || rate.fraction() <= rule.above) continue;
          char percent[16];
          std::snprintf(percent, sizeof percent, "%.0f%%", rate.fraction() * 100);
          out.push_back({rule.name, connector,
                         connector + ": " + percent + " of " + std::to_string(rate.attempts) +
                             " attempts failed in the last " + DurationText(rule.window)});
        }
        break;
      default:
        AgentConditions(rule, signals.agents, now, out);
        break;
    }
  }
  return out;
}

}  // namespace ferry::controlplane
