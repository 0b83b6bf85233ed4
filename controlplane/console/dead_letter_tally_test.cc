#include "controlplane/console/dead_letter_tally.h"

#include <gtest/gtest.h>

namespace ferry::controlplane {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kNow = 1'800'000'000'000;  // on a minute boundary

TEST(DeadLetterTallyTest, CountsTheLastHourAndTheHourBeforePerAgent) {
  DeadLetterTally tally;
  tally.Add("hh", kNow - 5 * kMinute);
  tally.Add("hh", kNow - 59 * kMinute);
  tally.Add("hh", kNow - 61 * kMinute);
  tally.Add("hh", kNow - 119 * kMinute);
  tally.Add("hh", kNow - 121 * kMinute);  // older than two hours: not counted
  tally.Add("muc", kNow - 1 * kMinute);

  const auto hh = tally.For("hh", kNow);
  EXPECT_EQ(hh.last_hour, 2u);
  EXPECT_EQ(hh.hour_before, 2u);
  EXPECT_EQ(tally.For("muc", kNow).last_hour, 1u);
  EXPECT_EQ(tally.For("nobody", kNow).last_hour, 0u);
  EXPECT_EQ(tally.FleetLastHour(kNow), 3u);
  // An hour later the last hour's become the hour before.
  const auto later = tally.For("hh", kNow + 60 * kMinute);
  EXPECT_EQ(later.last_hour, 0u);
  EXPECT_EQ(later.hour_before, 2u);
}

TEST(DeadLetterTallyTest, KeepsAtMostTwoHoursOfMinutesPerAgent) {
  DeadLetterTally tally;
  for (int64_t m = 0; m < 10'000; ++m) tally.Add("hh", kNow + m * kMinute);
  const int64_t end = kNow + 9'999 * kMinute;
  EXPECT_EQ(tally.For("hh", end).last_hour, 60u);
  EXPECT_EQ(tally.For("hh", end).hour_before, 60u);
  // What was pruned stays pruned: going back in time finds nothing.
  EXPECT_EQ(tally.For("hh", kNow + 100 * kMinute).last_hour, 0u);
}

}  // namespace
}  // namespace ferry::controlplane
