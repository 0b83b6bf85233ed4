#pragma once
// Events in and out of the control plane per minute over the last hour, in
// memory, for the fleet page's chart: sampled every few seconds from the
// running totals (events stored, delivered, dead-lettered), each sample's
// increase counted in the minute it was taken.

#include <cstdint>
#include <map>
#include <vector>

namespace ferry::controlplane {

class ThroughputHistory {
 public:
  struct Totals {
    uint64_t in = 0;  // stored in the delivery queue
    uint64_t delivered = 0;
    uint64_t dead_lettered = 0;
  };
  struct Minute {
    int64_t start_unix_ms = 0;
    Totals counts;
  };

  // The totals since the process started, at `now`. The first sample only
  // sets the baseline.
  void Sample(int64_t now_unix_ms, const Totals& totals);
  // The 60 minutes up to and including the current one, oldest first,
  // zeros where nothing happened.
  std::vector<Minute> LastHour(int64_t now_unix_ms) const;

 private:
  bool primed_ = false;
  Totals last_;
  std::map<int64_t, Totals> minutes_;  // by minute number (unix ms / 60000)
};

}  // namespace ferry::controlplane
