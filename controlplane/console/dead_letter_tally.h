#pragma once
// Dead letters per agent over the last two hours, counted by minute, in
// memory: what "dead letters rising" in an agent's state and the fleet's
// dead letters in the last hour are computed from. Seeded at start from the
// dead-letter queue, then fed by the delivery engine as it dead-letters. A
// dead letter replayed or discarded since still counts: it happened.
//
// Memory: at most 120 buckets per agent that had a dead letter in the last
// two hours. Used on the control plane's event loop only.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "common/store/durable_queue.h"

namespace ferry::controlplane {

class DeadLetterTally {
 public:
  struct Counts {
    uint64_t last_hour = 0;
    uint64_t hour_before = 0;  // the hour before the last one
  };

  void Add(const std::string& agent_id, int64_t unix_ms);
  Counts For(const std::string& agent_id, int64_t now_unix_ms) const;
  uint64_t FleetLastHour(int64_t now_unix_ms) const;
  // Across the fleet within the last `window` (whole minutes, at most two
  // hours: the current minute and the ones before it).
  uint64_t FleetWithin(std::chrono::milliseconds window, int64_t now_unix_ms) const;

  // Adds every dead letter of `dlq` from the last two hours before `now`.
  // Records that do not parse are skipped (the dlq commands report them).
  Status Seed(const store::DurableQueue& dlq, int64_t now_unix_ms);

 private:
  static Counts Sum(const std::map<int64_t, uint64_t>& minutes, int64_t now_unix_ms);
  // agent id -> minute (unix ms / 60000) -> dead letters in it
  std::unordered_map<std::string, std::map<int64_t, uint64_t>> by_agent_;
};

}  // namespace ferry::controlplane
