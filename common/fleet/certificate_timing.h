#pragma once
// When an agent renews its certificate, and from when its end is worth a
// warning in the status commands. Both count from the start of the
// certificate's life as issued (notBefore + crypto::kValidityBackdate).

#include <algorithm>
#include <cstdint>

namespace ferry::fleet {

// At two thirds of its life: a third is left to retry a renewal that fails.
inline int64_t RenewalDueUnixMs(int64_t issued_unix_ms, int64_t not_after_unix_ms) {
  return issued_unix_ms + (not_after_unix_ms - issued_unix_ms) * 2 / 3;
}

// 14 days ahead, or a quarter of the life ahead when that is shorter: a
// certificate is renewed with a third of its life left, so a warning before
// that would be raised for every healthy agent of a short-lived fleet.
inline constexpr int64_t kCertificateWarningMs = 14LL * 24 * 3600 * 1000;
inline int64_t WarnFromUnixMs(int64_t issued_unix_ms, int64_t not_after_unix_ms) {
  return not_after_unix_ms - std::min(kCertificateWarningMs, (not_after_unix_ms - issued_unix_ms) / 4);
}

}  // namespace ferry::fleet
