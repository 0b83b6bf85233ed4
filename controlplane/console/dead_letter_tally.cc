#include "controlplane/console/dead_letter_tally.h"

#include <algorithm>

#include "common/util/clock.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {
namespace {

constexpr int64_t kHourMinutes = 60;

}  // namespace

void DeadLetterTally::Add(const std::string& agent_id, int64_t unix_ms) {
  auto& minutes = by_agent_[agent_id];
  const int64_t minute = unix_ms / kMsPerMinute;
  ++minutes[minute];
  // Forget what is older than two hours before the newest.
  const int64_t newest = minutes.rbegin()->first;
  minutes.erase(minutes.begin(), minutes.lower_bound(newest - 2 * kHourMinutes));
}

DeadLetterTally::Counts DeadLetterTally::Sum(const std::map<int64_t, uint64_t>& minutes, int64_t now_unix_ms) {
  // The last hour is the current minute and the 59 before it.
  const int64_t now_minute = now_unix_ms / kMsPerMinute;
  Counts counts;
  for (auto it = minutes.lower_bound(now_minute - 2 * kHourMinutes + 1); it != minutes.end(); ++it) {
    if (it->first > now_minute) break;
    (it->first > now_minute - kHourMinutes ? counts.last_hour : counts.hour_before) += it->second;
  }
  return counts;
}

DeadLetterTally::Counts DeadLetterTally::For(const std::string& agent_id, int64_t now_unix_ms) const {
  const auto it = by_agent_.find(agent_id);
  return it == by_agent_.end() ? Counts{} : Sum(it->second, now_unix_ms);
}

uint64_t DeadLetterTally::FleetLastHour(int64_t now_unix_ms) const {
  uint64_t total = 0;
  for (const auto& [agent, minutes] : by_agent_) total += Sum(minutes, now_unix_ms).last_hour;
  return total;
}

uint64_t DeadLetterTally::FleetWithin(std::chrono::milliseconds window, int64_t now_unix_ms) const {
  const int64_t now_minute = now_unix_ms / kMsPerMinute;
  const int64_t minutes_back = std::min<int64_t>(2 * kHourMinutes, std::max<int64_t>(1, window.count() / kMsPerMinute));
  uint64_t total = 0;
  for (const auto& [agent, minutes] : by_agent_) {
    for (auto it = minutes.lower_bound(now_minute - minutes_back + 1); it != minutes.end() && it->first <= now_minute;
         ++it) {
      total += it->second;
    }
  }
  return total;
}

Status DeadLetterTally::Seed(const store::DurableQueue& dlq, int64_t now_unix_ms) {
  const int64_t since = now_unix_ms - 2 * kHourMinutes * kMsPerMinute;
  uint64_t after = 0;
  for (;;) {
    auto records = dlq.ReadAfter(after, 1024, 16 << 20);
    if (!records.ok()) return records.status();
    if (records->empty()) return Status::Ok();
    for (const auto& record : *records) {
      after = record.seq;
      if (record.enqueued_unix_ms < since || !record.corrupt.empty()) continue;
      ferry::v1::DeadLetter dead;
      if (!dead.ParseFromString(record.data)) continue;
      Add(dead.event().agent_id(), dead.unix_ms());
    }
  }
}

}  // namespace ferry::controlplane
