#include "controlplane/console/dead_letter_tally.h"

#include <gtest/gtest.h>

#include "common/util/clock.h"

namespace ferry::controlplane {
namespace {

constexpr int64_t kTallyNow = 1'800'000'000'000;  // on a minute boundary

TEST(DeadLetterTallyTest, CountsTheLastHourAndTheHourBeforePerAgent) {
  DeadLetterTally tally;
  tally.Add("hh", kTallyNow - 5 * kMsPerMinute);
  tally.Add("hh", kTallyNow - 59 * kMsPerMinute);
  tally.Add("hh", kTallyNow - 61 * kMsPerMinute);
  tally.Add("hh", kTallyNow - 119 * kMsPerMinute);
  tally.Add("hh", kTallyNow - 121 * kMsPerMinute);  // older than two hours: not counted
  tally.Add("muc", kTallyNow - 1 * kMsPerMinute);

  const auto hh = tally.For("hh", kTallyNow);
  EXPECT_EQ(hh.last_hour, 2u);
  EXPECT_EQ(hh.hour_before, 2u);
  EXPECT_EQ(tally.For("muc", kTallyNow).last_hour, 1u);
  EXPECT_EQ(tally.For("nobody", kTallyNow).last_hour, 0u);
  EXPECT_EQ(tally.FleetLastHour(kTallyNow), 3u);
  // An hour later the last hour's become the hour before.
  const auto later = tally.For("hh", kTallyNow + 60 * kMsPerMinute);
  EXPECT_EQ(later.last_hour, 0u);
  EXPECT_EQ(later.hour_before, 2u);
}

TEST(DeadLetterTallyTest, KeepsAtMostTwoHoursOfMinutesPerAgent) {
  DeadLetterTally tally;
  for (int64_t m = 0; m < 10'000; ++m) tally.Add("hh", kTallyNow + m * kMsPerMinute);
  const int64_t end = kTallyNow + 9'999 * kMsPerMinute;
  EXPECT_EQ(tally.For("hh", end).last_hour, 60u);
  EXPECT_EQ(tally.For("hh", end).hour_before, 60u);
  // What was pruned stays pruned: going back in time finds nothing.
  EXPECT_EQ(tally.For("hh", kTallyNow + 100 * kMsPerMinute).last_hour, 0u);
}

}  // namespace
}  // namespace ferry::controlplane
