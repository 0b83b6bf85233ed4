#include "controlplane/console/console_changes.h"

#include <functional>
#include <string_view>

#include "controlplane/console/flows_api.h"

namespace ferry::controlplane {
namespace {

// Order-sensitive mixing (the boost::hash_combine recipe, 64-bit).
void Mix(uint64_t& seed, uint64_t value) { seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 12) + (seed >> 4); }
void Mix(uint64_t& seed, std::string_view text) { Mix(seed, std::hash<std::string_view>{}(text)); }

}  // namespace

Result<ConsoleFingerprint> TakeFingerprint(const ConsoleSources& sources, int64_t now_unix_ms) {
  ConsoleFingerprint print;
  auto agents = sources.fleet.All(now_unix_ms);
  if (!agents.ok()) return agents.status();
  for (const AgentView& agent : *agents) {
    Mix(print.agents, agent.agent_id);
    Mix(print.agents, static_cast<uint64_t>(agent.health.state));
    for (const auto& reason : agent.health.reasons) Mix(print.agents, reason);
    Mix(print.agents, agent.identity);
    Mix(print.agents, static_cast<uint64_t>(agent.record.heartbeat_unix_ms()));
    Mix(print.agents, agent.desired_sequence);
  }
  const store::QueueStats stats = sources.dead_letters.Stats();
  Mix(print.dead_letters, sources.dead_letters.LastSeq());
  Mix(print.dead_letters, stats.depth);
  auto newest = sources.audit.List(0, 1, "");
  if (!newest.ok()) return newest.status();
  if (!newest->entries.empty()) print.audit = newest->entries.front().sequence();
  print.fleet = print.agents;
  Mix(print.fleet, print.dead_letters);
  for (const auto& minute : sources.throughput.LastHour(now_unix_ms)) {
    Mix(print.fleet, minute.counts.in);
    Mix(print.fleet, minute.counts.delivered);
    Mix(print.fleet, minute.counts.dead_lettered);
  }
  print.alerts = sources.alerts_version;
  auto flows = FlowsFingerprint(sources.registry);
  if (!flows.ok()) return flows.status();
  print.flows = *flows;
  if (sources.down != nullptr) {
    Mix(print.down, sources.down->LastSeq());
    Mix(print.down, sources.down->Stats().depth);
  }
  return print;
}

std::vector<std::string> ChangedTopics(const ConsoleFingerprint& before, const ConsoleFingerprint& now) {
  std::vector<std::string> topics;
  if (before.agents != now.agents) topics.emplace_back("agents");
  if (before.dead_letters != now.dead_letters) topics.emplace_back("dead-letters");
  if (before.audit != now.audit) topics.emplace_back("audit");
  if (before.fleet != now.fleet) topics.emplace_back("fleet");
  if (before.alerts != now.alerts) topics.emplace_back("alerts");
  if (before.flows != now.flows) topics.emplace_back("flows");
  if (before.down != now.down) topics.emplace_back("down");
  return topics;
}

}  // namespace ferry::controlplane
