// The Marketing Cloud connector end to end: records of the standard credit
// status flow and of plain bundles, delivered by the control plane to
// ferry-crm-sim's data extensions (docs/protocols.md §B.2), through real
// processes.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/change_order.h"
#include "tests/integration/crm_pipeline.h"
#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kMarketingCloudSecret = "mc-secret-do-not-log";

// Row per customer in a data extension that takes any column; Nickname only
// for country XX, which the strict built-in data extension refuses.
constexpr const char* kMarketingCloudPlainBundle = R"(flow: credit
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
)";

// The customer's name in a data extension of its own, to follow updates.
constexpr const char* kNamesBundle = R"(flow: names
match: { message_type: DEBMAS }
target: { connector: marketing_cloud }
records:
  - name: customer_name
    object: SAP_Customer_Names
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    key_field: CustomerNumber
    fields:
      Name: NAME1
)";

class MarketingCloudTest : public CrmPipelineTest {
 protected:
  void Start(const std::string& bundle) {
    sim_.Control(
        "config",
        {{"vendor", "marketing_cloud"}, {"client_secret", kMarketingCloudSecret}, {"violation_grace_ms", 300}});
    sim_.Control("config",
                 {{"vendor", "marketing_cloud"},
                  {"data_extensions", {{"SAP_Customer_Names", {{"primary_key", json::array({"CustomerNumber"})}}}}}});
    StartPipeline("  marketing_cloud:\n    auth_url: " + sim_.url() +
                      "\n    client_id: ferry-mc\n    client_secret_file: " +
                      SecretFile("mc.secret", kMarketingCloudSecret) + "\n",
                  bundle);
  }
  json Find(const std::string& vendor, const std::string& object, const std::string& field, const std::string& value) {
    return sim_.Find(vendor, object, field, value);
  }
  json Row(const std::string& number) {
    return Find("marketing_cloud", "SAP_Customer_Names", "CustomerNumber", number);
  }
};

TEST_F(MarketingCloudTest, CreditStatusRowsAreUpsertedDeletionsKeepExcludingAndTokensAreRenewed) {
  Start("flow: credit\nextends: debmas-credit-status-marketing-cloud\ntarget:\n  connector: marketing_cloud\n");
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
  const std::string cp_log = ReadFile(p().dir().path() / "controlplane.log");
  EXPECT_EQ(cp_log.find(kMarketingCloudSecret), std::string::npos);
  EXPECT_EQ(cp_log.find("Bearer"), std::string::npos);
  EXPECT_EQ(cp_log.find("access_token"), std::string::npos);
  EXPECT_EQ(ReadFile(p().dir().path() / "agent.log").find(kMarketingCloudSecret), std::string::npos);
}

TEST_F(MarketingCloudTest, ARefusedRowIsDeadLetteredWithTheVendorsMessageAndTheRestOfTheCallIsDelivered) {
  // A column the strict data extension does not have, for one customer only.
  Start(kMarketingCloudPlainBundle);
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

TEST_F(MarketingCloudTest, TheSameRowDeliveredAgainIsNotDuplicated) {
  Start(kNamesBundle);
  const std::string idoc = DebmasIdoc(Docnum(791001), "0000791001", "Einmal", "DE");
  ASSERT_EQ(p().PostIdoc(idoc).status, 200);
  ASSERT_EQ(p().PostIdoc(ReplaceElement(idoc, "DOCNUM", Docnum(791002))).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Drained() && Row("791001")["_history"].size() == 2; }, 20s)) << sim_.Log();
  EXPECT_EQ(sim_.Count("marketing_cloud", "SAP_Customer_Names"), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(MarketingCloudTest, TooManyRequestsIsHonouredWithoutSendingMeanwhileAndServerErrorsAreRetried) {
  Start(kNamesBundle);
  sim_.Control("faults", {{"vendor", "marketing_cloud"},
                          {"status", 429},
                          {"count", 2},
                          {"retry_after_s", 1},
                          {"path_contains", "/hub/v1/dataevents/"}});
  sim_.Control(
      "faults",
      {{"vendor", "marketing_cloud"}, {"status", 503}, {"count", 2}, {"path_contains", "/hub/v1/dataevents/"}});
  const auto posted = std::chrono::steady_clock::now();
  ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(792001), "0000792001", "Geduld", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Row("792001").is_null(); }, 20s)) << sim_.Log();
  // Two 429s with Retry-After: 1, each waited out before the next request.
  EXPECT_GE(std::chrono::steady_clock::now() - posted, 2s);
  const json stats = sim_.Stats()["marketing_cloud"];
  EXPECT_EQ(stats["by_status"].value("429", 0), 2) << stats.dump();
  EXPECT_EQ(stats["by_status"].value("503", 0), 2) << stats.dump();
  EXPECT_EQ(stats["throttle_violations"], 0) << "sent again before Retry-After elapsed: " << stats.dump();
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(MarketingCloudTest, RateLimitStormIsRiddenOutAndEverythingArrives) {
  Start(kNamesBundle);
  sim_.Control("config", {{"vendor", "marketing_cloud"}, {"rate_per_s", 2}});
  uint64_t docnum = 793000;
  for (int i = 1; i <= 10; ++i) {
    const std::string kunnr = "0000793" + std::to_string(100 + i);
    ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(++docnum), kunnr, "Kunde " + std::to_string(i), "DE")).status, 200);
  }
  ASSERT_TRUE(WaitUntil([&] { return sim_.Count("marketing_cloud", "SAP_Customer_Names") == 10 && Drained(); }, 60s))
      << sim_.Log();
  const json stats = sim_.Stats()["marketing_cloud"];
  EXPECT_GE(stats["by_status"].value("429", 0), 1) << stats.dump();
  EXPECT_EQ(stats["throttle_violations"], 0) << stats.dump();
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(MarketingCloudTest, UpdatesToOneRowApplyInOrderUnderConcurrency) {
  Start(kNamesBundle);
  ASSERT_TRUE(PostInterleavedChanges(p(), 794000, 794000, 4, 6));
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 30s));
  for (int customer = 1; customer <= 4; ++customer) {
    EXPECT_TRUE(ChangesInOrder(Row("79400" + std::to_string(customer)), "Name", 6));
  }
}

}  // namespace
}  // namespace ferry::testing
