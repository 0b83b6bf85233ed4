// Replaying, in the console, a dead letter the agent could not map: it goes
// down to the agent, which maps its raw IDoc again with the bundle it runs
// now. Before the fix that is the same record error, a new dead letter;
// after a fixed bundle is deployed it reaches the CRM. The dead letter
// leaves the control plane's queue only on the agent's answer, and the
// trace says what it became.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/console_fixture.h"
#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

class ConsoleAgentReplayTest : public ConsoleTest {
 protected:
  void AdjustOptions(PipelineOptions& options) override {
    keys_.emplace();
    flows_.emplace(keys_->path());
    flows_->Apply(options);
  }

  // The dead letters the console lists.
  nlohmann::json DeadLetters() {
    const Answer a = Curl("otto", "GET", "/api/v1/dead-letters");
    return a.status == 200 ? nlohmann::json::parse(a.body)["dead_letters"] : nlohmann::json::array();
  }

  std::optional<TempDir> keys_;
  std::optional<FlowSetup> flows_;
};

TEST_F(ConsoleAgentReplayTest, AnUnmappableDeadLetterIsMappedAgainAtItsAgentWithTheFixedBundle) {
  FlowSetup::DeployFlowAndWait(*p_, p_->dir().path() / "v1", CountryFlow(R"("DE": "Germany")"), "plant-01");
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  ASSERT_EQ(p_->PostIdoc(DebmasIdoc(Docnum(8600000001), "8600000001", "Wien", "AT")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return DeadLetters().size() == 1; }, 30s));
  const auto first = DeadLetters()[0];
  EXPECT_EQ(first["mapping_error"], true);

  // Replayed before the fix: mapped again into the same error, so the old
  // dead letter goes (the agent answered) and a new one comes.
  const Answer replayed = Post("otto", "/api/v1/dead-letters/replay", {{"seqs", {first["seq"]}}});
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  const auto outcome = nlohmann::json::parse(replayed.body);
  EXPECT_TRUE(outcome["replayed"].empty());
  ASSERT_EQ(outcome["sent_to_agents"].size(), 1u) << replayed.body;
  EXPECT_EQ(outcome["sent_to_agents"][0]["agent"], "plant-01");
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto now = DeadLetters();
        return now.size() == 1 && now[0]["seq"] != first["seq"];
      },
      30s))
      << Curl("otto", "GET", "/api/v1/trace/" + first["event_id"].get<std::string>()).body << "\n"
      << ReadFile(p_->dir().path() / "agent.log");
  const auto second = DeadLetters()[0];
  EXPECT_EQ(second["docnum"], first["docnum"]);
  EXPECT_NE(second["event_id"], first["event_id"]);
  const auto trace =
      nlohmann::json::parse(Curl("otto", "GET", "/api/v1/trace/" + first["event_id"].get<std::string>()).body);
  const std::string steps = trace.dump();
  EXPECT_NE(steps.find("sent to its agent to map again"), std::string::npos) << steps;
  EXPECT_NE(steps.find("mapped again at its agent"), std::string::npos) << steps;
  EXPECT_NE(steps.find(second["event_id"].get<std::string>()), std::string::npos) << steps;

  // The fixed bundle maps AT: replayed now, it reaches the CRM.
  FlowSetup::DeployFlowAndWait(*p_, p_->dir().path() / "v2", CountryFlow(R"("DE": "Germany", "AT": "Austria")"),
                               "plant-01");
  // This time with the CLI, which the daemon serves the same way.
  int code = -1;
  const std::string cli = p_->RunControlPlaneCli("dlq replay " + second["seq"].dump(), &code);
  EXPECT_EQ(code, 0) << cli;
  EXPECT_NE(cli.find("sent to agent plant-01 to map again: " + second["seq"].dump()), std::string::npos) << cli;
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const ReceivedRequest& r : p_->sink().Requests()) {
          if (r.status_sent == 200 && r.body.find("Austria") != std::string::npos) return true;
        }
        return false;
      },
      30s));
  ASSERT_TRUE(WaitUntil([&] { return DeadLetters().empty(); }, 30s)) << DeadLetters().dump();
  // The agent's audit log names who asked.
  const std::string audit = ReadFile(p_->dir().path() / "agent" / "audit.log");
  EXPECT_NE(audit.find("replayed at the control plane by otto"), std::string::npos) << audit;
  const auto entries = nlohmann::json::parse(Curl("otto", "GET", "/api/v1/audit?user=otto&limit=5").body)["entries"];
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries[0]["action"], "dead_letters.replay");
  EXPECT_NE(entries[0]["after"].get<std::string>().find("1 sent to their agents to map again"), std::string::npos)
      << entries.dump();
}

}  // namespace
}  // namespace ferry::testing
