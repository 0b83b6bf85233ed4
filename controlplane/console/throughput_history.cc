#include "controlplane/console/throughput_history.h"

#include "common/util/clock.h"

namespace ferry::controlplane {
namespace {

constexpr int64_t kMinutes = 60;

// Totals only grow; a smaller one (a counter reset) counts as no increase.
uint64_t Increase(uint64_t now, uint64_t before) { return now >= before ? now - before : 0; }

}  // namespace

void ThroughputHistory::Sample(int64_t now, const Totals& totals) {
  if (primed_) {
    Totals& minute = minutes_[now / kMsPerMinute];
    minute.in += Increase(totals.in, last_.in);
    minute.delivered += Increase(totals.delivered, last_.delivered);
    minute.dead_lettered += Increase(totals.dead_lettered, last_.dead_lettered);
  }
  primed_ = true;
  last_ = totals;
  minutes_.erase(minutes_.begin(), minutes_.lower_bound(now / kMsPerMinute - kMinutes + 1));
}

std::vector<ThroughputHistory::Minute> ThroughputHistory::LastHour(int64_t now) const {
  std::vector<Minute> out;
  out.reserve(kMinutes);
  const int64_t last = now / kMsPerMinute;
  for (int64_t m = last - kMinutes + 1; m <= last; ++m) {
    Minute minute;
    minute.start_unix_ms = m * kMsPerMinute;
    if (auto it = minutes_.find(m); it != minutes_.end()) minute.counts = it->second;
    out.push_back(minute);
  }
  return out;
}

}  // namespace ferry::controlplane
