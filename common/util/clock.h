#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace ferry {

constexpr int64_t kMsPerMinute = 60'000;

inline int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ISO 8601 in UTC with milliseconds: "2026-11-22T14:05:09.123Z".
std::string FormatIsoTimeMs(int64_t unix_ms);

}  // namespace ferry
