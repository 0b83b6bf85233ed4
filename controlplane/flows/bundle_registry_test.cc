#include "controlplane/flows/bundle_registry.h"

#include <gtest/gtest.h>

#include <future>

#include "common/crypto/ed25519.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using namespace std::string_literals;

std::unique_ptr<store::Store> OpenStore(const std::filesystem::path& dir, bool read_only = false,
                                        std::vector<std::string> databases = BundleRegistry::Databases()) {
  return testing::OpenTestStore(dir, std::move(databases), {.read_only = read_only});
}

// Runs an asynchronous registry write and waits for its outcome.
template <typename Fn>
Status Wait(Fn&& submit) {
  std::promise<Status> done;
  submit([&done](const Status& s) { done.set_value(s); });
  return done.get_future().get();
}

ferry::v1::FlowStatus StatusAt(uint64_t sequence, bool applied, int64_t unix_ms) {
  ferry::v1::FlowStatus s;
  s.set_deployment_sequence(sequence);
  s.set_applied(applied);
  s.set_running_sequence(applied ? sequence : 0);
  s.set_unix_ms(unix_ms);
  return s;
}

const std::vector<flows::BundleFile> kFiles = {{"a.yaml", "flow: a\n"}, {"standard/b.yaml", "flow: b\n"}};

TEST(BundleRegistryTest, VersionsGrowAndTheSameFilesReuseTheNewest) {
  ferry::testing::TempDir dir;
  auto store = OpenStore(dir.path());
  BundleRegistry registry(*store);

  auto first = registry.AddBundle(kFiles, "one");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->version(), 1u);
  EXPECT_EQ(first->sha256(), crypto::Sha256Hex("a.yaml\0flow: a\n\0standard/b.yaml\0flow: b\n\0"s));
  ASSERT_EQ(first->files_size(), 2);

  auto same = registry.AddBundle(kFiles, "again");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version(), 1u);
  EXPECT_EQ(same->comment(), "one");

  auto changed = registry.AddBundle({{"a.yaml", "flow: a2\n"}}, "two");
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->version(), 2u);
  // Back to the first files: a new version, since only the newest is reused.
  auto back = registry.AddBundle(kFiles, "three");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->version(), 3u);

  auto all = registry.ListBundles();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[1].comment(), "two");
  EXPECT_EQ(registry.GetBundle(2)->files(0).text(), "flow: a2\n");
  EXPECT_EQ(registry.GetBundle(9).status().code(), StatusCode::kNotFound);
}

TEST(BundleRegistryTest, DeploymentsNeedAKnownVersionAndGetIncreasingSequences) {
  ferry::testing::TempDir dir;
  auto store = OpenStore(dir.path());
  BundleRegistry registry(*store);
  EXPECT_EQ(*registry.LastDeploymentSequence(), 0u);
  EXPECT_EQ(registry.AddDeployment(1, {}, "").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(registry.AddBundle(kFiles, "").ok());

  auto d1 = registry.AddDeployment(1, {{"site", "hh"}}, "first");
  auto d2 = registry.AddDeployment(1, {}, "rollback");
  ASSERT_TRUE(d1.ok() && d2.ok());
  EXPECT_EQ(d1->sequence(), 1u);
  EXPECT_EQ(d2->sequence(), 2u);
  EXPECT_EQ(d1->selector().at("site"), "hh");
  EXPECT_EQ(*registry.LastDeploymentSequence(), 2u);
  EXPECT_EQ(registry.ListDeployments()->size(), 2u);
}

TEST(BundleRegistryTest, DesiredIsTheNewestDeploymentWhoseSelectorTheLabelsInclude) {
  std::vector<ferry::v1::DeploymentRecord> deployments(3);
  deployments[0].set_sequence(1);  // every agent
  deployments[1].set_sequence(2);
  (*deployments[1].mutable_selector())["site"] = "hh";
  (*deployments[1].mutable_selector())["env"] = "prod";
  deployments[2].set_sequence(3);
  (*deployments[2].mutable_selector())["site"] = "muc";

  Labels hh_prod, hh_test, none;
  hh_prod["site"] = "hh";
  hh_prod["env"] = "prod";
  hh_prod["extra"] = "x";
  hh_test["site"] = "hh";
  hh_test["env"] = "test";
  EXPECT_EQ(BundleRegistry::DesiredFor(hh_prod, deployments)->sequence(), 2u);
  EXPECT_EQ(BundleRegistry::DesiredFor(hh_test, deployments)->sequence(), 1u);
  EXPECT_EQ(BundleRegistry::DesiredFor(none, deployments)->sequence(), 1u);
  deployments.erase(deployments.begin());
  EXPECT_EQ(BundleRegistry::DesiredFor(none, deployments), nullptr);
  EXPECT_EQ(BundleRegistry::DesiredFor(none, {}), nullptr);
}

ferry::v1::Heartbeat HeartbeatWith(const Labels& labels, const ferry::v1::FlowStatus& flows, uint64_t depth) {
  ferry::v1::Heartbeat heartbeat;
  *heartbeat.mutable_labels() = labels;
  *heartbeat.mutable_flows() = flows;
  heartbeat.set_outbox_depth(depth);
  heartbeat.set_interval_ms(10'000);
  return heartbeat;
}

TEST(BundleRegistryTest, AgentRecordsKeepTheNewestStatusAndThePublishedSequence) {
  ferry::testing::TempDir dir;
  auto store = OpenStore(dir.path());
  BundleRegistry registry(*store);
  Labels labels;
  labels["site"] = "hh";

  ASSERT_TRUE(Wait([&](auto done) {
                registry.RecordHeartbeat("a1", HeartbeatWith(labels, StatusAt(1, true, 100), 5), done);
              }).ok());
  ASSERT_TRUE(Wait([&](auto done) { registry.SetPublished("a1", 2, 7, done); }).ok());
  ASSERT_TRUE(Wait([&](auto done) {
                auto s = StatusAt(2, false, 200);
                s.set_agent_id("a1");
                s.set_error("bad");
                registry.RecordFlowStatus(s, done);
              }).ok());
  // A heartbeat sent before that status arrives after it: the status stays.
  labels["site"] = "muc";
  ASSERT_TRUE(Wait([&](auto done) {
                registry.RecordHeartbeat("a1", HeartbeatWith(labels, StatusAt(1, true, 150), 9), done);
              }).ok());

  auto agent = registry.GetAgent("a1");
  ASSERT_TRUE(agent.ok()) << agent.status().ToString();
  EXPECT_EQ(agent->labels().at("site"), "muc");
  EXPECT_EQ(agent->flows().deployment_sequence(), 2u);
  EXPECT_FALSE(agent->flows().applied());
  EXPECT_EQ(agent->flows().agent_id(), "a1");
  EXPECT_EQ(agent->published_sequence(), 2u);
  EXPECT_EQ(agent->published_issue(), 7u);
  EXPECT_GT(agent->last_seen_unix_ms(), 0);
  // The last heartbeat is kept whole for the console, without its flows
  // (those are in `flows`), with the time it arrived.
  EXPECT_EQ(agent->heartbeat().outbox_depth(), 9u);
  EXPECT_EQ(agent->heartbeat().interval_ms(), 10'000);
  EXPECT_FALSE(agent->heartbeat().has_flows());
  EXPECT_EQ(agent->heartbeat_unix_ms(), agent->last_seen_unix_ms());
  EXPECT_EQ(registry.GetAgent("a2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(registry.ListAgents()->size(), 1u);
}

TEST(BundleRegistryTest, AReadOnlyStoreWithoutTheDatabasesReadsAsEmpty) {
  ferry::testing::TempDir dir;
  OpenStore(dir.path(), false, {"other"}).reset();
  auto store = OpenStore(dir.path(), /*read_only=*/true);
  ASSERT_NE(store, nullptr);
  BundleRegistry registry(*store);
  EXPECT_TRUE(registry.ListBundles()->empty());
  EXPECT_TRUE(registry.ListDeployments()->empty());
  EXPECT_TRUE(registry.ListAgents()->empty());
  EXPECT_EQ(*registry.LastDeploymentSequence(), 0u);
  EXPECT_EQ(registry.GetBundle(1).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ferry::controlplane
