#include "controlplane/alerts/alert_rules.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace ferry::controlplane {
namespace {

std::string Rules(const std::string& inner) { return "{\"rules\":[" + inner + "]}"; }

std::string ErrorOf(const std::string& json) {
  auto parsed = ParseAlertRules(json);
  return parsed.ok() ? "accepted" : std::string(parsed.status().message());
}

TEST(AlertRulesTest, TheDefaultsSurviveTheirOwnJson) {
  const auto defaults = DefaultAlertRules();
  const std::string json = boost::json::serialize(boost::json::object{{"rules", AlertRulesJson(defaults)}});
  auto parsed = ParseAlertRules(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), defaults.size());
  EXPECT_EQ(boost::json::serialize(AlertRulesJson(*parsed)), boost::json::serialize(AlertRulesJson(defaults)));
  EXPECT_EQ((*parsed)[0].kind, AlertKind::kAgentOffline);
}

TEST(AlertRulesTest, EachKindTakesItsOwnSettingsWithinBounds) {
  auto parsed = ParseAlertRules(
      Rules(R"({"name":"dl","kind":"dead_letters","more_than":"5","window":"30m","for":"0s","repeat":"0s"},)"
            R"({"name":"err","kind":"error_rate","above":0.5,"window":"10m","min_attempts":3,"enabled":false})"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ((*parsed)[0].more_than, 5u);
  EXPECT_EQ((*parsed)[0].window, std::chrono::minutes(30));
  EXPECT_EQ((*parsed)[0].repeat.count(), 0);  // never repeated
  EXPECT_DOUBLE_EQ((*parsed)[1].above, 0.5);
  EXPECT_EQ((*parsed)[1].min_attempts, 3u);
  EXPECT_FALSE((*parsed)[1].enabled);
}

TEST(AlertRulesTest, AProblemIsNamedByItsPlace) {
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"a","kind":"agent_offline"},{"name":"b","kind":"dead_letters","window":"3h"})")),
            "rules[1].window: must be between 1m and 2h");
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"a","kind":"agent_offline","older_than":"5m"})")),
            "rules[0].older_than: is not a setting of kind agent_offline");
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"a","kind":"agent_offline"},{"name":"a","kind":"agent_stale"})")),
            "rules[1].name: \"a\" is used by an earlier rule");
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"Bad Name","kind":"agent_offline"})")),
            "rules[0].name: must be 1 to 64 of a-z, 0-9, '_' and '-'");
  EXPECT_NE(ErrorOf(Rules(R"({"name":"a","kind":"nope"})")).find("rules[0].kind: must be one of agent_offline"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"a","kind":"error_rate","above":1.5})")),
            "rules[0].above: must be a number above 0 and at most 1");
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"a","kind":"agent_offline","for":"soon"})")),
            "rules[0].for: must be a duration such as \"90s\", \"5m\", \"1h\" or \"14d\"");
  // Twelve digits of days overflow milliseconds: refused, not wrapped.
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"a","kind":"agent_offline","for":"999999999999d"})")),
            "rules[0].for: must be a duration such as \"90s\", \"5m\", \"1h\" or \"14d\"");
  EXPECT_EQ(ErrorOf(Rules(R"({"name":"a","kind":"dead_letters","more_than":-1})")),
            "rules[0].more_than: must be between 0 and 1000000");
  EXPECT_EQ(ErrorOf("{\"rules\":{}}"), "expected {\"rules\": [...]}");
  EXPECT_EQ(ErrorOf("{\"rules\":[],\"extra\":1}"), "expected only \"rules\"");
  EXPECT_NE(ErrorOf("{\"rules\":[").find("not JSON"), std::string::npos);
  std::string many;
  for (int i = 0; i < 101; ++i)
    many += std::string(i ? "," : "") + R"({"name":"r)" + std::to_string(i) + R"(","kind":"agent_offline"})";
  EXPECT_EQ(ErrorOf(Rules(many)), "at most 100 rules");
}

TEST(AlertRulesTest, DurationsAreWrittenInTheirLargestExactUnit) {
  using namespace std::chrono;
  EXPECT_EQ(DurationText(milliseconds(0)), "0s");
  EXPECT_EQ(DurationText(seconds(90)), "90s");
  EXPECT_EQ(DurationText(minutes(120)), "2h");
  EXPECT_EQ(DurationText(hours(24 * 14)), "14d");
  EXPECT_EQ(DurationText(milliseconds(1500)), "1500ms");
}

}  // namespace
}  // namespace ferry::controlplane
