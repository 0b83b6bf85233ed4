#include "controlplane/alerts/alert_conditions.h"

#include <gtest/gtest.h>

namespace ferry::controlplane {
namespace {

using std::chrono::minutes;

constexpr int64_t kEvaluatedAt = 1'800'000'000'000;

AgentView Agent(const std::string& id, AgentState state) {
  AgentView view;
  view.agent_id = id;
  view.identity = "enrolled";
  view.health.state = state;
  if (state != AgentState::kHealthy) view.health.reasons.push_back("no heartbeat for 6 min");
  view.record.set_heartbeat_unix_ms(kEvaluatedAt - 6 * 60'000);
  return view;
}

AlertRuleSpec Rule(const std::string& name, AlertKind kind) {
  AlertRuleSpec rule;
  rule.name = name;
  rule.kind = kind;
  return rule;
}

std::vector<std::string> Subjects(const std::vector<AlertCondition>& conditions, const std::string& rule) {
  std::vector<std::string> out;
  for (const auto& c : conditions)
    if (c.rule == rule) out.push_back(c.subject);
  return out;
}

struct Fixture {
  std::vector<AgentView> agents;
  DeadLetterTally tally;
  LaneErrorRates lanes;
  std::vector<AlertCondition> Holding(const std::vector<AlertRuleSpec>& rules) {
    return HoldingConditions(rules, {agents, tally, lanes}, kEvaluatedAt);
  }
};

TEST(AlertConditionsTest, AgentRulesSkipRevokedAndNeverHeardAgents) {
  Fixture f;
  f.agents.push_back(Agent("offline", AgentState::kOffline));
  f.agents.push_back(Agent("stale", AgentState::kStale));
  f.agents.push_back(Agent("fine", AgentState::kHealthy));
  AgentView revoked = Agent("revoked", AgentState::kOffline);
  revoked.identity = "revoked";
  f.agents.push_back(revoked);
  AgentView invited = Agent("invited", AgentState::kOffline);
  invited.record.set_heartbeat_unix_ms(0);
  f.agents.push_back(invited);
  const auto holding = f.Holding({Rule("off", AlertKind::kAgentOffline), Rule("stale", AlertKind::kAgentStale)});
  EXPECT_EQ(Subjects(holding, "off"), std::vector<std::string>{"offline"});
  EXPECT_EQ(Subjects(holding, "stale"), (std::vector<std::string>{"offline", "stale"}));
  EXPECT_EQ(holding[0].summary, "offline: offline: no heartbeat for 6 min");
}

TEST(AlertConditionsTest, BacklogBundleAndCertificateOfAgentsThatReport) {
  Fixture f;
  AgentView slow = Agent("slow", AgentState::kDegraded);
  slow.record.mutable_heartbeat()->set_oldest_age_ms(45 * 60'000);
  AgentView silent = Agent("silent", AgentState::kOffline);  // its backlog figure is old news
  silent.record.mutable_heartbeat()->set_oldest_age_ms(45 * 60'000);
  AgentView rejecting = Agent("rejecting", AgentState::kDegraded);
  rejecting.bundle_rejected = true;
  rejecting.record.mutable_flows()->set_bundle_version(7);
  rejecting.record.mutable_flows()->set_error(std::string("line 3:\nbad\x01") + std::string(400, 'x'));
  AgentView expiring = Agent("expiring", AgentState::kDegraded);
  expiring.certificate_not_after_unix_ms = kEvaluatedAt + 3LL * 86'400'000;
  AgentView lasting = Agent("lasting", AgentState::kHealthy);
  lasting.certificate_not_after_unix_ms = kEvaluatedAt + 300LL * 86'400'000;
  f.agents = {slow, silent, rejecting, expiring, lasting};
  const auto holding = f.Holding({Rule("backlog", AlertKind::kOldestUnsent), Rule("bundle", AlertKind::kBundleRejected),
                                  Rule("cert", AlertKind::kCertificateExpiring)});
  EXPECT_EQ(Subjects(holding, "backlog"), std::vector<std::string>{"slow"});
  EXPECT_EQ(Subjects(holding, "bundle"), std::vector<std::string>{"rejecting"});
  EXPECT_EQ(Subjects(holding, "cert"), std::vector<std::string>{"expiring"});
  for (const auto& c : holding) {
    // The agent's own words stay one bounded line.
    EXPECT_EQ(c.summary.find('\n'), std::string::npos) << c.summary;
    EXPECT_LE(c.summary.size(), 303u);
  }
}

TEST(AlertConditionsTest, DeadLettersInTheWindowAndDisabledRules) {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.tally.Add("a", kEvaluatedAt - 10 * 60'000);
  for (int i = 0; i < 4; ++i) f.tally.Add("b", kEvaluatedAt - 50 * 60'000);
  AlertRuleSpec rule = Rule("dl", AlertKind::kDeadLetters);
  rule.more_than = 5;
  rule.window = minutes(60);
  EXPECT_EQ(Subjects(f.Holding({rule}), "dl"), std::vector<std::string>{"fleet"});
  rule.window = minutes(30);  // only "a"'s four
  EXPECT_TRUE(f.Holding({rule}).empty());
  rule.window = minutes(60);
  rule.enabled = false;
  EXPECT_TRUE(f.Holding({rule}).empty());
}

TEST(AlertConditionsTest, ErrorRateNeedsEnoughAttemptsInTheWindow) {
  Fixture f;
  LaneView lane;
  lane.connector = "salesforce";
  f.lanes.Sample({lane}, kEvaluatedAt - 20 * 60'000);
  lane.delivered = 100;
  f.lanes.Sample({lane}, kEvaluatedAt - 10 * 60'000);  // a good stretch, outside a 5-minute window
  lane.delivered = 104;
  lane.retries = 6;
  f.lanes.Sample({lane}, kEvaluatedAt - 4 * 60'000);
  lane.delivered = 108;
  lane.retries = 12;
  lane.dead_lettered = 2;
  f.lanes.Sample({lane}, kEvaluatedAt);
  AlertRuleSpec rule = Rule("err", AlertKind::kErrorRate);
  rule.window = minutes(5);
  rule.above = 0.5;
  rule.min_attempts = 5;
  // From the sample 4 minutes ago: 4 delivered, 8 failed: 67%.
  const auto holding = f.Holding({rule});
  ASSERT_EQ(Subjects(holding, "err"), std::vector<std::string>{"salesforce"});
  EXPECT_EQ(holding[0].summary, "salesforce: 67% of 12 attempts failed in the last 5m");
  rule.min_attempts = 13;
  EXPECT_TRUE(f.Holding({rule}).empty());
  rule.min_attempts = 5;
  rule.window = minutes(30);  // the whole half hour: 108 delivered, 14 failed: 11%
  EXPECT_TRUE(f.Holding({rule}).empty());
}

}  // namespace
}  // namespace ferry::controlplane
