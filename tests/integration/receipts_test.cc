// Receipts to SAP (docs/receipts.md) with real processes: DEBMAS IDocs go
// up through the standard flow to the Salesforce simulator, and SAP (the
// S/4 simulator's IDoc-XML inbound, standing for ECC) gets a STATUS IDoc
// for each: 16 with the Salesforce id in ARCKEY when the CRM took it, 17
// with the reason when it did not. SAP down, and kill -9 of the agent with
// receipts waiting, lose none.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/crm_pipeline.h"
#include "tests/integration/idoc_text.h"
#include "tests/support/crm_sim.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class ReceiptsTest : public CrmPipelineTest {
 protected:
  // More of the receipts section (e.g. its kind).
  virtual std::string MoreReceiptsYaml() const { return ""; }
  void SetUp() override {
    ecc_ = StartS4Sim("ecc");
    options_.agent_extra_yaml = "receipts:\n  url: http://127.0.0.1:" + std::to_string(ecc_->port()) +
                                "\n  insecure: true\n  client: \"100\"\n  user: FERRY_COMM\n  password_file: " +
                                SecretFile("ecc.password", "s4-secret") + "\n  timeout: 5s\n" + MoreReceiptsYaml() +
                                "metrics:\n  listen: 127.0.0.1:" + std::to_string(metrics_port_) + "\n";
    StartPipeline(SalesforceConnector(), "flow: customers\nextends: debmas-account-salesforce\n");
  }

  void Post(uint64_t docnum, const std::string& kunnr, const std::string& country) {
    auto res = p().PostIdoc(DebmasIdoc(Docnum(docnum), kunnr, "Kunde " + kunnr, country));
    ASSERT_EQ(res.status, 200) << res.body;
  }

  // The E1STATS records SAP received, by the IDoc number they are about.
  std::map<std::string, std::vector<json>> Statuses() {
    std::map<std::string, std::vector<json>> out;
    for (const json& idoc : ecc_->Records("s4", "IDOC_STATUS")) {
      const json& f = idoc["fields"];
      EXPECT_EQ(f["IDOCTYP"], "SYSTAT01");
      for (const json& segment : f["segments"]) {
        if (segment["segment"] == "E1STATS")
          out[segment["fields"]["DOCNUM"].get<std::string>()].push_back(segment["fields"]);
      }
    }
    return out;
  }

  // A figure of the agent's /metrics (-1 when it is not there).
  double Metric(const std::string& name) {
    const HttpResponse res = HttpRequest("GET", metrics_port_, "/metrics", "", {});
    const size_t at = res.body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stod(res.body.substr(at + name.size() + 2));
  }

  std::unique_ptr<CrmSim> ecc_;
  int metrics_port_ = FreeTcpPort();
};

TEST_F(ReceiptsTest, SapLearnsWhatTheCrmDidWithEachIdoc) {
  Post(760001, "0000760001", "DE");
  Post(760002, "0000760002", "XI");  // no ISO country: a record error, dead-lettered
  ASSERT_TRUE(WaitUntil([&] { return Statuses().size() == 2; }, 30s)) << ecc_->Records("s4", "IDOC_STATUS").dump();
  auto statuses = Statuses();

  const json& taken = statuses.at(Docnum(760001)).front();
  EXPECT_EQ(taken["STATUS"], "16");
  const json account = sim().Find("salesforce", "Account", "SAP_Customer_Number__c", "760001");
  ASSERT_FALSE(account.is_null());
  EXPECT_EQ(taken["ARCKEY"], account["id"]);  // the Salesforce record, for WE02's "document ID in external system"
  EXPECT_EQ(taken["STATXT"], "Delivered to salesforce");

  const json& refused = statuses.at(Docnum(760002)).front();
  EXPECT_EQ(refused["STATUS"], "17");
  EXPECT_TRUE(refused["STATXT"].get<std::string>().starts_with("Not delivered to salesforce: mapping failed"))
      << refused.dump();
  const std::string reason = refused.value("STAPA1", "") + refused.value("STAPA2", "") + refused.value("STAPA3", "") +
                             refused.value("STAPA4", "");
  EXPECT_NE(reason.find("BillingCountryCode"), std::string::npos) << refused.dump();

  // The way back goes to the IDoc's sender, from its receiver.
  const json idoc = ecc_->Records("s4", "IDOC_STATUS")[0]["fields"];
  EXPECT_EQ(idoc["MESTYP"], "STATUS");
  EXPECT_FALSE(idoc["RCVPRN"].get<std::string>().empty());
  EXPECT_EQ(statuses.at(Docnum(760001)).size(), 1u);
}

TEST_F(ReceiptsTest, ReceiptsWaitForSapAndSurviveKillNine) {
  // SAP's inbound is down: receipts wait in the agent's store.
  ecc_->Control("faults", {{"vendor", "s4"}, {"status", 503}, {"count", 1000}, {"path_contains", "/sap/bc/idoc_xml"}});
  Post(760011, "0000760011", "DE");
  ASSERT_TRUE(WaitUntil(
      [&] { return !sim().Find("salesforce", "Account", "SAP_Customer_Number__c", "760011").is_null(); }, 30s));
  ASSERT_TRUE(WaitUntil([&] { return ecc_->Stats()["s4"]["by_status"].value("503", 0) >= 1; }, 30s));

  // The agent dies with the receipt not yet taken; SAP comes back.
  p().agent().Kill9();
  ecc_->Control("clear-faults", {{"vendor", "s4"}});
  p().StartAgent();
  ASSERT_TRUE(WaitUntil([&] { return Statuses().count(Docnum(760011)) == 1; }, 30s));
  EXPECT_EQ(Statuses().at(Docnum(760011)).front()["STATUS"], "16");
  EXPECT_EQ(Statuses().at(Docnum(760011)).size(), 1u);
}

TEST_F(ReceiptsTest, AReceiptSapRefusesForGoodIsLeftOutAndTheOthersStillGo) {
  ecc_->Control("faults", {{"vendor", "s4"}, {"status", 503}, {"count", 1000}, {"path_contains", "/sap/bc/idoc_xml"}});
  Post(760021, "0000760021", "DE");
  Post(760022, "0000760022", "DE");
  ASSERT_TRUE(WaitUntil([&] { return Metric("ferry_agent_receipts_pending") == 2; }, 30s))
      << Metric("ferry_agent_receipts_pending");

  // SAP is back, but refuses the batch, and then the first receipt alone:
  // that one is left out, the second goes.
  ecc_->Control("clear-faults", {{"vendor", "s4"}});
  ecc_->Control("faults", {{"vendor", "s4"}, {"status", 400}, {"count", 2}, {"path_contains", "/sap/bc/idoc_xml"}});
  ASSERT_TRUE(WaitUntil([&] { return Statuses().count(Docnum(760022)) == 1; }, 60s));
  EXPECT_EQ(Statuses().count(Docnum(760021)), 0u);
  EXPECT_EQ(Metric("ferry_agent_receipts_dropped_total"), 1);
  EXPECT_EQ(Metric("ferry_agent_receipts_pending"), 0);
  EXPECT_EQ(Metric("ferry_agent_receipts_sent_total"), 1);
}

// The ALE audit instead of STATUS IDocs (receipts.kind: audit).
class AuditReceiptsTest : public ReceiptsTest {
 protected:
  std::string MoreReceiptsYaml() const override { return "  kind: audit\n"; }
  // The E1STATE records of the ALEAUD01 IDocs SAP received, by the IDoc
  // number they confirm, each with the OBJKEY of the E1PRTOB after it.
  std::map<std::string, json> Confirmations() {
    std::map<std::string, json> out;
    for (const json& idoc : ecc_->Records("s4", "IDOC_ALEAUD")) {
      const json& f = idoc["fields"];
      EXPECT_EQ(f["IDOCTYP"], "ALEAUD01");
      std::string last;
      for (const json& segment : f["segments"]) {
        if (segment["segment"] == "E1STATE") {
          last = segment["fields"]["DOCNUM"].get<std::string>();
          out[last] = segment["fields"];
        } else if (segment["segment"] == "E1PRTOB" && !last.empty()) {
          out[last]["OBJKEY"] = segment["fields"]["OBJKEY"];
        }
      }
    }
    return out;
  }
};

TEST_F(AuditReceiptsTest, SapGetsAnAleAuditOfWhatTheCrmDidWithEachIdoc) {
  Post(761001, "0000761001", "DE");
  Post(761002, "0000761002", "XI");
  ASSERT_TRUE(WaitUntil([&] { return Confirmations().size() == 2; }, 30s)) << ecc_->Records("s4", "IDOC_ALEAUD").dump();
  auto confirmations = Confirmations();
  const json& taken = confirmations.at(Docnum(761001));
  EXPECT_EQ(taken["STATUS"], "53");
  const json account = sim().Find("salesforce", "Account", "SAP_Customer_Number__c", "761001");
  ASSERT_FALSE(account.is_null());
  EXPECT_EQ(taken["OBJKEY"], account["id"]);
  const json& refused = confirmations.at(Docnum(761002));
  EXPECT_EQ(refused["STATUS"], "51");
  EXPECT_NE(refused.value("STAPA1_LNG", "").find("mapping failed"), std::string::npos) << refused.dump();
  EXPECT_TRUE(ecc_->Records("s4", "IDOC_STATUS").empty()) << "one kind of receipt, not both";
}

}  // namespace
}  // namespace ferry::testing
