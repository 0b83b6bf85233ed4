#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

constexpr int64_t kMsPerMinute = 60'000;

inline int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ISO 8601 in UTC with milliseconds: "2026-11-22T14:05:09.123Z".
std::string FormatIsoTimeMs(int64_t unix_ms);
// The instant of an ISO 8601 UTC time as a CRM writes it:
// "2026-11-22T14:05:09Z", with any number of fractional digits (kept to
// the millisecond), and "Z" or "+00:00". nullopt for anything else.
std::optional<int64_t> ParseIsoTimeMs(std::string_view text);

}  // namespace ferry
