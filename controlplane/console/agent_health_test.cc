#include "controlplane/console/agent_health.h"

#include <gtest/gtest.h>

namespace ferry::controlplane {
namespace {

constexpr int64_t kNow = 1'800'000'000'000;
constexpr int64_t kDay = 24LL * 3600 * 1000;

AgentSignals Fresh() {
  AgentSignals s;
  s.last_heartbeat_unix_ms = kNow - 2000;
  s.heartbeat_interval_ms = 10'000;
  s.certificate_issued_unix_ms = kNow - 5 * kDay;
  s.certificate_not_after_unix_ms = kNow + 25 * kDay;
  return s;
}

TEST(AgentHealthTest, SilenceMakesAnAgentStaleThenOfflineWhateverItLastSaid) {
  EXPECT_EQ(AssessAgent(Fresh(), {}, kNow).state, AgentState::kHealthy);
  EXPECT_TRUE(AssessAgent(Fresh(), {}, kNow).reasons.empty());
  AgentSignals s = Fresh();
  s.last_heartbeat_unix_ms = kNow - 29'000;
  EXPECT_EQ(AssessAgent(s, {}, kNow).state, AgentState::kHealthy);
  s.last_heartbeat_unix_ms = kNow - 30'000;  // three intervals
  AgentHealth stale = AssessAgent(s, {}, kNow);
  EXPECT_EQ(stale.state, AgentState::kStale);
  EXPECT_EQ(stale.reasons.at(0), "no heartbeat for 30 s");
  s.last_heartbeat_unix_ms = kNow - 5 * 60'000;
  AgentHealth offline = AssessAgent(s, {}, kNow);
  EXPECT_EQ(offline.state, AgentState::kOffline);
  EXPECT_EQ(offline.reasons.at(0), "no heartbeat for 5 min");
  EXPECT_EQ(AssessAgent(AgentSignals{}, {}, kNow).reasons.at(0), "never heard from");
  // A slow heartbeat is stale later, but offline at the same time.
  s = Fresh();
  s.heartbeat_interval_ms = 60'000;
  s.last_heartbeat_unix_ms = kNow - 150'000;
  EXPECT_EQ(AssessAgent(s, {}, kNow).state, AgentState::kHealthy);
  s.last_heartbeat_unix_ms = kNow - 300'000;
  EXPECT_EQ(AssessAgent(s, {}, kNow).state, AgentState::kOffline);
}

TEST(AgentHealthTest, EachProblemOfAnAgentHeardRecentlyMakesItDegradedAndIsNamed) {
  AgentSignals s = Fresh();
  s.oldest_unsent_age_ms = 20 * 60'000;
  s.bundle_rejected = true;
  s.bundle_error = "signature does not verify";
  s.dead_letters_last_hour = 7;
  s.dead_letters_hour_before = 2;
  s.certificate_issued_unix_ms = kNow - 6 * kDay;  // a 7-day life with 1 day left: renewal overdue
  s.certificate_not_after_unix_ms = kNow + kDay;
  AgentHealth h = AssessAgent(s, {}, kNow);
  EXPECT_EQ(h.state, AgentState::kDegraded);
  ASSERT_EQ(h.reasons.size(), 4u);
  EXPECT_EQ(h.reasons[0], "oldest unsent event is 20 min old");
  EXPECT_EQ(h.reasons[1], "bundle rejected: signature does not verify");
  EXPECT_EQ(h.reasons[2], "7 dead letters in the last hour, up from 2");
  EXPECT_EQ(h.reasons[3], "certificate expiring and not renewed");
  // Steady dead letters are not "rising"; an unenrolled agent has no certificate to warn about.
  s = Fresh();
  s.dead_letters_last_hour = 3;
  s.dead_letters_hour_before = 3;
  s.certificate_not_after_unix_ms = 0;
  EXPECT_EQ(AssessAgent(s, {}, kNow).state, AgentState::kHealthy);
  EXPECT_STREQ(AgentStateName(AgentState::kDegraded), "degraded");
}

}  // namespace
}  // namespace ferry::controlplane
