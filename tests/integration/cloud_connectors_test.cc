// The Marketing Cloud and SAP Sales Cloud V2 connectors end to end: records
// of the standard flows, delivered by the control plane to ferry-crm-sim
// (docs/protocols.md §B.2, §B.4), through real processes.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class CloudConnectorTest : public ::testing::Test {
 protected:
  void Start(const std::string& connector_yaml, const std::string& bundle) {
    setup_.Apply(options_);
    options_.connectors_extra_yaml = connector_yaml;
    pipeline_ = std::make_unique<Pipeline>(options_);
    pipeline_->StartAll();
    FlowSetup::DeployFlowAndWait(*pipeline_, dir_.path() / "bundle", bundle, options_.agent_id);
  }
  std::string Secret(const std::string& name, const std::string& value) {
    WriteFile(dir_.path() / name, value + "\n");
    return (dir_.path() / name).string();
  }
  json Find(const std::string& vendor, const std::string& object, const std::string& field, const std::string& value) {
    return sim_.Find(vendor, object, field, value);
  }
  Pipeline& p() { return *pipeline_; }

  TempDir dir_;
  CrmSim sim_{dir_.path()};
  FlowSetup setup_{dir_.path()};
  PipelineOptions options_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(CloudConnectorTest, MarketingCloudCreditStatusRowsAreUpsertedAndDeletionsKeepExcluding) {
  Start("  marketing_cloud:\n    auth_url: " + sim_.url() +
            "\n    client_id: ferry-mc\n    client_secret_file: " + Secret("mc.secret", "mc-secret") + "\n",
        "flow: credit\nextends: debmas-credit-status-marketing-cloud\ntarget:\n  connector: marketing_cloud\n");
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil(
      [&] { return !Find("marketing_cloud", "SAP_Customer_Credit_Status", "CustomerNumber", "100001").is_null(); },
      20s))
      << sim_.Log();
  json row = Find("marketing_cloud", "SAP_Customer_Credit_Status", "CustomerNumber", "100001");
  EXPECT_EQ(row["fields"]["ExcludeFromCampaigns"], true) << row.dump();  // the fixture has a posting block

  // The customer deleted in SAP: the row stays, excluded from campaigns.
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas07_customer_delete.xml")).status, 200);
  ASSERT_TRUE(WaitUntil(
      [&] { return !Find("marketing_cloud", "SAP_Customer_Credit_Status", "CustomerNumber", "100010").is_null(); },
      20s))
      << sim_.Log();
  row = Find("marketing_cloud", "SAP_Customer_Credit_Status", "CustomerNumber", "100010");
  EXPECT_EQ(row["fields"]["DeletionFlag"], true);
  EXPECT_EQ(row["fields"]["ExcludeFromCampaigns"], true);

  // An expired token is renewed without loss.
  sim_.Control("expire-tokens", {{"vendor", "marketing_cloud"}});
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer_change.xml")).status, 200);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Find("marketing_cloud", "SAP_Customer_Credit_Status", "CustomerNumber", "100001")["_history"].size() ==
               2;
      },
      20s))
      << sim_.Log();
  EXPECT_GE(sim_.Stats()["marketing_cloud"]["tokens_issued"].get<int>(), 2);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  EXPECT_EQ(ReadFile(p().dir().path() / "controlplane.log").find("mc-secret"), std::string::npos);
}

TEST_F(CloudConnectorTest, MarketingCloudRefusesOneRowAndTheRestOfTheCallIsDelivered) {
  // A column the strict data extension does not have, for one customer only.
  Start("  marketing_cloud:\n    auth_url: " + sim_.url() +
            "\n    client_id: ferry-mc\n    client_secret_file: " + Secret("mc.secret", "mc-secret") + "\n",
        R"(flow: credit
match: { message_type: DEBMAS }
target: { connector: marketing_cloud }
records:
  - name: credit_status
    object: SAP_Customer_Credit_Status
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    key_field: CustomerNumber
    fields:
      Blocked: bool(SPERR)
      Nickname:
        value: NAME1
        when: LAND1 == 'XX'
)");
  const std::string packet = DebmasPacket({{"0000000000790001", "0000790001", "DE"},
                                           {"0000000000790002", "0000790002", "XX"},
                                           {"0000000000790003", "0000790003", "AT"}});
  ASSERT_EQ(p().PostIdoc(packet).status, 200);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return p().DeadLetterCount() == 1 && sim_.Records("marketing_cloud", "SAP_Customer_Credit_Status").size() == 2;
      },
      20s))
      << sim_.Log();
  int code = -1;
  const json rows = json::parse(p().RunControlPlaneCli("dlq list --json", &code));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["docnum"], "0000000000790002");
  EXPECT_NE(rows[0]["reason"].get<std::string>().find("Nickname"), std::string::npos) << rows[0]["reason"];
}

TEST_F(CloudConnectorTest, SapSalesCloudAccountsAndContactPersonsAreCreatedLinkedAndUpdatedWithETags) {
  Start("  sap_sales_cloud:\n    base_url: " + sim_.url() +
            "\n    user: ferry-sap\n    password_file: " + Secret("sap.secret", "sap-secret") + "\n",
        "flow: accounts\nextends: debmas-account-sap-sales-cloud\n");
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(
      WaitUntil([&] { return !Find("sap_sales_cloud", "contactPersons", "externalId", "31001").is_null(); }, 20s))
      << sim_.Log();
  const json account = Find("sap_sales_cloud", "accounts", "externalId", "100001");
  ASSERT_FALSE(account.is_null());
  const json contact = Find("sap_sales_cloud", "contactPersons", "externalId", "31001");
  EXPECT_EQ(contact["fields"]["accountId"], account["id"]) << contact.dump();

  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer_change.xml")).status, 200);
  ASSERT_TRUE(WaitUntil(
      [&] { return Find("sap_sales_cloud", "accounts", "externalId", "100001")["_history"].size() == 2; }, 20s))
      << sim_.Log();
  EXPECT_EQ(Find("sap_sales_cloud", "accounts", "externalId", "100001")["id"], account["id"]);
  EXPECT_EQ(sim_.Records("sap_sales_cloud", "accounts").size(), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  EXPECT_EQ(ReadFile(p().dir().path() / "controlplane.log").find("sap-secret"), std::string::npos);
}

}  // namespace
}  // namespace ferry::testing
