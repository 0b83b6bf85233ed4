// Flows in the console's API with a real control plane and agent: an
// operator uploads a bundle (the standard flow it extends added from
// flows.standard_dir), deploys it to a label selector and follows its
// rollout until the agent runs it; diffs between versions and against the
// standard; a rollback is a deployment of the older version. Viewers read
// only; every upload and deployment is audited; bad input is a precise 400.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/console_fixture.h"
#include "tests/integration/flow_setup.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFlowV1 = R"(flow: acme-accounts
extends: debmas-account-salesforce
target:
  connector: webhook
records:
  - name: account
    fields:
      Name: NAME1
)";

// The same with one field more.
const std::string kFlowV2 = std::string(kFlowV1) + "      Acme_Region__c: REGIO\n";

class ConsoleFlowsTest : public ConsoleTest {
 protected:
  void AdjustOptions(PipelineOptions& options) override {
    keys_.emplace();
    flows_.emplace(keys_->path());
    flows_->Apply(options);
  }

  nlohmann::json Upload(const std::string& who, const std::string& text, int expected_status) {
    const Answer a = Post(who, "/api/v1/flows/bundles",
                          {{"files", {{{"path", "acme.yaml"}, {"text", text}}}}, {"comment", "from the API"}});
    EXPECT_EQ(a.status, expected_status) << a.body;
    return nlohmann::json::parse(a.body);
  }

  nlohmann::json Deploy(uint64_t version, int expected_status = 201) {
    const Answer a = Post("otto", "/api/v1/flows/deployments",
                          {{"version", version}, {"selector", {{"plant", "hamburg"}}}, {"comment", "to hamburg"}});
    EXPECT_EQ(a.status, expected_status) << a.body;
    return nlohmann::json::parse(a.body);
  }

  // The state and running version of plant-01 in deployment `sequence`'s rollout.
  std::pair<std::string, uint64_t> Rollout(uint64_t sequence) {
    const Answer a = Curl("vera", "GET", "/api/v1/flows/deployments/" + std::to_string(sequence) + "/rollout");
    if (a.status != 200) return {"http " + std::to_string(a.status), 0};
    const auto rollout = nlohmann::json::parse(a.body);
    for (const auto& agent : rollout["agents"]) {
      if (agent["agent"] == "plant-01") return {agent["state"], agent["running_version"]};
    }
    return {"absent from " + a.body, 0};
  }

  std::optional<TempDir> keys_;
  std::optional<FlowSetup> flows_;
};

TEST_F(ConsoleFlowsTest, AnOperatorUploadsDeploysFollowsTheRolloutAndRollsBack) {
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  ASSERT_EQ(SignIn("vera", "password of vera 123").status, 200);

  const auto v1 = Upload("otto", kFlowV1, 201);
  EXPECT_EQ(v1["version"], 1);
  EXPECT_EQ(v1["unchanged"], false);
  EXPECT_EQ(v1["files"], nlohmann::json({"acme.yaml", "standard/debmas-account-salesforce.yaml"}));
  EXPECT_EQ(v1["flows"], nlohmann::json({"acme-accounts"}));
  EXPECT_EQ(Upload("otto", kFlowV1, 201)["unchanged"], true);  // the same files: no new version
  Upload("vera", kFlowV2, 403);

  const auto first = Deploy(1);
  EXPECT_EQ(first["matching_agents"], 1);
  ASSERT_TRUE(
      WaitUntil([&] { return Rollout(first["sequence"]) == std::make_pair(std::string("running"), uint64_t{1}); }, 30s))
      << Rollout(first["sequence"]).first;

  const auto v2 = Upload("otto", kFlowV2, 201);
  ASSERT_EQ(v2["version"], 2);
  const auto second = Deploy(2);
  ASSERT_TRUE(WaitUntil([&] { return Rollout(second["sequence"]).first == "running"; }, 30s));
  EXPECT_EQ(Rollout(first["sequence"]).first, "superseded");

  const auto deployments = nlohmann::json::parse(Curl("vera", "GET", "/api/v1/flows/deployments").body);
  ASSERT_EQ(deployments["deployments"].size(), 2u);
  EXPECT_EQ(deployments["deployments"][0]["sequence"], second["sequence"]);
  EXPECT_EQ(deployments["deployments"][0]["rollout"],
            nlohmann::json({{"targeted", 1}, {"running", 1}, {"rejected", 0}, {"pending", 0}}));
  EXPECT_EQ(deployments["deployments"][1]["rollout"]["targeted"], 0);

  const auto diff = nlohmann::json::parse(Curl("vera", "GET", "/api/v1/flows/bundles/2/diff?against=1").body);
  ASSERT_EQ(diff["flows"].size(), 1u) << diff.dump();
  EXPECT_EQ(diff["flows"][0]["change"], "changed");
  EXPECT_NE(diff["flows"][0]["lines"].dump().find("Acme_Region__c"), std::string::npos) << diff.dump();
  const auto standard =
      nlohmann::json::parse(Curl("vera", "GET", "/api/v1/flows/bundles/2/diff?against=standard").body);
  EXPECT_EQ(standard["flows"][0]["base"], "debmas-account-salesforce");
  EXPECT_EQ(standard["flows"][0]["change"], "changed");
  const auto bundle = nlohmann::json::parse(Curl("vera", "GET", "/api/v1/flows/bundles/2").body);
  EXPECT_EQ(bundle["files"][0]["text"], kFlowV2);
  EXPECT_EQ(bundle["flows"][0]["extends"], "debmas-account-salesforce");
  const auto page = nlohmann::json::parse(Curl("vera", "GET", "/api/v1/flows/bundles?limit=1").body);
  EXPECT_EQ(page["bundles"][0]["version"], 2);
  EXPECT_EQ(page["next_before"], 2);
  EXPECT_EQ(nlohmann::json::parse(Curl("vera", "GET", "/api/v1/flows/bundles?before=2").body)["next_before"], 0);

  // A rollback: version 1 again, as a new deployment.
  const auto rollback = Deploy(1);
  ASSERT_TRUE(WaitUntil(
      [&] { return Rollout(rollback["sequence"]) == std::make_pair(std::string("running"), uint64_t{1}); }, 30s));

  const auto audit = nlohmann::json::parse(Curl("otto", "GET", "/api/v1/audit?user=otto&limit=20").body);
  int uploads = 0, deploys = 0;
  for (const auto& entry : audit["entries"]) {
    uploads += entry["action"] == "flows.upload";
    deploys += entry["action"] == "flows.deploy";
  }
  EXPECT_EQ(uploads, 3);
  EXPECT_EQ(deploys, 3);
}

TEST_F(ConsoleFlowsTest, BadBundlesAndDeploymentsAreRefusedWithTheReason) {
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  const auto broken = Upload("otto", "flow: broken\nextends: debmas-account-salesforce\nrecords: 7\n", 400);
  EXPECT_NE(broken["error"].get<std::string>().find("the bundle does not compile:\nacme.yaml:"), std::string::npos)
      << broken.dump();
  Answer a = Post("otto", "/api/v1/flows/bundles", {{"files", {{{"path", "../etc/passwd.yaml"}, {"text", "x"}}}}});
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("files[0].path"), std::string::npos) << a.body;
  a = Post("otto", "/api/v1/flows/bundles", {{"files", nlohmann::json::array()}});
  EXPECT_EQ(a.status, 400);
  a = Post("otto", "/api/v1/flows/deployments", {{"version", 42}});
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("no bundle version 42"), std::string::npos) << a.body;
  a = Post("otto", "/api/v1/flows/deployments", {{"version", 1}, {"selector", {{"plant", "a,b"}}}});
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("selector"), std::string::npos) << a.body;
  a = Post("otto", "/api/v1/flows/deployments", {{"version", 1}, {"extra", true}});
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.body.find("unknown field 'extra'"), std::string::npos) << a.body;
  EXPECT_EQ(Curl("otto", "GET", "/api/v1/flows/bundles/9").status, 404);
  EXPECT_EQ(Curl("otto", "GET", "/api/v1/flows/deployments/9/rollout").status, 404);
  EXPECT_EQ(Curl("otto", "GET", "/api/v1/flows/bundles?limit=1000").status, 400);
}

}  // namespace
}  // namespace ferry::testing
