#include "common/util/clock.h"

#include <cstdio>
#include <ctime>

namespace ferry {

std::string FormatIsoTimeMs(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", date, static_cast<int>(unix_ms % 1000));
  return out;
}

}  // namespace ferry
