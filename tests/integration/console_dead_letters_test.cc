// Dead letters through the console's API with real processes: a CRM (the
// webhook receiver) refuses two customers; they are found by reason and by
// IDoc number; once the CRM is fixed an operator replays one and it is
// delivered, and discards the other with a reason; a viewer can do neither;
// each action is in the audit log. The CLI does the same through the
// daemon's control socket. The fleet summary and the connector's lane count
// what happened.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <regex>

#include "tests/integration/console_fixture.h"
#include "tests/integration/idoc_text.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

using ConsoleDeadLettersTest = ConsoleTest;

TEST_F(ConsoleDeadLettersTest, RefusedIdocsAreFoundReplayedAfterTheFixAndDiscardedWithAReason) {
  const std::string first = Docnum(6100001), second = Docnum(6100002), third = Docnum(6100004);
  std::atomic<bool> fixed{false};
  p_->sink().SetResponder([&](const ReceivedRequest& r) {
    if (DeliveryOfIdoc(r, third) || (!fixed && (DeliveryOfIdoc(r, first) || DeliveryOfIdoc(r, second)))) {
      return SinkResponse{400, {}, R"({"error":"field NAME1 too long"})", {}};
    }
    return SinkResponse{200, {}, "{}", {}};
  });
  // One after the other: two customers' IDocs are delivered side by side,
  // so only waiting for the first dead letter makes the second the newer.
  ASSERT_EQ(p_->PostIdoc(CustomerIdocNumbered(6100001, "0000610001")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return p_->DeadLetterCount() == 1; }, seconds(20))) << p_->DeadLetterCount();
  ASSERT_EQ(p_->PostIdoc(CustomerIdocNumbered(6100002, "0000610002")).status, 200);
  ASSERT_EQ(p_->PostIdoc(CustomerIdocNumbered(6100003, "0000610003")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return p_->DeadLetterCount() == 2; }, seconds(20))) << p_->DeadLetterCount();
  ASSERT_TRUE(p_->sink().WaitForAccepted(1, seconds(20)));

  ASSERT_EQ(SignIn("vera", "password of vera 123").status, 200);
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  const Answer all = Curl("vera", "GET", "/api/v1/dead-letters?reason=name1%20TOO");
  ASSERT_EQ(all.status, 200) << all.body;
  const json listed = json::parse(all.body);
  ASSERT_EQ(listed["dead_letters"].size(), 2u);
  EXPECT_EQ(listed["dead_letters"][0]["docnum"], second);  // newest first
  EXPECT_EQ(listed["dead_letters"][1]["docnum"], first);
  EXPECT_NE(listed["dead_letters"][0]["reason"].get<std::string>().find("field NAME1 too long"), std::string::npos);
  EXPECT_EQ(listed["dead_letters"][0]["connector"], "webhook");
  EXPECT_EQ(listed["total_stored"], 2);
  EXPECT_TRUE(json::parse(Curl("vera", "GET", "/api/v1/dead-letters?reason=timeout").body)["dead_letters"].empty());

  // The fleet page's figures and the connector's lane tell the same story.
  json fleet;
  ASSERT_TRUE(WaitUntil(
      [&] {
        fleet = json::parse(Curl("vera", "GET", "/api/v1/fleet").body);
        uint64_t delivered = 0;
        for (const auto& m : fleet["per_minute"]) delivered += m["delivered"].get<uint64_t>();
        return delivered >= 1;
      },
      seconds(20)))
      << fleet.dump();
  EXPECT_EQ(fleet["per_minute"].size(), 60u);
  // Two dead letters this hour and none the hour before: the agent they
  // came from is degraded, and says why.
  EXPECT_EQ(fleet["agents_by_state"]["degraded"], 1) << fleet.dump();
  const json agent = json::parse(Curl("vera", "GET", "/api/v1/agents/plant-01").body);
  EXPECT_EQ(agent["state"], "degraded");
  EXPECT_EQ(agent["reasons"], json::array({"2 dead letters in the last hour, up from 0"}));
  EXPECT_EQ(fleet["dead_letters_last_hour"], 2);
  ASSERT_FALSE(fleet["top_reasons_last_hour"].empty());
  EXPECT_NE(fleet["top_reasons_last_hour"][0]["reason"].get<std::string>().find("field NAME1 too long"),
            std::string::npos);
  EXPECT_EQ(fleet["top_reasons_last_hour"][0]["count"], 2);
  EXPECT_TRUE(fleet["lanes_paused"].empty());
  const json lanes = json::parse(Curl("vera", "GET", "/api/v1/connectors").body)["connectors"];
  ASSERT_EQ(lanes.size(), 1u);
  EXPECT_EQ(lanes[0]["connector"], "webhook");
  EXPECT_EQ(lanes[0]["delivered"], 1);
  EXPECT_EQ(lanes[0]["dead_lettered"], 2);

  // The same in Prometheus' format, which promtool (Debian's prometheus)
  // accepts as it is.
  const Answer scraped = Curl("vera", "GET", "/metrics");
  ASSERT_EQ(scraped.status, 200) << scraped.body;
  EXPECT_NE(scraped.headers.find("text/plain; version=0.0.4"), std::string::npos) << scraped.headers;
  for (const char* sample :
       {"ferry_controlplane_down_commands 0\n", "ferry_controlplane_down_reads_total{outcome=\"dead_lettered\"} 0\n",
        "ferry_controlplane_dead_lettered_total{connector=\"webhook\"} 2\n",
        "ferry_controlplane_delivered_total{connector=\"webhook\"} 1\n",
        "ferry_controlplane_agents{state=\"degraded\"} 1\n", "ferry_controlplane_dead_letters 2\n",
        "ferry_controlplane_crm_request_seconds_count{connector=\"webhook\"} "}) {
    EXPECT_NE(scraped.body.find(sample), std::string::npos) << sample << " in\n" << scraped.body;
  }
  const auto scrape_file = p_->dir().path() / "metrics.txt";
  WriteFile(scrape_file, scraped.body);
  const auto lint_file = p_->dir().path() / "promtool.out";
  const int lint =
      std::system(("promtool check metrics < " + scrape_file.string() + " > " + lint_file.string() + " 2>&1").c_str());
  EXPECT_EQ(lint, 0) << ReadFile(lint_file);
  EXPECT_EQ(Curl("nobody", "GET", "/metrics").status, 401);
  // Every metric the shipped alerting rules use is among them.
  const std::string rules = ReadFile(std::filesystem::path(FERRY_PACKAGING_DIR) / "prometheus" / "ferry-alerts.yml");
  const std::regex metric_name("ferry_controlplane_[a-z_]+");
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), metric_name); it != std::sregex_iterator(); ++it) {
    const std::string name = std::regex_replace(it->str(), std::regex("_bucket$"), "");
    EXPECT_NE(scraped.body.find("# TYPE " + name + " "), std::string::npos) << name;
  }

  const Answer by_number = Curl("vera", "GET", "/api/v1/dead-letters?docnum=" + first);
  const json found = json::parse(by_number.body)["dead_letters"];
  ASSERT_EQ(found.size(), 1u) << by_number.body;
  const uint64_t first_seq = found[0]["seq"], second_seq = listed["dead_letters"][0]["seq"];
  const Answer detail = Curl("vera", "GET", "/api/v1/dead-letters/" + std::to_string(first_seq));
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(json::parse(detail.body)["docnum"], first);
  EXPECT_NE(json::parse(detail.body)["raw"].get<std::string>().find("0000610001"), std::string::npos);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/dead-letters/999999").status, 404);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/dead-letters?limit=501").status, 400);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/dead-letters?colour=red").status, 400);

  // A viewer may not replay; an operator must say what to replay.
  EXPECT_EQ(Post("vera", "/api/v1/dead-letters/replay", {{"seqs", {first_seq}}}).status, 403);
  EXPECT_EQ(Post("otto", "/api/v1/dead-letters/replay", json::object()).status, 400);
  EXPECT_EQ(Post("otto", "/api/v1/dead-letters/discard", {{"seqs", {second_seq}}}).status, 400);  // no reason
  EXPECT_EQ(p_->DeadLetterCount(), 2u);

  fixed = true;
  const Answer replayed = Post("otto", "/api/v1/dead-letters/replay", {{"seqs", {first_seq}}});
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(json::parse(replayed.body)["replayed"], json::array({first_seq}));
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& r : p_->sink().Requests()) {
          if (DeliveryOfIdoc(r, first) && r.status_sent == 200) return true;
        }
        return false;
      },
      seconds(20)));
  EXPECT_EQ(p_->DeadLetterCount(), 1u);
  // Replayed once: asking again skips it, saying why.
  const json again = json::parse(Post("otto", "/api/v1/dead-letters/replay", {{"seqs", {first_seq}}}).body);
  EXPECT_TRUE(again["replayed"].empty());
  EXPECT_NE(again["skipped"][0]["reason"].get<std::string>().find("not a dead letter"), std::string::npos);

  const Answer discarded =
      Post("otto", "/api/v1/dead-letters/discard", {{"filter", {{"docnum", second}}}, {"reason", "customer deleted"}});
  ASSERT_EQ(discarded.status, 200) << discarded.body;
  EXPECT_EQ(json::parse(discarded.body)["discarded"], json::array({second_seq}));
  EXPECT_EQ(p_->DeadLetterCount(), 0u);

  // Found by IDoc number (with or without its zeros), the whole way told:
  // at the agent, at the control plane, refused, replayed by whom, delivered.
  json trace;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const json hits = json::parse(Curl("vera", "GET", "/api/v1/search?q=" + first).body);
        if (hits["events"].size() != 1) return false;
        trace = hits["events"][0];
        return trace["outcome"] == "delivered";
      },
      seconds(20)))
      << trace.dump();
  std::vector<std::string> steps;
  for (const auto& step : trace["steps"]) steps.push_back(step["step"]);
  EXPECT_EQ(steps, (std::vector<std::string>{"received", "sent", "stored", "dead_lettered", "replayed", "delivered"}))
      << trace.dump();
  EXPECT_EQ(trace["steps"][3]["connector"], "webhook");
  EXPECT_NE(trace["steps"][3]["detail"].get<std::string>().find("field NAME1 too long"), std::string::npos);
  EXPECT_EQ(trace["steps"][4]["detail"], "by otto");
  EXPECT_EQ(trace["agent_id"], "plant-01");
  EXPECT_EQ(json::parse(Curl("vera", "GET", "/api/v1/search?q=6100001").body)["events"][0]["event_id"],
            trace["event_id"]);
  const Answer by_id = Curl("vera", "GET", "/api/v1/trace/" + trace["event_id"].get<std::string>());
  ASSERT_EQ(by_id.status, 200) << by_id.body;
  EXPECT_EQ(json::parse(by_id.body)["docnum"], first);
  // By the customer number, and the discarded one says so.
  const json customer = json::parse(Curl("vera", "GET", "/api/v1/search?q=610002").body);
  ASSERT_EQ(customer["events"].size(), 1u) << customer.dump();
  EXPECT_EQ(customer["events"][0]["outcome"], "discarded");
  EXPECT_EQ(customer["events"][0]["steps"].back()["detail"], "by otto: customer deleted");
  EXPECT_EQ(customer["matched_as"], json::array({"key value"}));
  EXPECT_TRUE(json::parse(Curl("vera", "GET", "/api/v1/search?q=7777777").body)["events"].empty());
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/search?q=").status, 400);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/search?q=1&limit=101").status, 400);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/trace/0193e3a4-0000-7000-8000-000000000000").status, 404);
  EXPECT_EQ(Curl("nobody", "GET", "/api/v1/search?q=" + first).status, 401);

  // The CLI: through the running daemon, audited under the Unix user.
  ASSERT_EQ(p_->PostIdoc(CustomerIdocNumbered(6100004, "0000610004")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return p_->DeadLetterCount() == 1; }, seconds(20)));
  int code = -1;
  std::string out = p_->RunControlPlaneCli("dlq replay 999999", &code);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("skipped 999999: not a dead letter"), std::string::npos) << out;
  out = p_->RunControlPlaneCli("dlq discard --docnum " + third + " --reason 'duplicate in SAP'", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("discarded: 1"), std::string::npos) << out;
  EXPECT_EQ(p_->DeadLetterCount(), 0u);
  out = p_->RunControlPlaneCli("dlq replay", &code);
  EXPECT_EQ(code, 2) << out;

  ASSERT_EQ(SignIn("ada", "password of ada 123").status, 200);
  const json audit = json::parse(Curl("ada", "GET", "/api/v1/audit?user=otto").body)["entries"];
  std::vector<std::string> actions;
  for (const auto& e : audit) {
    if (e["action"].get<std::string>().rfind("dead_letters.", 0) == 0) actions.push_back(e["action"]);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"dead_letters.discard", "dead_letters.replay", "dead_letters.replay"}));
  EXPECT_EQ(audit[0]["after"], "discarded: customer deleted");
  EXPECT_NE(audit[0]["target"].get<std::string>().find(second), std::string::npos);
  const json by_cli = json::parse(Curl("ada", "GET", "/api/v1/audit?user=unix:root").body)["entries"];
  ASSERT_FALSE(by_cli.empty());
  EXPECT_EQ(by_cli[0]["action"], "dead_letters.discard");
  EXPECT_EQ(by_cli[0]["after"], "discarded: duplicate in SAP");
}

}  // namespace
}  // namespace ferry::testing
