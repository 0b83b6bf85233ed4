// The console in a real browser: tests/browser/console_browser.mjs drives
// Debian's chromium through playwright-core against the real control plane
// (HTTPS with the fleet's certificate, checked by the browser), real agents
// and a real CRM receiver. This side sets the scene and checks what the
// browser's clicks did; the browser side checks what the pages show, and
// saves a screenshot of each under build/console-screenshots/.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <optional>

#include "common/crypto/webhook_signature.h"
#include "common/util/clock.h"
#include "tests/integration/console_fixture.h"
#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/support/crm_sim.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"
#include "tests/support/webhook_sink.h"

namespace ferry::testing {
namespace {

class ConsoleBrowserTest : public ConsoleTest {
 protected:
  // Bundles can be deployed from the console: a signing key, the agents
  // trusting it, the repository's standard flows.
  void AdjustOptions(PipelineOptions& options) override {
    keys_.emplace();
    flows_.emplace(keys_->path());
    flows_->Apply(options);
  }

  // Alerts go to a webhook receiver, evaluated often enough for a page
  // that waits on them.
  std::string ExtraControlPlaneYaml() const override {
    return "alerts:\n  evaluate_every: 200ms\n  webhooks:\n    ops:\n      url: " + alerts_.url("/alerts") + "\n";
  }

  // Runs one phase of the browser script; its output on failure.
  void RunBrowser(const std::string& phase, std::vector<std::string> env) { RunBrowserOutput(phase, std::move(env)); }
  // The same; what it printed.
  std::string RunBrowserOutput(const std::string& phase, std::vector<std::string> env) {
    env.push_back("FERRY_CONSOLE_URL=https://127.0.0.1:" + std::to_string(port_));
    env.push_back("FERRY_CA_FILE=" + (p_->dir().path() / "cp" / "pki" / "ca.crt").string());
    env.push_back(std::string("FERRY_SCREENSHOTS=") + FERRY_SCREENSHOT_DIR);
    const auto log = p_->dir().path() / ("browser-" + phase + ".log");
    Process browser =
        Process::Start({"node", std::string(FERRY_BROWSER_TESTS_DIR) + "/console_browser.mjs", phase}, log, env);
    const auto code = browser.WaitExit(std::chrono::minutes(3));
    EXPECT_EQ(code, std::optional<int>(0)) << ReadFile(log);
    return ReadFile(log);
  }

  WebhookSink alerts_;
  std::optional<TempDir> keys_;
  std::optional<FlowSetup> flows_;
};

TEST_F(ConsoleBrowserTest, AKilledAgentTurnsStaleThenOfflineOnTheOpenPageWhileTheOtherStaysHealthy) {
  ExtraAgent& munich = p_->StartExtraAgent("agent-muc", {{"plant", "munich"}}, "");
  RunBrowser("agents", {"FERRY_KILL_PID=" + std::to_string(munich.process.pid())});
  EXPECT_FALSE(munich.process.Running());
  // The alert the page showed reached the webhook receiver.
  ASSERT_TRUE(alerts_.WaitForAccepted(1, std::chrono::seconds(10)));
  const auto notice = nlohmann::json::parse(alerts_.Requests().front().body);
  EXPECT_EQ(notice["rule"], "agent-offline");
  EXPECT_EQ(notice["change"], "firing");
  EXPECT_EQ(notice["alerts"][0]["subject"], "agent-muc");
}

TEST_F(ConsoleBrowserTest, AnOperatorUploadsABundleDeploysItAndFollowsItsRollout) {
  const auto bundle = p_->dir().path() / "acme.yaml";
  WriteFile(bundle, "flow: acme-accounts\nextends: debmas-account-salesforce\ntarget:\n  connector: webhook\n");
  RunBrowser("flows", {"FERRY_BUNDLE_FILES=" + bundle.string(), "FERRY_DEPLOY_SELECTOR=plant=hamburg",
                       "FERRY_ROLLOUT_AGENT=plant-01"});
  // What the pages showed is what the agent runs.
  EXPECT_EQ(FlowSetup::RunningVersion(*p_, "plant-01"), 1u);
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  const auto audit = nlohmann::json::parse(Curl("otto", "GET", "/api/v1/audit?user=otto&limit=20").body);
  int deploys = 0;
  for (const auto& entry : audit["entries"]) deploys += entry["action"] == "flows.deploy";
  EXPECT_EQ(deploys, 1);
}

TEST_F(ConsoleBrowserTest, AnAdminAddsAnAlertRuleAndAViewerCannotEditThem) {
  RunBrowser("alert-rules", {});
  ASSERT_EQ(SignIn("ada", "password of ada 123").status, 200);
  const auto rules = nlohmann::json::parse(Curl("ada", "GET", "/api/v1/alerts/rules").body);
  EXPECT_EQ(rules["rules"].back()["name"], "dl-burst");
  EXPECT_EQ(rules["rules"].back()["window"], "1h");
  const auto audit = nlohmann::json::parse(Curl("ada", "GET", "/api/v1/audit?user=ada&limit=20").body);
  int changes = 0;
  for (const auto& entry : audit["entries"]) changes += entry["action"] == "alerts.rules";
  EXPECT_EQ(changes, 1);  // the refused window changed nothing
}

TEST_F(ConsoleBrowserTest, AViewerCannotReplayAndAnOperatorReplaysADeadLetterOnceTheCrmIsFixed) {
  const auto fix = p_->dir().path() / "crm-fixed";
  const std::string first = Docnum(6200001), second = Docnum(6200002);
  p_->sink().SetResponder([fix, first, second](const ReceivedRequest& r) {
    if (!std::filesystem::exists(fix) && (DeliveryOfIdoc(r, first) || DeliveryOfIdoc(r, second))) {
      return SinkResponse{400, {}, R"({"error":"field NAME1 too long"})", {}};
    }
    return SinkResponse{200, {}, "{}", {}};
  });
  ASSERT_EQ(p_->PostIdoc(CustomerIdocNumbered(6200001, "0000620001")).status, 200);
  ASSERT_EQ(p_->PostIdoc(CustomerIdocNumbered(6200002, "0000620002")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return p_->DeadLetterCount() == 2; }, std::chrono::seconds(20)));
  const size_t accepted = p_->sink().AcceptedCount();

  RunBrowser("dead-letters", {"FERRY_FIX_FILE=" + fix.string(), "FERRY_REPLAY_DOCNUM=" + first});
  // The replayed one reached the CRM; the other is still a dead letter.
  EXPECT_TRUE(p_->sink().WaitForAccepted(accepted + 1, std::chrono::seconds(20)));
  EXPECT_TRUE(WaitUntil([&] { return p_->DeadLetterCount() == 1; }, std::chrono::seconds(20)));
}

// The same console with Salesforce (ferry-crm-sim) as the CRM.
class ConsoleCrmBrowserTest : public ConsoleBrowserTest {
 protected:
  static constexpr const char* kSecret = "sf-secret-for-the-console";

  void AdjustOptions(PipelineOptions& options) override {
    ConsoleBrowserTest::AdjustOptions(options);
    sim_.Control("config", {{"vendor", "salesforce"}, {"client_id", "ferry-sf"}, {"client_secret", kSecret}});
    WriteFile(crm_dir_.path() / "sf.secret", std::string(kSecret) + "\n");
    options.connectors_extra_yaml =
        "  salesforce:\n    login_url: " + sim_.url() +
        "\n    client_id: ferry-sf\n    client_secret_file: " + (crm_dir_.path() / "sf.secret").string() +
        "\n    timeout: 5s\n";
  }

  // Customers to Salesforce, their country through a value map with
  // `countries`.
  static std::string CustomersFlow(const std::string& countries) {
    return CountryFlow(countries, "salesforce", "SAP_Customer_Number__c", "BillingCountryCode");
  }

  TempDir crm_dir_;
  CrmSim sim_{crm_dir_.path()};
};

TEST_F(ConsoleCrmBrowserTest, AFixedBundleDeployedInTheConsoleMapsTheReplayedDeadLetterIntoTheCrm) {
  FlowSetup::DeployFlowAndWait(*p_, p_->dir().path() / "v1", CustomersFlow(R"("DE": "DE")"), "plant-01");
  const std::string mapped = Docnum(8700000001), broken = Docnum(8700000002);
  ASSERT_EQ(p_->PostIdoc(DebmasIdoc(mapped, "8700000001", "Berlin GmbH", "DE")).status, 200);
  ASSERT_EQ(p_->PostIdoc(DebmasIdoc(broken, "8700000002", "Wien GmbH", "AT")).status, 200);
  ASSERT_TRUE(
      WaitUntil([&] { return !sim_.Find("salesforce", "Account", "SAP_Customer_Number__c", "8700000001").is_null(); },
                std::chrono::seconds(30)));
  ASSERT_TRUE(WaitUntil([&] { return p_->DeadLetterCount() == 1; }, std::chrono::seconds(30)));

  const auto fixed = p_->dir().path() / "customers.yaml";
  WriteFile(fixed, CustomersFlow(R"("DE": "DE", "AT": "AT")"));
  const std::string out =
      RunBrowserOutput("fix-and-replay", {"FERRY_BUNDLE_FILES=" + fixed.string(), "FERRY_DEPLOY_SELECTOR=plant=hamburg",
                                          "FERRY_ROLLOUT_AGENT=plant-01", "FERRY_DELIVERED_DOCNUM=" + mapped,
                                          "FERRY_REPLAY_DOCNUM=" + broken});
  // In the CRM, under the ids the traces showed.
  const auto berlin = sim_.Find("salesforce", "Account", "SAP_Customer_Number__c", "8700000001");
  const auto wien = sim_.Find("salesforce", "Account", "SAP_Customer_Number__c", "8700000002");
  ASSERT_FALSE(wien.is_null());
  EXPECT_EQ(wien["fields"]["BillingCountryCode"], "AT");
  EXPECT_NE(out.find("RECORD_ID " + mapped + "=" + berlin["id"].get<std::string>()), std::string::npos) << out;
  EXPECT_NE(out.find("RECORD_ID " + broken + "=" + wien["id"].get<std::string>()), std::string::npos) << out;
  EXPECT_EQ(p_->DeadLetterCount(), 0u);
}

// A CRM record on its way down, in the console: waiting at the control
// plane for an agent that serves its SAP system (the Down page, its trace),
// then, once such an agent runs, its whole way into S/4 and back.
class ConsoleDownBrowserTest : public ConsoleCrmBrowserTest {
 protected:
  static constexpr const char* kInboundSecret = "inbound-secret-for-the-console";
  static constexpr const char* kOpportunity = "0065g00000FERRYAAA";

  void AdjustOptions(PipelineOptions& options) override {
    ConsoleCrmBrowserTest::AdjustOptions(options);
    WriteFile(crm_dir_.path() / "inbound.secret", std::string(kInboundSecret) + "\n");
    options.cp_extra_yaml += "inbound:\n  listen: 127.0.0.1:" + std::to_string(inbound_port_) +
                             "\n  hosts: [127.0.0.1]\n  channels:\n    - name: salesforce-orders\n"
                             "      kind: webhook\n      crm: salesforce\n      secret_file: " +
                             (crm_dir_.path() / "inbound.secret").string() + "\n      agents: { sap: S4P }\n";
  }

  // The won opportunity, as a Salesforce developer's signed webhook posts it.
  int Notify() {
    const std::string body = ReadFile(std::filesystem::path(FERRY_FIXTURE_DIR) / "crm/salesforce_opportunity_won.json");
    const auto file = crm_dir_.path() / "notification.json";
    WriteFile(file, body);
    const std::string names = std::string("Opportunity\n") + kOpportunity + "\nn-1\n";
    return testing::Curl(
               "--cacert " + (p_->dir().path() / "cp" / "pki" / "ca.crt").string() +
               " -H 'Content-Type: application/json' -H 'X-Ferry-Object: Opportunity' -H 'X-Ferry-Record-Id: " +
               kOpportunity + "' -H 'X-Ferry-Delivery: n-1' -H 'X-Ferry-Signature: " +
               crypto::SignWebhook(kInboundSecret, NowUnixMs() / 1000, body, names) + "' --data-binary @" +
               file.string() + " 'https://127.0.0.1:" + std::to_string(inbound_port_) +
               "/inbound/v1/salesforce-orders'")
        .status;
  }

  int inbound_port_ = FreeTcpPort();
};

TEST_F(ConsoleDownBrowserTest, ARecordOnItsWayDownIsListedWhileItWaitsAndTracedIntoSapAndBack) {
  sim_.Control("seed", {{"vendor", "salesforce"},
                        {"object", "Opportunity"},
                        {"id", kOpportunity},
                        {"fields", {{"Name", "Nordwind pumps 2027"}, {"StageName", "Closed Won"}}}});
  ASSERT_EQ(Notify(), 202);
  // No agent serves sap=S4P yet: it waits at the control plane.
  RunBrowser("down-waiting", {std::string("FERRY_RECORD_ID=") + kOpportunity});

  // An agent for the S/4 system comes, with the standard down flow.
  TempDir s4_dir;
  CrmSim s4(s4_dir.path(), FERRY_S4_SIM_BIN, {});
  s4.Control("seed", {{"vendor", "s4"},
                      {"object", "API_SALES_ORDER_SRV/A_SalesOrder"},
                      {"id", "1"},
                      {"fields", {{"SalesOrder", "1"}, {"PurchaseOrderByCustomer", "OLD"}}}});
  s4.Control("seed", {{"vendor", "s4"},
                      {"object", "API_BUSINESS_PARTNER/A_Customer"},
                      {"id", "100001"},
                      {"fields", {{"Customer", "100001"}}}});
  WriteFile(s4_dir.path() / "s4.password", "s4-secret\n");
  p_->StartExtraAgent("plant-s4", {{"sap", "S4P"}},
                      flows_->AgentYaml() +
                          "down:\n  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(s4.port()) +
                          "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " +
                          (s4_dir.path() / "s4.password").string() + "\n    timeout: 5s\n");
  FlowSetup::DeployFlowAndWait(*p_, p_->dir().path() / "down-flows",
                               "flow: won-orders\nextends: opportunity-salesorder-s4\n", "plant-s4");
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& opportunity : sim_.Records("salesforce", "Opportunity")) {
          if (opportunity["id"] == kOpportunity) {
            return !opportunity["fields"].value("SAP_Sales_Order__c", nlohmann::json()).is_null();
          }
        }
        return false;
      },
      std::chrono::seconds(30)))
      << sim_.Records("salesforce", "Opportunity").dump();
  RunBrowser("down-done", {std::string("FERRY_RECORD_ID=") + kOpportunity});
}

}  // namespace
}  // namespace ferry::testing
