#include "controlplane/fleet/attempt_limiter.h"

#include <gtest/gtest.h>

namespace ferry::controlplane {
namespace {

using namespace std::chrono_literals;

TEST(AttemptLimiterTest, EachClientHasItsShareAndAllTogetherTheirs) {
  AttemptLimiter limiter(/*per_minute=*/5, /*per_client_per_minute=*/2);
  const auto t0 = AttemptLimiter::Clock::now();
  EXPECT_TRUE(limiter.Take("10.0.0.1", t0));
  EXPECT_TRUE(limiter.Take("10.0.0.1", t0));
  EXPECT_FALSE(limiter.Take("10.0.0.1", t0));  // its share is spent...
  EXPECT_FALSE(limiter.Take("10.0.0.1", t0));
  EXPECT_TRUE(limiter.Take("10.0.0.2", t0));  // ...and did not use up the others'
  EXPECT_TRUE(limiter.Take("10.0.0.2", t0));
  EXPECT_TRUE(limiter.Take("10.0.0.3", t0));
  EXPECT_FALSE(limiter.Take("10.0.0.4", t0));  // five for all together
  // A client's share refills at its rate: one every 30 s.
  EXPECT_FALSE(limiter.Take("10.0.0.1", t0 + 20s));
  EXPECT_TRUE(limiter.Take("10.0.0.1", t0 + 31s));
}

TEST(AttemptLimiterTest, ManyAddressesAreBoundedAndStillMeetTheSharedBucket) {
  AttemptLimiter limiter(/*per_minute=*/100000, /*per_client_per_minute=*/1);
  const auto t0 = AttemptLimiter::Clock::now();
  for (size_t i = 0; i < AttemptLimiter::kMaxClients; ++i) {
    ASSERT_TRUE(limiter.Take("client-" + std::to_string(i), t0));
  }
  // The table is full of clients that just made an attempt: a new one is
  // let through by the shared bucket alone, and the table does not grow.
  EXPECT_TRUE(limiter.Take("one-more", t0));
  EXPECT_FALSE(limiter.Take("client-0", t0));
  // A minute later the refilled ones are forgotten and room is made.
  EXPECT_TRUE(limiter.Take("another", t0 + 61s));
  EXPECT_FALSE(limiter.Take("another", t0 + 61s));
}

}  // namespace
}  // namespace ferry::controlplane
