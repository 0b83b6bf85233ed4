#pragma once
// The one way tests wait: on a condition, with a deadline. A bare sleep either
// wastes time or is too short on a loaded CI machine; this does neither.

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace ferry::testing {

// Calls `condition` every `poll` until it returns true (-> true) or `timeout`
// has passed (-> false). The condition is always evaluated at least once and
// once more at the deadline, so a zero timeout is a plain check.
inline bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll, deadline - now));
  }
}

}  // namespace ferry::testing
