#include "controlplane/alerts/lane_error_rates.h"

namespace ferry::controlplane {

namespace {
constexpr int64_t kKeepMs = 3'600'000 + 60'000;  // an hour, the longest window, and a margin
}  // namespace

void LaneErrorRates::Sample(const std::vector<LaneView>& lanes, int64_t now_unix_ms) {
  for (const auto& lane : lanes) {
    auto& samples = samples_[lane.connector];
    samples.push_back({now_unix_ms, lane.delivered, lane.retries + lane.dead_lettered});
    while (samples.size() > 1 && samples.front().unix_ms < now_unix_ms - kKeepMs) samples.pop_front();
  }
}

std::map<std::string, LaneErrorRates::Rate> LaneErrorRates::Over(std::chrono::milliseconds window,
                                                                 int64_t now_unix_ms) const {
  std::map<std::string, Rate> out;
  for (const auto& [connector, samples] : samples_) {
    if (samples.size() < 2) continue;
    // The oldest sample still inside the window (or the oldest of all).
    const Counts* from = &samples.front();
    for (const auto& s : samples) {
      if (s.unix_ms >= now_unix_ms - window.count()) {
        from = &s;
        break;
      }
    }
    const Counts& to = samples.back();
    Rate rate;
    rate.failed = to.failed - from->failed;
    rate.attempts = (to.delivered - from->delivered) + rate.failed;
    out[connector] = rate;
  }
  return out;
}

}  // namespace ferry::controlplane
