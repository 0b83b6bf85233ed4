#include "controlplane/console/throughput_history.h"

#include <gtest/gtest.h>

#include "common/util/clock.h"

namespace ferry::controlplane {
namespace {

constexpr int64_t kStart = 1'800'000'000'000;  // on a minute boundary

TEST(ThroughputHistoryTest, IncreasesAreCountedInTheMinuteOfTheirSample) {
  ThroughputHistory history;
  history.Sample(kStart, {100, 90, 1});  // baseline: nothing counted
  history.Sample(kStart + 10'000, {110, 95, 1});
  history.Sample(kStart + 50'000, {130, 100, 2});
  history.Sample(kStart + 2 * kMsPerMinute + 5'000, {131, 130, 2});
  const auto hour = history.LastHour(kStart + 2 * kMsPerMinute + 6'000);
  ASSERT_EQ(hour.size(), 60u);
  EXPECT_EQ(hour.back().start_unix_ms, kStart + 2 * kMsPerMinute);
  EXPECT_EQ(hour.back().counts.in, 1u);
  EXPECT_EQ(hour.back().counts.delivered, 30u);
  const auto& first = hour[hour.size() - 3];
  EXPECT_EQ(first.start_unix_ms, kStart);
  EXPECT_EQ(first.counts.in, 30u);
  EXPECT_EQ(first.counts.delivered, 10u);
  EXPECT_EQ(first.counts.dead_lettered, 1u);
  EXPECT_EQ(hour[hour.size() - 2].counts.in, 0u);  // a quiet minute

  // An hour later the early minutes are gone.
  const auto later = history.LastHour(kStart + 61 * kMsPerMinute);
  for (const auto& m : later) EXPECT_EQ(m.counts.delivered, m.start_unix_ms == kStart + 2 * kMsPerMinute ? 30u : 0u);
}

TEST(ThroughputHistoryTest, ACounterThatGoesBackCountsAsNothing) {
  ThroughputHistory history;
  history.Sample(kStart, {100, 100, 0});
  history.Sample(kStart + 1000, {5, 5, 0});
  history.Sample(kStart + 2000, {7, 6, 0});
  EXPECT_EQ(history.LastHour(kStart + 3000).back().counts.in, 2u);
}

}  // namespace
}  // namespace ferry::controlplane
