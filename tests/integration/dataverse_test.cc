// The Dataverse connector end to end: customers mapped at the agent by the
// standard Dataverse flow, upserted by alternate key into ferry-crm-sim's
// Dataverse (docs/protocols.md §B.3) through real processes.

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

constexpr const char* kDataverseSecret = "dv-secret-do-not-log";

constexpr const char* kDataverseStandardBundle =
    "flow: customers\nextends: debmas-account-dataverse\ntarget:\n  connector: dataverse\n";

// Names reach Dataverse unchecked, so Dataverse itself refuses one that is
// too long for the column (a vendor-side validation error).
constexpr const char* kDataversePlainBundle = R"(flow: customers
match: { message_type: DEBMAS }
target: { connector: dataverse }
records:
  - name: account
    object: accounts
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    key_field: accountnumber
    fields:
      name: NAME1
      address1_city: ORT01
)";

class DataverseTest : public CrmPipelineTest {
 protected:
  void Start(const std::string& bundle, const std::string& connector_extra = "") {
    sim_.Control("config", {{"vendor", "dataverse"}, {"client_id", "ferry-dv"}, {"client_secret", kDataverseSecret}});
    StartPipeline("  dataverse:\n    org_url: " + sim_.url() + "\n    token_url: " + sim_.url() +
                      "/tenant-1/oauth2/v2.0/token\n    client_id: ferry-dv\n    client_secret_file: " +
                      SecretFile("dv.secret", kDataverseSecret) + "\n    timeout: 5s\n" + connector_extra,
                  bundle);
  }

  json Account(const std::string& number) { return sim_.Find("dataverse", "accounts", "accountnumber", number); }
  size_t Count(const std::string& set) { return sim_.Count("dataverse", set); }
};

TEST_F(DataverseTest, CreateThenUpdateByAlternateKeyKeepsOneRowAndLinksContacts) {
  Start(kDataverseStandardBundle);
  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("100001").is_null() && Count("contacts") == 1; }, 20s)) << sim().Log();
  const json created = Account("100001");
  const json contact = sim().Records("dataverse", "contacts")[0];
  EXPECT_EQ(contact["fields"]["_parentcustomerid_value"], created["id"]) << contact.dump();

  ASSERT_EQ(p().PostIdoc(ReadFixture("debmas05_customer_change.xml")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Account("100001")["_history"].size() == 2; }, 20s)) << sim().Log();
  EXPECT_EQ(Account("100001")["id"], created["id"]);
  EXPECT_EQ(Count("accounts"), 1u);
  EXPECT_EQ(Count("contacts"), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(DataverseTest, ThrottlingIsHonouredWithoutSendingMeanwhileAndEverythingArrives) {
  Start(kDataversePlainBundle);
  // Three requests per second; beyond that 429 with Retry-After: 2.
  sim().Control("config", {{"vendor", "dataverse"},
                           {"max_per_window", 3},
                           {"window_ms", 1000},
                           {"retry_after_s", 2},
                           {"violation_grace_ms", 300}});
  const auto start = std::chrono::steady_clock::now();
  uint64_t docnum = 780000;
  for (int i = 1; i <= 12; ++i) {
    const std::string kunnr = "0000780" + std::to_string(100 + i);
    ASSERT_EQ(p().PostIdoc(DebmasIdoc(Docnum(++docnum), kunnr, "Kunde " + std::to_string(i), "DE")).status, 200);
  }
  ASSERT_TRUE(WaitUntil([&] { return Count("accounts") == 12 && Drained(); }, 60s)) << sim().Log();
  const json stats = sim().Stats()["dataverse"];
  EXPECT_GE(stats["by_status"].value("429", 0), 1) << stats.dump();
  EXPECT_EQ(stats["throttle_violations"], 0) << "sent again before Retry-After elapsed: " << stats.dump();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s) << "a 429's Retry-After cannot have been honoured";
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(DataverseTest, AnExpiredTokenIsRenewedAndServerErrorsAreRetried) {
  Start(kDataversePlainBundle);
  ASSERT_EQ(p().PostIdoc(DebmasIdoc("0000000000781001", "0000781001", "Vorher", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("781001").is_null(); }, 20s));
  sim().Control("expire-tokens", {{"vendor", "dataverse"}});
  sim().Control("faults", {{"vendor", "dataverse"}, {"status", 503}, {"count", 2}, {"path_contains", "/api/data/"}});
  ASSERT_EQ(p().PostIdoc(DebmasIdoc("0000000000781002", "0000781002", "Nachher", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return !Account("781002").is_null(); }, 20s)) << sim().Log();
  const json stats = sim().Stats()["dataverse"];
  EXPECT_GE(stats["tokens_issued"].get<int>(), 2);
  EXPECT_GE(stats["by_status"].value("503", 0), 2);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(DataverseTest, AValidationErrorDeadLettersThatEventWhileTheRestOfTheBatchIsDelivered) {
  Start(kDataversePlainBundle);
  const std::string too_long(200, 'N');
  std::string packet = DebmasPacket({{"0000000000782001", "0000782001", "DE"},
                                     {"0000000000782002", "0000782002", "DE"},
                                     {"0000000000782003", "0000782003", "DE"}});
  // The middle customer's name is longer than the column (160).
  const size_t second = packet.find("<KUNNR>0000782002</KUNNR>");
  const size_t name = packet.find("<NAME1>", second);
  const size_t end = packet.find("</NAME1>", name);
  packet.replace(name + 7, end - name - 7, too_long);
  ASSERT_EQ(p().PostIdoc(packet).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1 && Count("accounts") == 2; }, 20s)) << sim().Log();
  EXPECT_TRUE(Account("782002").is_null());
  int code = -1;
  const json rows = json::parse(p().RunControlPlaneCli("dlq list --json", &code));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["docnum"], "0000000000782002");
  const std::string reason = rows[0]["reason"];
  EXPECT_NE(reason.find("accounts accountnumber=782002"), std::string::npos) << reason;
  EXPECT_NE(reason.find("0x"), std::string::npos) << "Dataverse's error code is missing: " << reason;
}

TEST_F(DataverseTest, UpdatesToOneAccountApplyInOrderAndSecretsStayOutOfTheLogs) {
  Start(kDataversePlainBundle);
  ASSERT_TRUE(PostInterleavedChanges(p(), 783000, 783000, 4, 6));
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 30s));
  for (int customer = 1; customer <= 4; ++customer) {
    EXPECT_TRUE(ChangesInOrder(Account("78300" + std::to_string(customer)), "name", 6));
  }
  const std::string cp_log = ReadFile(p().dir().path() / "controlplane.log");
  EXPECT_EQ(cp_log.find(kDataverseSecret), std::string::npos);
  EXPECT_EQ(cp_log.find("Bearer"), std::string::npos);
  EXPECT_NE(cp_log.find("event=token_fetched target=dataverse"), std::string::npos);
}

}  // namespace
}  // namespace ferry::testing
