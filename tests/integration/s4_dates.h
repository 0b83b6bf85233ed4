#pragma once
// Change dates for the S/4 tests' entities, as SAP serialises Edm.DateTime.

#include <cstdint>
#include <string>

namespace ferry::testing {

inline constexpr int64_t kS4DayMs = 86'400'000;
inline constexpr int64_t kS4FirstDay = 1'767'225'600'000;  // 2026-01-01

// "/Date(ms)/" of the `day`-th day after 2026-01-01.
inline std::string ODataDate(int day) { return "/Date(" + std::to_string(kS4FirstDay + day * kS4DayMs) + ")/"; }

}  // namespace ferry::testing
