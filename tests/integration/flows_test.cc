// Flow bundles end to end with real processes and a real broker: signed
// deployment to agents selected by label, rollback, a tampered or unsigned
// deployment refused while the last good bundle keeps running, and a record
// error dead-lettered with its path and reason while the rest flows.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/crypto/ed25519.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"
#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/mqtt_test_client.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// A DEBMAS flow whose records say which bundle made them.
std::string FlowYaml(const std::string& tag) {
  return "flow: customers\n"
         "match:\n  message_type: DEBMAS\n"
         "target:\n  connector: webhook\n"
         "value_maps:\n  country:\n    values: {DE: Germany, AT: Austria}\n"
         "records:\n"
         "  - name: account\n    object: Account\n    for_each: E1KNA1M\n"
         "    external_id: strip_zeros(KUNNR)\n    key_field: SAP_Customer_Number__c\n"
         "    fields:\n      Name: NAME1\n      Country: map(country, LAND1)\n"
         "      Bundle: {const: " +
         tag + "}\n";
}

class FlowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setup_.Apply(options_);
    options_.agent_labels = {{"env", "prod"}, {"site", "hamburg"}};
  }

  std::filesystem::path WriteBundle(const std::string& name, const std::string& tag) {
    const auto dir = scratch_.path() / name;
    std::filesystem::create_directories(dir);
    WriteFile(dir / "customers.yaml", FlowYaml(tag));
    return dir;
  }

  static std::string Cli(Pipeline& p, const std::string& args) { return FlowSetup::Cli(p, args); }
  static uint64_t RunningVersion(Pipeline& p, const std::string& agent_id) {
    return FlowSetup::RunningVersion(p, agent_id);
  }

  // Posts a DEBMAS for customer `kunnr` to the agent on `port`; returns the
  // webhook body that delivered it (empty after the timeout).
  json DeliverCustomer(Pipeline& p, int port, const std::string& kunnr, const std::string& country = "DE") {
    const std::string docnum = "00000000007" + kunnr.substr(kunnr.size() - 5);
    std::string idoc = DebmasIdoc(docnum, kunnr, "Kunde " + kunnr, country);
    auto res = HttpRequest("POST", port, "/sap/idoc", idoc, {{"Content-Type", "text/xml"}});
    EXPECT_EQ(res.status, 200) << res.body;
    json found;
    WaitUntil(
        [&] {
          for (const auto& r : p.sink().Requests()) {
            json body = json::parse(r.body, nullptr, false);
            if (body.is_object() && body.value("idoc", json::object()).value("docnum", "") == docnum) {
              found = body;
              return true;
            }
          }
          return false;
        },
        20s);
    return found;
  }

  TempDir scratch_;
  FlowSetup setup_{scratch_.path()};
  PipelineOptions options_;
};

TEST_F(FlowsTest, RolloutByLabelsThenRollback) {
  Pipeline p(options_);
  p.StartAll();
  ExtraAgent& test_agent = p.StartExtraAgent("plant-02", {{"env", "test"}}, setup_.AgentYaml());

  // Version 1 to production only.
  Cli(p, "deploy --bundle " + WriteBundle("v1", "v1").string() + " --selector env=prod");
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");
  json prod = DeliverCustomer(p, p.agent_port(), "0000300001");
  ASSERT_TRUE(prod.is_object()) << "nothing delivered";
  EXPECT_EQ(prod["flow"], "customers");
  EXPECT_EQ(prod["bundle_version"], 1);
  ASSERT_EQ(prod["records"].size(), 1u) << prod.dump();
  EXPECT_EQ(prod["records"][0]["external_id"], "300001");
  EXPECT_EQ(prod["records"][0]["fields"]["Bundle"], "v1");
  EXPECT_EQ(prod["records"][0]["fields"]["Country"], "Germany");
  EXPECT_FALSE(prod.contains("payload")) << "only mapped records cross the tunnel";
  // The test agent is not selected: it still sends the raw IDoc.
  json raw = DeliverCustomer(p, test_agent.port, "0000300002");
  ASSERT_TRUE(raw.is_object());
  EXPECT_FALSE(raw.contains("records"));
  EXPECT_NE(raw.value("payload", "").find("<KUNNR>0000300002</KUNNR>"), std::string::npos);

  // Version 2 to every agent.
  Cli(p, "deploy --bundle " + WriteBundle("v2", "v2").string());
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 2 && RunningVersion(p, "plant-02") == 2; }, 20s))
      << Cli(p, "status");
  EXPECT_EQ(DeliverCustomer(p, test_agent.port, "0000300003")["records"][0]["fields"]["Bundle"], "v2");

  // Roll production back to version 1; the test agent stays on 2.
  Cli(p, "rollback --to-version 1 --selector env=prod");
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");
  EXPECT_EQ(DeliverCustomer(p, p.agent_port(), "0000300004")["records"][0]["fields"]["Bundle"], "v1");
  EXPECT_EQ(RunningVersion(p, "plant-02"), 2u);
  EXPECT_EQ(DeliverCustomer(p, test_agent.port, "0000300005")["records"][0]["fields"]["Bundle"], "v2");

  // A restarted agent runs its last bundle before it hears from anyone.
  p.controlplane().Kill9();
  p.agent().Kill9();
  p.StartAgent();
  p.StartControlPlane();
  EXPECT_EQ(DeliverCustomer(p, p.agent_port(), "0000300006")["records"][0]["fields"]["Bundle"], "v1");

  // Moved to the test group, whose newest deployment (version 2, sequence 2)
  // is older than the one it runs (sequence 3): it still moves to it.
  p.agent().Kill9();
  p.SetAgentLabels({{"env", "test"}});
  p.StartAgent();
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 2; }, 20s)) << Cli(p, "status");
  EXPECT_EQ(DeliverCustomer(p, p.agent_port(), "0000300007")["records"][0]["fields"]["Bundle"], "v2");
}

TEST_F(FlowsTest, BundlesFollowTheLabelsTheControlPlaneGaveNotTheOnesAnAgentClaims) {
  Pipeline p(options_);
  p.StartAll();
  // plant-02 is enrolled as a test agent, and its configuration claims to
  // be production.
  p.EnsureEnrolled("plant-02", p.dir().path() / "plant-02", {{"env", "test"}});
  ExtraAgent& liar = p.StartExtraAgent("plant-02", {{"env", "prod"}}, setup_.AgentYaml());

  Cli(p, "deploy --bundle " + WriteBundle("v1", "v1").string() + " --selector env=prod");
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");
  // Its heartbeats have been heard with the labels it was given.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return ReadFile(p.dir().path() / "controlplane.log").find("event=agent_labels_ignored agent_id=plant-02") !=
               std::string::npos;
      },
      20s));
  json raw = DeliverCustomer(p, liar.port, "0000330001");
  ASSERT_TRUE(raw.is_object());
  EXPECT_FALSE(raw.contains("records")) << "plant-02 got production's bundle by claiming its labels";
  EXPECT_EQ(RunningVersion(p, "plant-02"), 0u);

  // The control plane moves it to production; then it gets the bundle.
  int code = -1;
  const std::string out = p.RunControlPlaneCli("agents label plant-02 --labels env=prod", &code);
  ASSERT_EQ(code, 0) << out;
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-02") == 1; }, 20s)) << Cli(p, "status");
  EXPECT_EQ(DeliverCustomer(p, liar.port, "0000330002")["records"][0]["fields"]["Bundle"], "v1");
  p.RunControlPlaneCli("agents label plant-77 --labels env=prod", &code);
  EXPECT_EQ(code, 3);
}

// Only the control plane's identity may publish bundles on the broker; the
// agent's signature check is what still protects it when that identity (or
// the broker) is in the wrong hands. These use it, and since the broker
// makes a client's id its certificate's name (one client per identity),
// only while the control plane is stopped.
MqttIdentity ControlPlaneIdentity(Pipeline& p) {
  return {p.dir().path() / "cp" / "pki" / "ca.crt", p.dir().path() / "cp" / "pki" / "controlplane.pem"};
}

void PublishRetained(Pipeline& p, const std::string& topic, const std::string& payload) {
  MqttTestClient client(p.broker().url(), "ferry-test-intruder", ControlPlaneIdentity(p));
  ASSERT_EQ(client.Connect(), "");
  ASSERT_EQ(client.Publish(topic, payload, /*retained=*/true), "");
}

// The retained message on one of the agent's down/ topics.
std::string ReadRetained(Pipeline& p, const std::string& topic) {
  MqttTestClient client(p.broker().url(), "ferry-test-reader", ControlPlaneIdentity(p));
  if (!client.Connect().empty() || !client.Subscribe(topic).empty()) return "";
  auto msg = client.Receive(std::chrono::seconds(5));
  return msg ? msg->second : std::string();
}

TEST_F(FlowsTest, AReplayedOlderDeploymentIsRefused) {
  Pipeline p(options_);
  p.StartAll();
  Cli(p, "deploy --bundle " + WriteBundle("v1", "v1").string());
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");
  const std::string topic = "ferry/v1/agents/plant-01/down/bundle";
  p.controlplane().Terminate();
  const std::string old_message = ReadRetained(p, topic);
  ASSERT_FALSE(old_message.empty());
  p.StartControlPlane();

  Cli(p, "deploy --bundle " + WriteBundle("v2", "v2").string());
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 2; }, 20s)) << Cli(p, "status");

  // Version 1's deployment, validly signed, published again.
  p.controlplane().Terminate();
  PublishRetained(p, topic, old_message);
  const auto agent_log = p.dir().path() / "agent.log";
  ASSERT_TRUE(WaitUntil(
      [&] { return ReadFile(agent_log).find("is not newer than the running issue") != std::string::npos; }, 20s));
  p.StartControlPlane();
  EXPECT_EQ(RunningVersion(p, "plant-01"), 2u);
  EXPECT_EQ(DeliverCustomer(p, p.agent_port(), "0000340001")["records"][0]["fields"]["Bundle"], "v2");
}

TEST_F(FlowsTest, TamperedOrUnsignedDeploymentIsRefusedAndTheLastGoodBundleRuns) {
  Pipeline p(options_);
  p.StartAll();
  Cli(p, "deploy --bundle " + WriteBundle("v1", "good").string());
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");

  ferry::v1::Deployment evil;
  evil.set_sequence(1000);
  evil.set_agent_id("plant-01");
  ferry::v1::FlowBundle* bundle = evil.mutable_bundle();
  bundle->set_version(99);
  ferry::v1::BundleFile* file = bundle->add_files();
  file->set_path("customers.yaml");
  file->set_text(FlowYaml("evil"));
  bundle->set_sha256(crypto::Sha256Hex(file->path() + std::string(1, '\0') + file->text() + std::string(1, '\0')));
  const std::string topic = "ferry/v1/agents/plant-01/down/bundle";
  const std::string agent_log = (p.dir().path() / "agent.log").string();
  auto rejections = [&] {
    std::string log = ReadFile(agent_log);
    size_t n = 0;
    for (size_t at = log.find("event=flows_rejected"); at != std::string::npos;
         at = log.find("event=flows_rejected", at + 1))
      ++n;
    return n;
  };

  // Signed by a key the agent does not trust.
  p.controlplane().Terminate();
  auto other = crypto::SigningKey::Generate();
  ferry::v1::SignedDeployment forged;
  forged.set_deployment(evil.SerializeAsString());
  forged.set_signature(*other->Sign(forged.deployment()));
  forged.set_key_id(other->KeyId());
  PublishRetained(p, topic, forged.SerializeAsString());
  ASSERT_TRUE(WaitUntil([&] { return rejections() >= 1; }, 20s));
  EXPECT_NE(ReadFile(agent_log).find("signature does not verify"), std::string::npos);

  // Unsigned.
  ferry::v1::SignedDeployment unsigned_deployment;
  unsigned_deployment.set_deployment(evil.SerializeAsString());
  PublishRetained(p, topic, unsigned_deployment.SerializeAsString());
  ASSERT_TRUE(WaitUntil([&] { return rejections() >= 2; }, 20s));
  EXPECT_NE(ReadFile(agent_log).find("the deployment is not signed"), std::string::npos);

  // Signed properly, then one byte of the bundle changed in transit.
  auto trusted = crypto::SigningKey::LoadPemFile(setup_.private_key());
  ASSERT_TRUE(trusted.ok());
  ferry::v1::SignedDeployment tampered;
  tampered.set_deployment(evil.SerializeAsString());
  tampered.set_signature(*trusted->Sign(tampered.deployment()));
  std::string bytes = tampered.deployment();
  bytes[bytes.size() - 3] ^= 0x01;
  tampered.set_deployment(bytes);
  PublishRetained(p, topic, tampered.SerializeAsString());
  ASSERT_TRUE(WaitUntil([&] { return rejections() >= 3; }, 20s));

  // The control plane hears about the rejection (from the agent's next
  // heartbeat); the good bundle still maps.
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil(
      [&] {
        int code = -1;
        const std::string out = p.RunControlPlaneCli("flows status --json", &code);
        return code == 0 && out.find("signature does not verify") != std::string::npos;
      },
      20s))
      << Cli(p, "status");
  EXPECT_EQ(RunningVersion(p, "plant-01"), 1u);
  json body = DeliverCustomer(p, p.agent_port(), "0000310001");
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body["records"][0]["fields"]["Bundle"], "good");
}

TEST_F(FlowsTest, RecordErrorGoesToTheDeadLetterQueueWithPathAndReasonWhileTheRestFlows) {
  Pipeline p(options_);
  p.StartAll();
  Cli(p, "deploy --bundle " + WriteBundle("v1", "v1").string());
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");

  // A packet of three: the middle customer's country has no value map entry.
  const std::string packet = DebmasPacket({{"0000000000732001", "0000320001", "DE"},
                                           {"0000000000732002", "0000320002", "XX"},
                                           {"0000000000732003", "0000320003", "AT"}});
  auto res = p.PostIdoc(packet);
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_TRUE(p.sink().WaitForAccepted(2, 20s));
  ASSERT_TRUE(WaitUntil([&] { return p.DeadLetterCount() == 1; }, 20s));
  std::set<std::string> delivered;
  for (const auto& r : p.sink().Requests()) delivered.insert(json::parse(r.body)["records"][0]["external_id"]);
  EXPECT_EQ(delivered, (std::set<std::string>{"320001", "320003"}));

  int code = -1;
  const std::string out = p.RunControlPlaneCli("dlq list --json", &code);
  ASSERT_EQ(code, 0) << out;
  const json rows = json::parse(out);
  ASSERT_EQ(rows.size(), 1u) << out;
  EXPECT_EQ(rows[0]["docnum"], "0000000000732002");
  EXPECT_EQ(rows[0]["reason"],
            "mapping failed: flow customers record account /E1KNA1M[1] field Country: value map 'country' has no "
            "entry for 'XX'");

  // SAP resends the packet: recognised, nothing mapped or sent again.
  res = p.PostIdoc(packet);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(res.body.find("3 already received earlier"), std::string::npos) << res.body;
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0; }, 20s));
  EXPECT_EQ(p.sink().AcceptedCount(), 2u);
  EXPECT_EQ(p.DeadLetterCount(), 1u);
}

// The agent's stored deployment no longer checks out at start (here: its
// trusted key was rotated before the control plane's). It must not send raw
// IDocs to a target that expects records: documents are dead-lettered with
// the reason until the control plane, now signing with the new key, sends
// the deployment again.
TEST_F(FlowsTest, AStoredDeploymentThatNoLongerVerifiesHoldsMappingUntilAGoodOneArrives) {
  Pipeline p(options_);
  p.StartAll();
  Cli(p, "deploy --bundle " + WriteBundle("v1", "v1").string());
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");

  auto next = crypto::SigningKey::Generate();
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->WritePrivatePemFile(scratch_.path() / "next.key").ok());
  WriteFile(setup_.public_key(), next->PublicKeyPem());  // the agent now trusts only the new key
  p.controlplane().Kill9();
  p.agent().Kill9();
  p.StartAgent();

  auto res = p.PostIdoc(DebmasIdoc("0000000000733001", "0000330001", "Kunde", "DE"));
  ASSERT_EQ(res.status, 200) << res.body;
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil([&] { return p.DeadLetterCount() == 1; }, 20s));
  int code = -1;
  const json rows = json::parse(p.RunControlPlaneCli("dlq list --json", &code));
  ASSERT_EQ(rows.size(), 1u);
  const std::string reason = rows[0]["reason"];
  EXPECT_NE(reason.find("no valid flow bundle at the agent: the stored deployment cannot run: the signature does "
                        "not verify"),
            std::string::npos)
      << reason;
  EXPECT_EQ(p.sink().AcceptedCount(), 0u) << "a raw IDoc reached the target";

  // The control plane switches to the new key: the agent is back on version 1.
  p.controlplane().Kill9();
  const std::string config = ReadFile(p.cp_config());
  const std::string old_key = (setup_.private_key()).string();
  WriteFile(p.cp_config(), config.substr(0, config.find(old_key)) + (scratch_.path() / "next.key").string() +
                               config.substr(config.find(old_key) + old_key.size()));
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil([&] { return RunningVersion(p, "plant-01") == 1; }, 20s)) << Cli(p, "status");
  json body = DeliverCustomer(p, p.agent_port(), "0000330002");
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body["records"][0]["fields"]["Bundle"], "v1");
}

TEST_F(FlowsTest, AStoredDeploymentThatNoLongerDecodesLetsTheAgentStartAndHoldsDocumentsBack) {
  Pipeline p(options_);
  p.broker().Start();
  {
    // The agent's applied deployment as a damaged page would leave it.
    store::StoreOptions o;
    o.dir = p.dir().path() / "agent" / "store";
    std::filesystem::create_directories(o.dir);
    o.map_size_bytes = 64ull << 20;
    o.databases = {"flows"};
    auto store = store::Store::Open(o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Status s = (*store)->WriteSync([&](store::WriteTxn& txn) {
      MDB_val k = store::ToVal("applied"), v = store::ToVal("\xff\xff not a deployment");
      return store::LmdbStatus(mdb_put(txn.txn(), (*store)->Db("flows"), &k, &v, 0), "corrupt");
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  p.StartAgent();  // waits until it serves: no restart loop
  auto res = p.PostIdoc(DebmasIdoc("0000000000734001", "0000340001", "Kunde", "DE"));
  ASSERT_EQ(res.status, 200) << res.body;
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil([&] { return p.DeadLetterCount() == 1; }, 20s));
  const json rows = json::parse(p.RunControlPlaneCli("dlq list --json"));
  ASSERT_EQ(rows.size(), 1u);
  const std::string reason = rows[0]["reason"];
  EXPECT_NE(reason.find("corrupt record at flows/applied"), std::string::npos) << reason;
  EXPECT_EQ(p.sink().AcceptedCount(), 0u) << "a raw IDoc reached the target";
  EXPECT_TRUE(p.agent().Running());
}

}  // namespace
}  // namespace ferry::testing
