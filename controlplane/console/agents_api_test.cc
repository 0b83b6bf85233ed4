// The agent list: states computed from stored heartbeats and identities,
// server-side filters, order and pages, and the query's validation.

#include <gtest/gtest.h>

#include <future>

#include "common/util/clock.h"
#include "controlplane/console/agents_api.h"
#include "controlplane/console/fleet_view.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using namespace std::chrono_literals;

class FleetViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto databases = BundleRegistry::Databases();
    databases.push_back(AgentIdentities::kDb);
    store_ = testing::OpenTestStore(dir_.path(), databases);
    registry_ = std::make_unique<BundleRegistry>(*store_);
    identities_ = std::make_unique<AgentIdentities>(*store_);
    fleet_ = std::make_unique<FleetView>(*registry_, *identities_, tally_, AgentThresholds{5min, 15min});
  }

  void Heartbeat(const std::string& id, std::map<std::string, std::string> labels, int64_t oldest_age_ms = 0) {
    ferry::v1::Heartbeat hb;
    hb.set_agent_id(id);
    hb.set_interval_ms(1000);
    hb.set_oldest_age_ms(oldest_age_ms);
    hb.set_version("1.2.3");
    hb.mutable_labels()->insert(labels.begin(), labels.end());
    std::promise<Status> done;
    registry_->RecordHeartbeat(id, hb, [&done](const Status& s) { done.set_value(s); });
    ASSERT_TRUE(done.get_future().get().ok());
  }

  std::vector<std::string> Ids(const AgentPage& page) {
    std::vector<std::string> ids;
    for (const auto& a : page.agents) ids.push_back(a.agent_id + ":" + AgentStateName(a.health.state));
    return ids;
  }

  AgentPage List(const std::string& query, int64_t now) {
    auto q = ParseAgentQuery(query);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    auto page = fleet_->List(q.ok() ? *q : AgentQuery{}, now);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : AgentPage{};
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<BundleRegistry> registry_;
  std::unique_ptr<AgentIdentities> identities_;
  DeadLetterTally tally_;
  std::unique_ptr<FleetView> fleet_;
};

TEST_F(FleetViewTest, StatesComeFromHowLongAgoEachAgentWasHeard) {
  Heartbeat("hh-1", {{"plant", "hamburg"}});
  Heartbeat("hh-2", {{"plant", "hamburg"}}, /*oldest_age_ms=*/20 * 60'000);
  Heartbeat("muc-1", {{"plant", "munich"}});
  ASSERT_TRUE(identities_->Invite("new-1", {{"plant", "munich"}}, 24h, "fp").ok());
  const int64_t now = NowUnixMs();

  AgentPage page = List("", now);
  EXPECT_EQ(page.total, 4u);
  // Worst first, then by id.
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"new-1:offline", "hh-2:degraded", "hh-1:healthy", "muc-1:healthy"}));
  EXPECT_EQ(page.by_state[static_cast<size_t>(AgentState::kHealthy)], 2u);
  EXPECT_EQ(page.agents[0].health.reasons, std::vector<std::string>{"never heard from"});
  EXPECT_EQ(page.agents[1].health.reasons, std::vector<std::string>{"oldest unsent event is 20 min old"});
  EXPECT_EQ(page.agents[0].identity, "invited");
  EXPECT_EQ(page.agents[2].record.heartbeat().version(), "1.2.3");

  // Three missed heartbeats later nobody is healthy any more; five minutes
  // later everyone is offline.
  EXPECT_EQ(Ids(List("sort=id", now + 3'500)),
            (std::vector<std::string>{"hh-1:stale", "hh-2:stale", "muc-1:stale", "new-1:offline"}));
  EXPECT_EQ(List("state=offline", now + 5 * 60'000).total, 4u);
}

TEST_F(FleetViewTest, FiltersSortAndPagesHappenOnTheServer) {
  for (int i = 0; i < 30; ++i) {
    Heartbeat("agent-" + std::string(i < 10 ? "0" : "") + std::to_string(i), {{"plant", i % 3 ? "hamburg" : "munich"}},
              i * 1000);
  }
  const int64_t now = NowUnixMs();
  EXPECT_EQ(List("label=plant=munich", now).total, 10u);
  EXPECT_EQ(List("label=plant=munich&q=AGENT-2", now).total, 3u);  // 21, 24, 27: any case
  EXPECT_EQ(List("q=hamb", now).total, 20u);
  EXPECT_EQ(List("state=healthy,degraded", now).total, 30u);
  EXPECT_EQ(List("state=stale", now).total, 0u);

  const AgentPage first = List("sort=oldest_unsent&order=desc&limit=4", now);
  EXPECT_EQ(first.total, 30u);
  EXPECT_EQ(Ids(first),
            (std::vector<std::string>{"agent-29:healthy", "agent-28:healthy", "agent-27:healthy", "agent-26:healthy"}));
  const AgentPage last = List("sort=id&offset=28&limit=10", now);
  EXPECT_EQ(Ids(last), (std::vector<std::string>{"agent-28:healthy", "agent-29:healthy"}));
  EXPECT_TRUE(List("offset=40", now).agents.empty());
}

TEST_F(FleetViewTest, OneAgentIsFoundByIdAndAnUnknownOneIsNotFound) {
  Heartbeat("hh-1", {{"plant", "hamburg"}});
  auto view = fleet_->Get("hh-1", NowUnixMs());
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->labels.at("plant"), "hamburg");
  EXPECT_EQ(fleet_->Get("nobody", NowUnixMs()).status().code(), StatusCode::kNotFound);
}

TEST(AgentQueryTest, EveryParameterIsCheckedAndNamedWhenWrong) {
  auto q = ParseAgentQuery(
      "state=stale,offline&label=plant=hh,line=2&q=x&sort=last_heartbeat&order=desc&offset=5&"
      "limit=500");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->states, (std::vector<AgentState>{AgentState::kStale, AgentState::kOffline}));
  EXPECT_EQ(q->labels, (std::map<std::string, std::string>{{"line", "2"}, {"plant", "hh"}}));
  EXPECT_EQ(q->sort, AgentSort::kLastHeartbeat);
  EXPECT_TRUE(q->descending);
  EXPECT_EQ(q->offset, 5u);
  EXPECT_EQ(q->limit, 500u);

  const std::vector<std::pair<std::string, std::string>> refused = {
      {"state=green", "state: 'green' is not one of"}, {"label=plant", "label: 'plant' is not key=value"},
      {"sort=name", "sort: 'name' is not one of"},     {"order=up", "order: must be asc or desc"},
      {"limit=501", "limit: must be from 1 to 500"},   {"limit=0", "limit: must be from 1 to 500"},
      {"offset=-1", "offset: must be a whole number"}, {"page=2", "unknown parameter 'page'"},
      {"q=%zz", "the query string is malformed"},
  };
  for (const auto& [query, message] : refused) {
    auto r = ParseAgentQuery(query);
    ASSERT_FALSE(r.ok()) << query;
    EXPECT_NE(r.status().message().find(message), std::string::npos) << query << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace ferry::controlplane
