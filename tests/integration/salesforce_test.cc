// The Salesforce connector end to end: SAP IDocs mapped at the agent by the
// standard customer flow, delivered by the control plane to ferry-crm-sim's
// Salesforce (docs/protocols.md §B.1), through real processes.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/change_order.h"
#include "tests/integration/crm_pipeline.h"
#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/connect_proxy.h"
#include "tests/support/crm_sim.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The customer bundle: the standard flow, to Salesforce.
constexpr const char* kSalesforceStandardBundle =
    "flow: customers\nextends: debmas-account-salesforce\ntarget:\n  connector: salesforce\n";

// A bundle whose country field reaches Salesforce unmapped, so Salesforce
// itself refuses an unknown code (a vendor-side validation error).
constexpr const char* kSalesforcePlainBundle = R"(flow: customers
match: { message_type: DEBMAS }
target: { connector: salesforce }
records:
  - name: account
    object: Account
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    key_field: SAP_Customer_Number__c
    fields:
      Name: NAME1
      BillingCountryCode: LAND1
)";

class SalesforceTest : public CrmPipelineTest {
 protected:
  void Start(const std::string& bundle, const std::string& connector_extra = "") {
    sim_.Control("config", {{"vendor", "salesforce"}, {"client_id", "ferry-sf"}, {"client_secret", kSalesforceSecret}});
    StartPipeline("  salesforce:\n    login_url: " + sim_.url() +
                      "\n    client_id: ferry-sf\n    client_secret_file: " +
                      SecretFile("sf.secret", kSalesforceSecret) + "\n    timeout: 5s\n" + connector_extra,
                  bundle);
  }

  // The simulated Account with this external id (null when absent).
  json Account(const std::string& number) {
    return sim_.Find("salesforce", "Account", "SAP_Customer_Number__c", number);
  }
  size_t Count(const std::string& object) { return sim_.Count("salesforce", object); }
};

TEST_F(SalesforceTest, CreateThenUpdateKeepsOneRecordAndLinksContacts) {
  Start(kSalesforceStandardBundle);
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("100001").is_null() && Count("Contact") == 1; }, 20s))
      << sim().Log() << ReadFile(p().dir().path() / "controlplane.log");
  const json created = Account("100001");
  EXPECT_EQ(created["fields"]["Name"], "Nordwind Maschinenbau GmbH Werk Hafen");
  const json contact = sim().Records("salesforce", "Contact")[0];
  EXPECT_EQ(contact["fields"]["AccountId"], created["id"]) << contact.dump();

  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer_change.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Account("100001")["_history"].size() == 2; }, 20s)) << sim().Log();
  const json updated = Account("100001");
  EXPECT_EQ(updated["id"], created["id"]);
  EXPECT_NE(updated["fields"]["Name"], created["fields"]["Name"]);
  EXPECT_EQ(Count("Account"), 1u);
  EXPECT_EQ(Count("Contact"), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SalesforceTest, TheSameRecordDeliveredAgainIsNotDuplicated) {
  Start(kSalesforceStandardBundle);
  // Two IDocs (two events) carrying the same customer: upserts by external id.
  const std::string idoc = ReadFixture("debmas05_customer.xml");
  ASSERT_EQ(p().PostIdoc(idoc).status, 200);
  ASSERT_EQ(p().PostIdoc(ReplaceElement(idoc, "DOCNUM", "0000000000760002")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Drained() && Account("100001")["_history"].size() == 2; }, 20s)) << sim().Log();
  EXPECT_EQ(Count("Account"), 1u);
  EXPECT_EQ(Count("Contact"), 1u);
}

TEST_F(SalesforceTest, AnExpiredTokenIsRenewedWithoutLoss) {
  Start(kSalesforceStandardBundle);
  ASSERT_EQ(p().PostIdoc(DebmasIdoc("0000000000761001", "0000761001", "Vorher", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("761001").is_null(); }, 20s));
  sim().Control("expire-tokens", {{"vendor", "salesforce"}});
  ASSERT_EQ(p().PostIdoc(DebmasIdoc("0000000000761002", "0000761002", "Nachher", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("761002").is_null(); }, 20s)) << sim().Log();
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  EXPECT_GE(sim().Stats()["salesforce"]["tokens_issued"].get<int>(), 2);
}

TEST_F(SalesforceTest, ServerErrorsAreRetriedUntilDelivered) {
  Start(kSalesforceStandardBundle);
  sim().Control("faults",
                {{"vendor", "salesforce"}, {"status", 503}, {"count", 3}, {"path_contains", "/services/data/"}});
  ASSERT_EQ(p().PostIdoc(DebmasIdoc("0000000000762001", "0000762001", "Geduld", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("762001").is_null(); }, 20s)) << sim().Log();
  EXPECT_GE(sim().Stats()["salesforce"]["by_status"]["503"].get<int>(), 3);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SalesforceTest, RequestLimitExceededPausesTheConnectorForTheConfiguredBackoff) {
  Start(kSalesforceStandardBundle, "    limit_backoff: 2s\n");
  sim().Control("faults",
                {{"vendor", "salesforce"}, {"status", 403}, {"count", 1}, {"path_contains", "/services/data/"}});
  const auto posted = std::chrono::steady_clock::now();
  ASSERT_EQ(p().PostIdoc(DebmasIdoc("0000000000763001", "0000763001", "Limit", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("763001").is_null(); }, 20s)) << sim().Log();
  EXPECT_GE(std::chrono::steady_clock::now() - posted, 2s) << "delivered before limit_backoff ended";
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SalesforceTest, AValidationErrorDeadLettersThatRecordWhileTheRestOfTheBatchIsDelivered) {
  Start(kSalesforcePlainBundle);
  const std::string packet = DebmasPacket({{"0000000000764001", "0000764001", "DE"},
                                           {"0000000000764002", "0000764002", "XX"},
                                           {"0000000000764003", "0000764003", "AT"}});
  ASSERT_EQ(p().PostIdoc(packet).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1 && Count("Account") == 2; }, 20s)) << sim().Log();
  EXPECT_FALSE(Account("764001").is_null());
  EXPECT_TRUE(Account("764002").is_null());
  EXPECT_FALSE(Account("764003").is_null());
  int code = -1;
  const json rows = json::parse(p().RunControlPlaneCli("dlq list --json", &code));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["docnum"], "0000000000764002");
  const std::string reason = rows[0]["reason"];
  EXPECT_NE(reason.find("Account SAP_Customer_Number__c=764002"), std::string::npos) << reason;
  EXPECT_NE(reason.find("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"), std::string::npos) << reason;
}

TEST_F(SalesforceTest, UpdatesToOneAccountApplyInOrderUnderConcurrency) {
  Start(kSalesforcePlainBundle);
  // 4 customers, 8 changes each, posted interleaved from one SAP.
  ASSERT_TRUE(PostInterleavedChanges(p(), 765000, 765000, 4, 8));
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 30s));
  for (int customer = 1; customer <= 4; ++customer) {
    EXPECT_TRUE(ChangesInOrder(Account("76500" + std::to_string(customer)), "Name", 8));
  }
}

TEST_F(SalesforceTest, RatePerSecondSpacesRequests) {
  Start(kSalesforcePlainBundle, "    batch: 1\n    rate_per_s: 5\n");
  const std::string packet = DebmasPacket({{"0000000000766001", "0000766001", "DE"},
                                           {"0000000000766002", "0000766002", "DE"},
                                           {"0000000000766003", "0000766003", "DE"},
                                           {"0000000000766004", "0000766004", "DE"},
                                           {"0000000000766005", "0000766005", "DE"},
                                           {"0000000000766006", "0000766006", "DE"},
                                           {"0000000000766007", "0000766007", "DE"},
                                           {"0000000000766008", "0000766008", "DE"},
                                           {"0000000000766009", "0000766009", "DE"},
                                           {"0000000000766010", "0000766010", "DE"}});
  const auto posted = std::chrono::steady_clock::now();
  ASSERT_EQ(p().PostIdoc(packet).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Count("Account") == 10; }, 20s)) << sim().Log();
  // Ten requests at five per second: nine gaps of 200 ms at least.
  EXPECT_GE(std::chrono::steady_clock::now() - posted, 1800ms);
}

TEST_F(SalesforceTest, EverythingGoesThroughTheConfiguredProxy) {
  ConnectProxy proxy;
  Start(kSalesforceStandardBundle, "    https_proxy: " + proxy.url() + "\n");
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("100001").is_null() && Count("Contact") == 1; }, 20s)) << sim().Log();
  EXPECT_GE(proxy.tunnels(), 1);
  for (const std::string& target : proxy.targets()) EXPECT_EQ(target, "127.0.0.1:" + std::to_string(sim().port()));
}

TEST_F(SalesforceTest, AProxyThatWantsCredentialsGetsThemFromTheirFile) {
  ConnectProxy proxy("Basic ZmVycnk6cHJveHktcGFzcw==");  // ferry:proxy-pass
  WriteFile(dir_.path() / "proxy.secret", "proxy-pass\n");
  Start(kSalesforceStandardBundle, "    https_proxy: " + proxy.url() + "\n    https_proxy_user: ferry\n" +
                                       "    https_proxy_password_file: " + (dir_.path() / "proxy.secret").string() +
                                       "\n");
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("100001").is_null(); }, 20s)) << sim().Log();
  EXPECT_GE(proxy.tunnels(), 1);
  EXPECT_EQ(proxy.refused(), 0);
  EXPECT_EQ(ReadFile(p().dir().path() / "controlplane.log").find("proxy-pass"), std::string::npos);
}

TEST_F(SalesforceTest, AProxyRefusingTheCredentialsHoldsDeliveryWithTheReason) {
  ConnectProxy proxy("Basic ZmVycnk6cHJveHktcGFzcw==");
  WriteFile(dir_.path() / "proxy.secret", "wrong\n");
  Start(kSalesforceStandardBundle, "    https_proxy: " + proxy.url() + "\n    https_proxy_user: ferry\n" +
                                       "    https_proxy_password_file: " + (dir_.path() / "proxy.secret").string() +
                                       "\n");
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return proxy.refused() >= 2; }, 20s));
  EXPECT_TRUE(Account("100001").is_null());
  EXPECT_EQ(p().DeadLetterCount(), 0u);  // retried, not rejected
  EXPECT_NE(ReadFile(p().dir().path() / "controlplane.log").find("wants credentials (HTTP 407"), std::string::npos);
  // The right password, written to the file: delivered without a restart.
  WriteFile(dir_.path() / "proxy.secret", "proxy-pass\n");
  ASSERT_TRUE(WaitUntil([&] { return !Account("100001").is_null(); }, 30s)) << sim().Log();
}

TEST_F(SalesforceTest, SecretsAndTokensNeverReachTheLogs) {
  Start(kSalesforceStandardBundle);
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("100001").is_null(); }, 20s));
  const std::string cp_log = ReadFile(p().dir().path() / "controlplane.log");
  EXPECT_EQ(cp_log.find(kSalesforceSecret), std::string::npos);
  EXPECT_EQ(cp_log.find("Bearer"), std::string::npos);
  EXPECT_EQ(cp_log.find("access_token"), std::string::npos);
  EXPECT_NE(cp_log.find("event=token_fetched target=salesforce"), std::string::npos);
  EXPECT_EQ(ReadFile(p().dir().path() / "agent.log").find(kSalesforceSecret), std::string::npos);
}

}  // namespace
}  // namespace ferry::testing
