#pragma once
// Each connector lane's delivery error rate over a recent window, from the
// engine's counters since start sampled at each evaluation: failed
// attempts (retried or dead-lettered) over all attempts between the oldest
// sample inside the window and now.
//
// Memory: one sample per lane per evaluation, kept for an hour (the
// longest window a rule may ask for). Used on the event loop only.

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "controlplane/delivery/delivery_engine.h"

namespace ferry::controlplane {

class LaneErrorRates {
 public:
  struct Rate {
    uint64_t attempts = 0;
    uint64_t failed = 0;
    double fraction() const { return attempts == 0 ? 0 : static_cast<double>(failed) / attempts; }
  };

  void Sample(const std::vector<LaneView>& lanes, int64_t now_unix_ms);
  // Over the last `window`, by connector (lanes with no sample that old
  // yet are measured from their oldest).
  std::map<std::string, Rate> Over(std::chrono::milliseconds window, int64_t now_unix_ms) const;

 private:
  struct Counts {
    int64_t unix_ms = 0;
    uint64_t delivered = 0;
    uint64_t failed = 0;  // retries and dead letters
  };
  std::map<std::string, std::deque<Counts>> samples_;
};

}  // namespace ferry::controlplane
