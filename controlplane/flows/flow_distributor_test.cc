#include "controlplane/flows/flow_distributor.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "common/transport/topics.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using ferry::testing::FakeTunnel;

class FlowDistributorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), BundleRegistry::Databases());
    ASSERT_TRUE(store_);
    registry_ = std::make_unique<BundleRegistry>(*store_);
    ASSERT_TRUE(registry_->AddBundle({{"a.yaml", "flow: a\n"}}, "").ok());
    selector_["site"] = "hh";
    ASSERT_TRUE(registry_->AddDeployment(1, selector_, "").ok());
  }

  void StartDistributor(bool with_key) {
    std::optional<crypto::SigningKey> key;
    if (with_key) {
      auto generated = crypto::SigningKey::Generate();
      ASSERT_TRUE(generated.ok());
      public_pem_ = generated->PublicKeyPem();
      key.emplace(std::move(generated).value());
    }
    FlowsOptions options;
    options.poll_interval = std::chrono::milliseconds(100);
    distributor_ = std::make_shared<FlowDistributor>(io_.get_executor(), tunnel_, *registry_, std::move(key), options);
    distributor_->Start();
  }

  void Heartbeat(const std::string& agent_id, const std::string& site, const ferry::v1::FlowStatus& flows = {}) {
    ferry::v1::Heartbeat hb;
    hb.set_agent_id(agent_id);
    (*hb.mutable_labels())["site"] = site;
    *hb.mutable_flows() = flows;
    distributor_->OnHeartbeat(agent_id, hb);
  }

  void RunFor(std::chrono::milliseconds duration) {
    io_.restart();
    io_.run_for(duration);
  }
  // Runs the loop until `done` holds (true) or 20 s pass (false): commits
  // fsync, and a loaded CI machine can take seconds for one.
  template <typename Pred>
  bool RunUntil(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      RunFor(std::chrono::milliseconds(10));
    }
    return true;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<BundleRegistry> registry_;
  Selector selector_;
  boost::asio::io_context io_;
  FakeTunnel tunnel_;
  std::shared_ptr<FlowDistributor> distributor_;
  std::string public_pem_;
};

TEST_F(FlowDistributorTest, SendsTheSignedDeploymentOnceUntilTheAgentAnswers) {
  StartDistributor(true);
  Heartbeat("a1", "hh");
  Heartbeat("a2", "muc");  // matches no deployment
  ASSERT_TRUE(RunUntil([&] { return !tunnel_.sent.empty(); }));
  RunFor(std::chrono::milliseconds(300));

  ASSERT_EQ(tunnel_.sent.size(), 1u);
  const auto& sent = tunnel_.sent[0];
  EXPECT_EQ(sent.topic, transport::topics::DownBundle("a1"));
  EXPECT_TRUE(sent.retained);
  ferry::v1::SignedDeployment signed_deployment;
  ASSERT_TRUE(signed_deployment.ParseFromString(sent.payload));
  auto verify = crypto::VerifyKey::FromPem(public_pem_);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->Verify(signed_deployment.deployment(), signed_deployment.signature()));
  EXPECT_EQ(signed_deployment.key_id(), verify->KeyId());
  ferry::v1::Deployment deployment;
  ASSERT_TRUE(deployment.ParseFromString(signed_deployment.deployment()));
  EXPECT_EQ(deployment.sequence(), 1u);
  EXPECT_EQ(deployment.agent_id(), "a1");
  EXPECT_EQ(deployment.bundle().version(), 1u);
  EXPECT_EQ(deployment.bundle().files(0).path(), "a.yaml");
  EXPECT_EQ(deployment.issue(), 1u);

  // The agent applies it: recorded, and nothing more is sent.
  ferry::v1::FlowStatus applied;
  applied.set_agent_id("a1");
  applied.set_deployment_sequence(1);
  applied.set_bundle_version(1);
  applied.set_applied(true);
  applied.set_running_version(1);
  applied.set_running_sequence(1);
  applied.set_unix_ms(1000);
  distributor_->OnFlowStatus("a1", applied.SerializeAsString());
  Heartbeat("a1", "hh", applied);
  RunFor(std::chrono::milliseconds(300));
  EXPECT_EQ(tunnel_.sent.size(), 1u);
  auto agent = registry_->GetAgent("a1");
  ASSERT_TRUE(agent.ok());
  EXPECT_TRUE(agent->flows().applied());
  EXPECT_EQ(agent->published_sequence(), 1u);

  // A new deployment (as `flows deploy` writes it) is picked up by the poll.
  ASSERT_TRUE(registry_->AddDeployment(1, selector_, "again").ok());
  ASSERT_TRUE(RunUntil([&] { return tunnel_.sent.size() >= 2; }));
  RunFor(std::chrono::milliseconds(300));
  ASSERT_EQ(tunnel_.sent.size(), 2u);
  ASSERT_TRUE(signed_deployment.ParseFromString(tunnel_.sent[1].payload));
  ASSERT_TRUE(deployment.ParseFromString(signed_deployment.deployment()));
  EXPECT_EQ(deployment.sequence(), 2u);
  EXPECT_EQ(deployment.issue(), 2u);
  distributor_->Stop();
}

// An agent moved to labels whose newest deployment is older than the one it
// runs still gets it: the issue, not the deployment sequence, increases.
TEST_F(FlowDistributorTest, ALabelChangeToAnOlderDeploymentIsSentWithTheNextIssue) {
  Selector munich;
  munich["site"] = "muc";
  ASSERT_TRUE(registry_->AddDeployment(1, munich, "").ok());  // sequence 2
  StartDistributor(true);
  Heartbeat("a1", "muc");
  ASSERT_TRUE(RunUntil([&] { return !tunnel_.sent.empty(); }));
  ferry::v1::FlowStatus running;
  running.set_agent_id("a1");
  running.set_deployment_sequence(2);
  running.set_applied(true);
  running.set_running_version(1);
  running.set_running_sequence(2);
  running.set_running_issue(1);
  running.set_unix_ms(1000);
  Heartbeat("a1", "hh", running);  // relabelled: sequence 1 is now its target
  ASSERT_TRUE(RunUntil([&] { return tunnel_.sent.size() >= 2; }));
  ferry::v1::SignedDeployment signed_deployment;
  ferry::v1::Deployment deployment;
  ASSERT_TRUE(signed_deployment.ParseFromString(tunnel_.sent.back().payload));
  ASSERT_TRUE(deployment.ParseFromString(signed_deployment.deployment()));
  EXPECT_EQ(deployment.sequence(), 1u);
  EXPECT_EQ(deployment.issue(), 2u);
  distributor_->Stop();
}

TEST_F(FlowDistributorTest, AFailedPublishIsTriedAgainAtTheNextPoll) {
  StartDistributor(true);
  tunnel_.publish_result = Status::Unavailable("broker down");
  Heartbeat("a1", "hh");
  ASSERT_TRUE(RunUntil([&] { return !tunnel_.sent.empty(); }));
  tunnel_.publish_result = Status::Ok();
  const size_t failed = tunnel_.sent.size();
  ASSERT_TRUE(RunUntil([&] { return tunnel_.sent.size() > failed; }));
  const size_t sent = tunnel_.sent.size();
  RunFor(std::chrono::milliseconds(300));
  EXPECT_EQ(tunnel_.sent.size(), sent);
  distributor_->Stop();
}

TEST_F(FlowDistributorTest, WithoutAKeyRecordsButSendsNothing) {
  StartDistributor(false);
  EXPECT_FALSE(distributor_->enabled());
  Heartbeat("a1", "hh");
  ASSERT_TRUE(RunUntil([&] { return registry_->GetAgent("a1").ok(); }));
  RunFor(std::chrono::milliseconds(250));
  EXPECT_TRUE(tunnel_.sent.empty());
  auto agent = registry_->GetAgent("a1");
  ASSERT_TRUE(agent.ok());
  EXPECT_EQ(agent->labels().at("site"), "hh");
  distributor_->Stop();
}

}  // namespace
}  // namespace ferry::controlplane
