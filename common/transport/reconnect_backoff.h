#pragma once
// Reconnect waits with exponential back-off and full jitter: each wait is
// uniformly random between `min` and the current ceiling, which doubles up
// to `max` and drops back to `min` after a connection holds. A fleet that
// lost its broker or control plane at once then spreads its reconnects
// instead of arriving in lock-step.

#include <algorithm>
#include <chrono>
#include <random>

namespace ferry::transport {

class ReconnectBackoff {
 public:
  ReconnectBackoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
      : min_(min), max_(max), ceiling_(min), rng_(std::random_device{}()) {}
  std::chrono::milliseconds Next() {
    std::uniform_int_distribution<int64_t> dist(min_.count(), std::max(min_.count(), ceiling_.count()));
    const std::chrono::milliseconds wait(dist(rng_));
    ceiling_ = std::min(max_, ceiling_ * 2);
    return wait;
  }
  void Reset() { ceiling_ = min_; }
  std::chrono::milliseconds ceiling() const { return ceiling_; }

 private:
  std::chrono::milliseconds min_, max_, ceiling_;
  std::mt19937_64 rng_;
};

}  // namespace ferry::transport
