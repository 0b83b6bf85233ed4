#include "controlplane/alerts/alert_tracker.h"

#include <gtest/gtest.h>

namespace ferry::controlplane {
namespace {

using std::chrono::minutes;

AlertCondition Offline(const std::string& agent) { return {"agent_offline", agent, agent + " has been silent"}; }

std::vector<std::string> Subjects(const AlertNotification& n) {
  std::vector<std::string> out;
  for (const auto& a : n.alerts) out.push_back(a.subject);
  return out;
}

constexpr int64_t kMinute = 60'000;

TEST(AlertTrackerTest, FiresOnceAfterTheHoldRepeatsAndResolvesOnce) {
  AlertTracker tracker({{"agent_offline", minutes(5), minutes(60)}});
  EXPECT_TRUE(tracker.Evaluate({Offline("hh")}, 0).empty());  // pending
  EXPECT_TRUE(tracker.Evaluate({Offline("hh")}, 4 * kMinute).empty());
  auto fired = tracker.Evaluate({Offline("hh")}, 5 * kMinute);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].change, AlertChange::kFiring);
  EXPECT_EQ(Subjects(fired[0]), std::vector<std::string>{"hh"});
  for (int m = 6; m < 65; ++m) EXPECT_TRUE(tracker.Evaluate({Offline("hh")}, m * kMinute).empty()) << m;
  auto repeated = tracker.Evaluate({Offline("hh")}, 65 * kMinute);
  ASSERT_EQ(repeated.size(), 1u);
  EXPECT_EQ(repeated[0].change, AlertChange::kRepeat);
  auto resolved = tracker.Evaluate({}, 66 * kMinute);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].change, AlertChange::kResolved);
  EXPECT_TRUE(tracker.Evaluate({}, 67 * kMinute).empty());
  EXPECT_TRUE(tracker.Active().empty());
}

TEST(AlertTrackerTest, AConditionShorterThanTheHoldIsNeverNotified) {
  AlertTracker tracker({{"agent_offline", minutes(5), minutes(60)}});
  for (int i = 0; i < 100; ++i) {
    // Flapping: 4 minutes on, 1 off.
    const int64_t t = i * 5 * kMinute;
    EXPECT_TRUE(tracker.Evaluate({Offline("hh")}, t).empty());
    EXPECT_TRUE(tracker.Evaluate({Offline("hh")}, t + 4 * kMinute).empty());
    EXPECT_TRUE(tracker.Evaluate({}, t + 4 * kMinute + 30'000).empty());
  }
}

TEST(AlertTrackerTest, AThousandAgentsGoingOfflineTogetherMakeOneNotification) {
  AlertTracker tracker({{"agent_offline", minutes(0), minutes(0)}, {"certificate_expiring", minutes(0), minutes(0)}});
  std::vector<AlertCondition> all;
  for (int i = 0; i < 1000; ++i) all.push_back(Offline("agent-" + std::to_string(i)));
  all.push_back({"certificate_expiring", "hh", "expires in 3 days"});
  all.push_back({"no_such_rule", "x", "ignored"});
  auto fired = tracker.Evaluate(all, 0);
  ASSERT_EQ(fired.size(), 2u);  // one per rule
  EXPECT_EQ(fired[0].rule, "agent_offline");
  EXPECT_EQ(fired[0].alerts.size(), 1000u);
  EXPECT_EQ(fired[1].rule, "certificate_expiring");
  EXPECT_TRUE(tracker.Evaluate(all, kMinute).empty());  // repeat 0: never again while firing
  all.erase(all.begin(), all.begin() + 10);
  auto resolved = tracker.Evaluate(all, 2 * kMinute);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].change, AlertChange::kResolved);
  EXPECT_EQ(resolved[0].alerts.size(), 10u);
  EXPECT_EQ(tracker.Active().size(), 991u);
}

// After a restart, what was firing neither fires again nor stays forever:
// it resolves once when it stops holding.
TEST(AlertTrackerTest, AlertsFiringBeforeARestartResolveOnceAndAreNotFiredAgain) {
  AlertTracker before({{"agent_offline", minutes(0), minutes(60)}});
  ASSERT_EQ(before.Evaluate({Offline("hh"), Offline("muc")}, 0).size(), 1u);
  AlertTracker after({{"agent_offline", minutes(0), minutes(60)}});
  after.Restore(before.Active());
  EXPECT_TRUE(after.Evaluate({Offline("hh"), Offline("muc")}, 10 * kMinute).empty());
  auto resolved = after.Evaluate({Offline("hh")}, 11 * kMinute);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].change, AlertChange::kResolved);
  EXPECT_EQ(Subjects(resolved[0]), std::vector<std::string>{"muc"});
  auto repeated = after.Evaluate({Offline("hh")}, 60 * kMinute);  // the repeat counts from before the restart
  ASSERT_EQ(repeated.size(), 1u);
  EXPECT_EQ(repeated[0].change, AlertChange::kRepeat);
}

TEST(AlertTrackerTest, NewRulesKeepTheStateOfRulesThatStayAndDropTheOthers) {
  AlertTracker tracker({{"agent_offline", minutes(0), minutes(0)}, {"agent_stale", minutes(0), minutes(0)}});
  ASSERT_EQ(tracker.Evaluate({Offline("hh"), {"agent_stale", "hh", "stale"}}, 0).size(), 2u);
  tracker.SetRules({{"agent_offline", minutes(5), minutes(0)}});
  ASSERT_EQ(tracker.Active().size(), 1u);
  // Still firing under the new hold: no second "firing".
  EXPECT_TRUE(tracker.Evaluate({Offline("hh"), {"agent_stale", "hh", "stale"}}, kMinute).empty());
  // A stale alert is no rule's any more: nothing about it, not even a resolve.
  auto resolved = tracker.Evaluate({}, 2 * kMinute);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].rule, "agent_offline");
}

}  // namespace
}  // namespace ferry::controlplane
