// The SAP Sales Cloud / Service Cloud V2 connector end to end: records of the
// standard account and registered product flows and of plain bundles,
// delivered by the control plane to ferry-crm-sim's V2 services
// (docs/protocols.md §B.4, all assumed), through real processes, with HTTP
// Basic and with OAuth client credentials at the tenant's IAS.

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

constexpr const char* kSapSalesCloudSecret = "sap-secret-do-not-log";

constexpr const char* kSapSalesCloudStandardBundle = "flow: accounts\nextends: debmas-account-sap-sales-cloud\n";

// One account per customer with the country as SAP sent it, so the tenant
// itself refuses a code it does not know.
constexpr const char* kSapSalesCloudPlainBundle = R"(flow: accounts
match: { message_type: DEBMAS }
target: { connector: sap_sales_cloud }
records:
  - name: account
    object: accounts
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    key_field: externalId
    fields:
      formattedName: NAME1
      countryCode: LAND1
)";

enum class Auth { kBasic, kOAuth };

class SapSalesCloudTest : public CrmPipelineTest {
 protected:
  void Start(const std::string& bundle, Auth auth = Auth::kBasic) {
    sim_.Control("config",
                 {{"vendor", "sap_sales_cloud"}, {"password", kSapSalesCloudSecret}, {"violation_grace_ms", 300}});
    const std::string secret_file = SecretFile("sap.secret", kSapSalesCloudSecret);
    const std::string credentials =
        auth == Auth::kBasic
            ? "    user: ferry-sap\n    password_file: " + secret_file + "\n"
            : "    auth: oauth\n    token_url: " + sim_.url() +
                  "/oauth2/token\n    client_id: ferry-sap\n    client_secret_file: " + secret_file + "\n";
    StartPipeline("  sap_sales_cloud:\n    base_url: " + sim_.url() + "\n" + credentials, bundle);
  }
  json Find(const std::string& object, const std::string& value) {
    return sim_.Find("sap_sales_cloud", object, "externalId", value);
  }
  json Account(const std::string& number) { return Find("accounts", number); }
  size_t Count(const std::string& object) { return sim_.Count("sap_sales_cloud", object); }
  json Stats() { return sim_.Stats()["sap_sales_cloud"]; }
  void ExpectNoSecretsInLogs() {
    const std::string cp_log = ReadFile(p().dir().path() / "controlplane.log");
    EXPECT_EQ(cp_log.find(kSapSalesCloudSecret), std::string::npos);
    EXPECT_EQ(cp_log.find("Basic "), std::string::npos);
    EXPECT_EQ(cp_log.find("Bearer"), std::string::npos);
    EXPECT_EQ(cp_log.find("access_token"), std::string::npos);
    EXPECT_EQ(ReadFile(p().dir().path() / "agent.log").find(kSapSalesCloudSecret), std::string::npos);
  }
};

TEST_F(SapSalesCloudTest, AccountsAndContactPersonsAreCreatedLinkedAndUpdatedWithETags) {
  Start(kSapSalesCloudStandardBundle);
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Find("contactPersons", "31001").is_null(); }, 20s)) << sim_.Log();
  const json account = Account("100001");
  ASSERT_FALSE(account.is_null());
  const json contact = Find("contactPersons", "31001");
  EXPECT_EQ(contact["fields"]["accountId"], account["id"]) << contact.dump();

  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer_change.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Account("100001")["_history"].size() == 2; }, 20s)) << sim_.Log();
  EXPECT_EQ(Account("100001")["id"], account["id"]);
  EXPECT_EQ(Count("accounts"), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  ExpectNoSecretsInLogs();
}

TEST_F(SapSalesCloudTest, TheSameRecordDeliveredAgainIsNotDuplicated) {
  Start(kSapSalesCloudPlainBundle);
  const std::string idoc = DebmasIdoc(Docnum(795001), "0000795001", "Zweimal", "DE");
  ASSERT_EQ(p().PostIdoc(idoc).status, 200);
  ASSERT_EQ(p().PostIdoc(ReplaceElement(idoc, "DOCNUM", Docnum(795002))).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Drained() && !Account("795001").is_null(); }, 20s)) << sim_.Log();
  EXPECT_EQ(Count("accounts"), 1u);
  // The second delivery found the account holding what it would write:
  // no patch, so the tenant stamps no change that changes nothing.
  EXPECT_EQ(Account("795001")["_history"].size(), 1u) << Account("795001").dump();
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SapSalesCloudTest, OAuthTokensFromIasAreRenewedWhenExpiredWithoutLoss) {
  Start(kSapSalesCloudPlainBundle, Auth::kOAuth);
  ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(796001), "0000796001", "Vorher", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("796001").is_null(); }, 20s)) << sim_.Log();
  sim_.Control("expire-tokens", {{"vendor", "sap_sales_cloud"}});
  ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(796002), "0000796002", "Nachher", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("796002").is_null(); }, 20s)) << sim_.Log();
  const json stats = Stats();
  EXPECT_GE(stats["tokens_issued"].get<int>(), 2) << stats.dump();
  EXPECT_GE(stats["by_status"].value("401", 0), 1) << "the expired token was never refused: " << stats.dump();
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  ExpectNoSecretsInLogs();
}

TEST_F(SapSalesCloudTest, AStaleETagIsReadAgainAndThePatchRepeated) {
  Start(kSapSalesCloudPlainBundle);
  ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(797001), "0000797001", "Erst", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("797001").is_null(); }, 20s)) << sim_.Log();
  // The next PATCH finds the entity changed since its ETag was read.
  sim_.Control("faults", {{"vendor", "sap_sales_cloud"}, {"status", 412}, {"count", 1}, {"method", "PATCH"}});
  ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(797002), "0000797001", "Dann", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Account("797001")["_history"].size() == 2; }, 20s)) << sim_.Log();
  EXPECT_EQ(Account("797001")["fields"]["formattedName"], "Dann");
  EXPECT_EQ(Stats()["by_status"].value("412", 0), 1);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SapSalesCloudTest, DeletionsRemoveTheContactPersonAndTheAccount) {
  Start(kSapSalesCloudStandardBundle);
  sim_.Control("seed", {{"vendor", "sap_sales_cloud"},
                        {"object", "accounts"},
                        {"fields", {{"externalId", "100010"}, {"formattedName", "Geloescht GmbH"}}}});
  sim_.Control("seed", {{"vendor", "sap_sales_cloud"},
                        {"object", "contactPersons"},
                        {"fields", {{"externalId", "31010"}, {"familyName", "Weg"}}}});
  ASSERT_FALSE(Account("100010").is_null());
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas07_customer_delete.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Drained() && Count("accounts") == 0 && Count("contactPersons") == 0; }, 20s))
      << sim_.Log();
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  // Deleting what is already gone is delivered, not an error.
  ASSERT_EQ(p().PostIdoc(ReplaceElement(ReadFixture("debmas07_customer_delete.xml"), "DOCNUM", Docnum(797101))).status,
            200);
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 20s));
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SapSalesCloudTest, RegisteredProductsAreCreatedAndUpdatedFromEquipmentIdocs) {
  Start("flow: equipment\nextends: equipment-registered-product-sap-service-cloud\n");
  ASSERT_EQ(p().PostIdoc(ReadFixture("equipment_create02.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Find("registeredProducts", "10000123").is_null(); }, 20s)) << sim_.Log();
  const json created = Find("registeredProducts", "10000123");
  ASSERT_EQ(p().PostIdoc(ReadFixture("equipment_change02.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Find("registeredProducts", "10000123")["_history"].size() == 2; }, 20s))
      << sim_.Log();
  const json changed = Find("registeredProducts", "10000123");
  EXPECT_EQ(changed["id"], created["id"]);
  EXPECT_EQ(changed["fields"]["description"], "Centrifugal pump CP-200, Hafen line 3") << changed.dump();
  EXPECT_EQ(Count("registeredProducts"), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SapSalesCloudTest, ServerErrorsAndTooManyRequestsAreRetriedHonouringRetryAfter) {
  Start(kSapSalesCloudPlainBundle);
  sim_.Control("faults", {{"vendor", "sap_sales_cloud"}, {"status", 503}, {"count", 2}});
  // Each event is two requests (find, then create): without easing back in
  // after a 429, every waiting event retries at once and is refused again.
  sim_.Control("config", {{"vendor", "sap_sales_cloud"}, {"rate_per_s", 3}});
  uint64_t docnum = 798000;
  for (int i = 1; i <= 6; ++i) {
    const std::string kunnr = "0000798" + std::to_string(100 + i);
    ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(++docnum), kunnr, "Kunde " + std::to_string(i), "DE")).status, 200);
  }
  ASSERT_TRUE(WaitUntil([&] { return Count("accounts") == 6 && Drained(); }, 60s))
      << sim_.Log() << ReadFile(p().dir().path() / "controlplane.log");
  const json stats = Stats();
  EXPECT_EQ(stats["by_status"].value("503", 0), 2) << stats.dump();
  EXPECT_GE(stats["by_status"].value("429", 0), 1) << stats.dump();
  EXPECT_EQ(stats["throttle_violations"], 0) << "sent again before Retry-After elapsed: " << stats.dump();
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SapSalesCloudTest, AnInvalidCodeDeadLettersThatRecordWithSapsMessageWhileTheOthersAreDelivered) {
  Start(kSapSalesCloudPlainBundle);
  const std::string packet = DebmasPacket({{Docnum(799001), "0000799001", "DE"},
                                           {Docnum(799002), "0000799002", "XX"},
                                           {Docnum(799003), "0000799003", "AT"}});
  ASSERT_EQ(p().PostIdoc(packet).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1 && Count("accounts") == 2; }, 20s)) << sim_.Log();
  EXPECT_TRUE(Account("799002").is_null());
  int code = -1;
  const json rows = json::parse(p().RunControlPlaneCli("dlq list --json", &code));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["docnum"], Docnum(799002));
  const std::string reason = rows[0]["reason"];
  EXPECT_NE(reason.find("INVALID_CODE_VALUE"), std::string::npos) << reason;
  EXPECT_NE(reason.find("countryCode"), std::string::npos) << reason;
}

// Contact persons alone, linked to their account by its external id.
constexpr const char* kContactsBundle = R"(flow: contacts
match: { message_type: DEBMAS }
target: { connector: sap_sales_cloud }
records:
  - name: contact_person
    object: contactPersons
    for_each: E1KNA1M/E1KNVKM
    external_id: strip_zeros(PARNR)
    key_field: externalId
    fields:
      familyName: NAME1
    links:
      accountId:
        object: accounts
        key_field: externalId
        external_id: strip_zeros(../KUNNR)
)";

TEST_F(SapSalesCloudTest, AContactWhoseAccountIsNotThereYetWaitsForItAndIsThenLinked) {
  Start(kContactsBundle);
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  // Retried, not dead-lettered, while the account is missing.
  ASSERT_TRUE(WaitUntil([&] { return Stats()["by_status"].value("200", 0) >= 3; }, 20s)) << sim_.Log();
  EXPECT_TRUE(Find("contactPersons", "31001").is_null());
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  EXPECT_NE(ReadFile(p().dir().path() / "controlplane.log").find("the linked entity is not there yet"),
            std::string::npos);
  // The account arrives (another flow, another system): the contact follows.
  sim_.Control("seed", {{"vendor", "sap_sales_cloud"},
                        {"object", "accounts"},
                        {"fields", {{"externalId", "100001"}, {"formattedName", "Nordwind"}}}});
  ASSERT_TRUE(WaitUntil([&] { return !Find("contactPersons", "31001").is_null(); }, 20s)) << sim_.Log();
  EXPECT_EQ(Find("contactPersons", "31001")["fields"]["accountId"], Account("100001")["id"]);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SapSalesCloudTest, UpdatesToOneAccountApplyInOrderUnderConcurrency) {
  Start(kSapSalesCloudPlainBundle);
  ASSERT_TRUE(PostInterleavedChanges(p(), 799100, 799100, 4, 6));
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 30s));
  for (int customer = 1; customer <= 4; ++customer) {
    EXPECT_TRUE(ChangesInOrder(Account("79910" + std::to_string(customer)), "formattedName", 6));
  }
}

}  // namespace
}  // namespace ferry::testing
