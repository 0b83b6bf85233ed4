#include "common/util/clock.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(ClockTest, IsoTimesReadBackToTheMillisecond) {
  EXPECT_EQ(ParseIsoTimeMs("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIsoTimeMs(FormatIsoTimeMs(1796605509123)), 1796605509123);
  EXPECT_EQ(ParseIsoTimeMs("2026-12-07T01:02:03.4567890Z"), ParseIsoTimeMs("2026-12-07T01:02:03.456Z"));
  EXPECT_EQ(ParseIsoTimeMs("2026-12-07T01:02:03.4Z"), ParseIsoTimeMs("2026-12-07T01:02:03Z").value() + 400);
  EXPECT_EQ(ParseIsoTimeMs("2026-12-07T01:02:03+00:00"), ParseIsoTimeMs("2026-12-07T01:02:03Z"));
  EXPECT_EQ(ParseIsoTimeMs("2024-02-29T00:00:00Z").value() - ParseIsoTimeMs("2024-02-28T00:00:00Z").value(),
            24 * 3600 * 1000);
}

TEST(ClockTest, WhatIsNotAnIsoUtcTimeIsRefused) {
  for (const char* bad : {"", "2026-12-07", "2026-12-07T01:02:03", "2026-12-07T01:02:03+01:00", "2026-02-30T00:00:00Z",
                          "2026-12-07T24:00:00Z", "2026-12-07T01:02:03.Z", "2026-12-07 01:02:03Z",
                          "2026-12-07T01:02:03Zx", "２026-12-07T01:02:03Z"}) {
    EXPECT_FALSE(ParseIsoTimeMs(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ferry
