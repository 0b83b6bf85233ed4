#include "controlplane/console/fleet_summary.h"

#include <algorithm>
#include <map>

#include <boost/json.hpp>

#include "controlplane/delivery/dead_letter_query.h"

namespace ferry::controlplane {
namespace {

constexpr int64_t kHourMs = 3'600'000;
// The top reasons look at no more than this many of the newest dead letters.
constexpr size_t kReasonScan = 5000;
constexpr size_t kReasonChars = 160;

boost::json::object LaneJson(const LaneView& lane) {
  return {{"connector", lane.connector},
          {"delivered", lane.delivered},
          {"dead_lettered", lane.dead_lettered},
          {"retries", lane.retries},
          {"requests_in_flight", lane.requests},
          {"concurrency", lane.concurrency},
          {"attempts_allowed", lane.attempts_allowed},
          {"paused_for_ms", lane.paused_for.count()}};
}

// The most frequent reasons among the last hour's dead letters, newest
// dead letters first, at most 5.
Result<boost::json::array> TopReasons(const store::DurableQueue& dlq, int64_t now) {
  DeadLetterFilter filter;
  filter.since_unix_ms = now - kHourMs;
  auto page = FindDeadLetters(dlq, filter, UINT64_MAX, kReasonScan, kReasonScan);
  if (!page.ok()) return page.status();
  std::map<std::string, uint64_t> counts;
  for (const auto& found : page->dead_letters) {
    const std::string& reason = found.corrupt.empty() ? found.dead.reason() : found.corrupt;
    ++counts[reason.substr(0, kReasonChars)];
  }
  std::vector<std::pair<std::string, uint64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  boost::json::array out;
  for (size_t i = 0; i < sorted.size() && i < 5; ++i) {
    out.push_back(boost::json::object{{"reason", sorted[i].first}, {"count", sorted[i].second}});
  }
  return out;
}

}  // namespace

Result<boost::json::object> FleetSummaryJson(const FleetSources& s, int64_t now) {
  auto agents = s.fleet.All(now);
  if (!agents.ok()) return agents.status();
  boost::json::object by_state{{"healthy", 0}, {"degraded", 0}, {"stale", 0}, {"offline", 0}};
  // The oldest unsent event: at an agent (its age at the last heartbeat,
  // plus the time since, since it may still be there) or at the control
  // plane, waiting for delivery.
  int64_t oldest_ms = 0;
  std::string oldest_where;
  for (const auto& view : *agents) {
    by_state[AgentStateName(view.health.state)] = by_state[AgentStateName(view.health.state)].as_int64() + 1;
    const auto& hb = view.record.heartbeat();
    if (hb.outbox_depth() == 0 || view.record.heartbeat_unix_ms() == 0) continue;
    const int64_t age = hb.oldest_age_ms() + std::max<int64_t>(0, now - view.record.heartbeat_unix_ms());
    if (age > oldest_ms) {
      oldest_ms = age;
      oldest_where = "agent " + view.agent_id;
    }
  }
  const auto queued = s.delivery.Stats();
  if (queued.oldest_enqueued_unix_ms != 0 && now - queued.oldest_enqueued_unix_ms > oldest_ms) {
    oldest_ms = now - queued.oldest_enqueued_unix_ms;
    oldest_where = "control plane (waiting for delivery)";
  }
  boost::json::array minutes;
  for (const auto& m : s.throughput.LastHour(now)) {
    minutes.push_back(boost::json::object{{"start_unix_ms", m.start_unix_ms},
                                          {"in", m.counts.in},
                                          {"delivered", m.counts.delivered},
                                          {"dead_lettered", m.counts.dead_lettered}});
  }
  boost::json::array paused;
  for (const auto& lane : s.lanes) {
    if (lane.paused_for.count() > 0) paused.push_back(LaneJson(lane));
  }
  auto reasons = TopReasons(s.dlq, now);
  if (!reasons.ok()) return reasons.status();
  return boost::json::object{
      {"agents_by_state", std::move(by_state)},
      {"agents_total", agents->size()},
      {"per_minute", std::move(minutes)},
      {"oldest_unsent", oldest_ms == 0
                            ? boost::json::value(nullptr)
                            : boost::json::value(boost::json::object{{"age_ms", oldest_ms}, {"where", oldest_where}})},
      {"delivery_queue", {{"depth", queued.depth}, {"bytes", queued.bytes}}},
      {"dead_letters_last_hour", s.dead_letters.FleetLastHour(now)},
      {"dead_letters_stored", s.dlq.Stats().depth},
      {"top_reasons_last_hour", std::move(*reasons)},
      {"lanes_paused", std::move(paused)},
  };
}

boost::json::object ConnectorsJson(const std::vector<LaneView>& lanes) {
  boost::json::array out;
  for (const auto& lane : lanes) out.push_back(LaneJson(lane));
  return {{"connectors", std::move(out)}};
}

}  // namespace ferry::controlplane
