// CRM records down to SAP (docs/down.md) with real processes: a won
// Salesforce opportunity is posted to the control plane's inbound signed
// webhook over TLS, goes down the tunnel to the agent that serves the S/4
// system (by label), becomes an S/4 sales order in ferry-s4-sim through the
// standard flow opportunity-salesorder-s4 (CSRF handshake, deep insert),
// and SAP's order number is written back to the opportunity in
// ferry-crm-sim. Sent twice, or run again after a kill -9, it makes one
// order; a sold-to party SAP does not know is written back as SAP's
// message and dead-lettered with it.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/crypto/webhook_signature.h"
#include "common/util/clock.h"
#include "tests/integration/down_pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/ports.h"
#include "tests/support/shell.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kOpportunity = "0065g00000FERRYAAA";
constexpr const char* kInboundSecret = "inbound-orders-secret";

class DownOrdersTest : public DownPipelineTest {
 protected:
  void SetUp() override {
    StartS4();
    SetInboundChannels(
        "    - name: salesforce-orders\n      kind: webhook\n      crm: salesforce\n      secret_file: " +
        SecretFile("inbound.secret", kInboundSecret) + "\n      agents: { sap: S4P }\n");
    const std::string connector = SalesforceConnector();
    sim().Control("seed", {{"vendor", "salesforce"},
                           {"object", "Opportunity"},
                           {"id", kOpportunity},
                           {"fields", {{"Name", "Nordwind pumps 2027"}, {"StageName", "Closed Won"}}}});
    StartPipeline(connector, "flow: won-orders\nextends: opportunity-salesorder-s4\n");
  }

  // The opportunity as Salesforce's notification carries it.
  static std::string Record(const std::string& sold_to = "100001") {
    json record =
        json::parse(ReadFile(std::filesystem::path(FERRY_FIXTURE_DIR) / "crm/salesforce_opportunity_won.json"));
    record["Account"]["SAP_Customer_Number__c"] = sold_to;
    return record.dump();
  }

  // POSTs `body` to the channel over TLS (the fleet's CA), signed with
  // `secret` unless it is empty.
  CurlAnswer Notify(const std::string& body, const std::string& secret = kInboundSecret,
                    const std::string& channel = "salesforce-orders", std::string delivery = "") {
    if (delivery.empty()) delivery = "n-" + std::to_string(++deliveries_);
    const auto file = dir_.path() / "notification.json";
    WriteFile(file, body);
    std::string headers =
        " -H 'Content-Type: application/json' -H 'X-Ferry-Object: Opportunity' -H "
        "'X-Ferry-Record-Id: " +
        std::string(kOpportunity) + "'";
    if (!secret.empty()) {
      const std::string names = std::string("Opportunity\n") + kOpportunity + "\n" + delivery + "\n";
      headers += " -H 'X-Ferry-Signature: " + crypto::SignWebhook(secret, NowUnixMs() / 1000, body, names) + "'";
    }
    headers += " -H 'X-Ferry-Delivery: " + delivery + "'";
    return Curl("--cacert " + CaFile() + headers + " --data-binary @" + file.string() + " '" + InboundUrl(channel) +
                "'");
  }

  // The sales orders S/4 has for the opportunity.
  std::vector<json> Orders() { return OrdersFor(kOpportunity); }
  json Opportunity() {
    for (const json& record : sim().Records("salesforce", "Opportunity")) {
      if (record["id"] == kOpportunity) return record;
    }
    return json::object({{"fields", json::object()}});
  }

  int deliveries_ = 100;
};

TEST_F(DownOrdersTest, AWonOpportunityBecomesOneSalesOrderAndGetsItsNumber) {
  const CurlAnswer answer = Notify(Record(), kInboundSecret, "salesforce-orders", "n-1");
  ASSERT_EQ(answer.status, 202) << answer.body;
  ASSERT_EQ(json::parse(answer.body)["commands"].size(), 1u);

  ASSERT_TRUE(WaitUntil([&] { return !Opportunity()["fields"].value("SAP_Sales_Order__c", json()).is_null(); }, 30s))
      << Opportunity().dump();
  const std::vector<json> orders = Orders();
  ASSERT_EQ(orders.size(), 1u);
  const json& order = orders[0]["fields"];
  EXPECT_EQ(Opportunity()["fields"]["SAP_Sales_Order__c"], order["SalesOrder"]);
  EXPECT_EQ(order["SoldToParty"], "100001");
  EXPECT_EQ(order["SalesOrganization"], "1010");
  ASSERT_EQ(order["to_Item"].size(), 2u);
  EXPECT_EQ(order["to_Item"][0]["Material"], "TG11");
  EXPECT_EQ(order["to_Item"][1]["RequestedQuantity"], "1.5");
  EXPECT_TRUE(Opportunity()["fields"]["SAP_Order_Message__c"].is_null());

  // The same notification again (Salesforce retries): committed once.
  const CurlAnswer again = Notify(Record(), kInboundSecret, "salesforce-orders", "n-1");
  ASSERT_EQ(again.status, 202) << again.body;
  // A second notification of the same opportunity: SAP already has its
  // order, found by its customer reference, so there is still one.
  ASSERT_EQ(Notify(Record(), kInboundSecret, "salesforce-orders", "n-2").status, 202);
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 30s));
  ASSERT_TRUE(WaitUntil([&] { return Opportunity()["_history"].size() >= 3; }, 30s)) << Opportunity().dump();
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Opportunity()["fields"]["SAP_Sales_Order__c"], order["SalesOrder"]);
}

TEST_F(DownOrdersTest, AnEndedSapSessionAndSapDownAndBackStillMakeOneOrder) {
  // The session ends between the agent's token fetch and its post: SAP
  // answers 403 "Required", the agent fetches again and posts once more.
  s4_->Control("config", {{"vendor", "s4"}, {"end_session_before_next_write", true}});
  // Then SAP is down for three posts (a restart, the ICM's 503).
  s4_->Control(
      "faults",
      {{"vendor", "s4"}, {"status", 503}, {"count", 3}, {"method", "POST"}, {"path_contains", "A_SalesOrder"}});
  ASSERT_EQ(Notify(Record()).status, 202);
  ASSERT_TRUE(WaitUntil([&] { return !Opportunity()["fields"].value("SAP_Sales_Order__c", json()).is_null(); }, 60s))
      << Opportunity().dump();
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ(s4_->Stats()["s4"]["writes_refused_csrf"], 1);
  EXPECT_EQ(s4_->Stats()["s4"]["by_status"]["503"], 3);
}

TEST_F(DownOrdersTest, OnlySignedNotificationsOfKnownChannelsAreTaken) {
  EXPECT_EQ(Notify(Record(), "").status, 401);
  EXPECT_EQ(Notify(Record(), "another secret").status, 401);
  EXPECT_EQ(Notify(Record(), kInboundSecret, "no-such-channel").status, 404);
  const CurlAnswer not_json = Notify("{\"Id\":", kInboundSecret);
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(not_json.body.find("not JSON"), std::string::npos) << not_json.body;
  EXPECT_EQ(Notify("[1,2]", kInboundSecret).status, 400);
  EXPECT_EQ(Orders().size(), 0u);
}

TEST_F(DownOrdersTest, SapsRefusalIsWrittenBackDeadLetteredAndOnceFixedReplayedIntoOneOrder) {
  ASSERT_EQ(Notify(Record("100099")).status, 202);
  ASSERT_TRUE(WaitUntil([&] { return !Opportunity()["fields"].value("SAP_Order_Message__c", json()).is_null(); }, 30s))
      << Opportunity().dump();
  EXPECT_EQ(Opportunity()["fields"]["SAP_Order_Message__c"], "Sold-to party 100099 does not exist");
  EXPECT_TRUE(Opportunity()["fields"]["SAP_Sales_Order__c"].is_null());
  EXPECT_EQ(Orders().size(), 0u);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1; }, 30s));
  const std::string list = p().RunControlPlaneCli("dlq list --json");
  EXPECT_NE(list.find("Sold-to party 100099 does not exist"), std::string::npos) << list;

  // Someone creates the customer in SAP and replays the dead letter.
  s4_->Control("seed", {{"vendor", "s4"},
                        {"object", "API_BUSINESS_PARTNER/A_Customer"},
                        {"id", "100099"},
                        {"fields", {{"Customer", "100099"}}}});
  int code = -1;
  const json dead = json::parse(list);
  ASSERT_EQ(dead.size(), 1u) << list;
  EXPECT_EQ(dead[0]["direction"], "down");
  const std::string replayed =
      p().RunControlPlaneCli("dlq replay " + std::to_string(dead[0]["seq"].get<uint64_t>()), &code);
  ASSERT_EQ(code, 0) << replayed;
  ASSERT_TRUE(WaitUntil([&] { return !Opportunity()["fields"].value("SAP_Sales_Order__c", json()).is_null(); }, 30s))
      << Opportunity().dump();
  ASSERT_EQ(Orders().size(), 1u);
  EXPECT_EQ(Opportunity()["fields"]["SAP_Sales_Order__c"], Orders()[0]["fields"]["SalesOrder"]);
  EXPECT_TRUE(Opportunity()["fields"]["SAP_Order_Message__c"].is_null()) << "the message is cleared";
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(DownOrdersTest, AnAgentKilledAfterSapAnsweredMakesNoSecondOrder) {
  p().agent().Kill9();
  ASSERT_EQ(Notify(Record()).status, 202);  // committed at the control plane while the agent is down
  const json waiting = json::parse(p().RunControlPlaneCli("down list --json"));
  ASSERT_EQ(waiting.size(), 1u) << waiting.dump();
  EXPECT_EQ(waiting[0]["direction"], "down");
  EXPECT_EQ(waiting[0]["record_id"], kOpportunity);
  EXPECT_EQ(waiting[0]["channel"], "salesforce-orders");
  // The order exists in SAP already, as if the agent had posted it and died
  // before recording the answer.
  s4_->Control("seed", {{"vendor", "s4"},
                        {"object", "API_SALES_ORDER_SRV/A_SalesOrder"},
                        {"id", "4711"},
                        {"fields", {{"SalesOrder", "4711"}, {"PurchaseOrderByCustomer", kOpportunity}}}});
  p().StartAgent();
  ASSERT_TRUE(WaitUntil([&] { return !Opportunity()["fields"].value("SAP_Sales_Order__c", json()).is_null(); }, 30s))
      << Opportunity().dump();
  EXPECT_EQ(Opportunity()["fields"]["SAP_Sales_Order__c"], "4711");
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ(json::parse(p().RunControlPlaneCli("down list --json")).size(), 0u) << "the agent committed it";
}

TEST_F(DownOrdersTest, WhileSapIsDownTheRecordWaitsAtTheAgentWhereFieldItSeesIt) {
  s4_->Control(
      "faults",
      {{"vendor", "s4"}, {"status", 503}, {"count", 1000}, {"method", "POST"}, {"path_contains", "A_SalesOrder"}});
  ASSERT_EQ(Notify(Record()).status, 202);
  json waiting;
  ASSERT_TRUE(WaitUntil(
      [&] {
        int code = -1;
        const std::string out = p().RunAgentCli("down ls --json", &code);
        waiting = code == 0 ? json::parse(out, nullptr, false) : json();
        return waiting.is_array() && waiting.size() == 1;
      },
      30s))
      << waiting.dump();
  EXPECT_EQ(waiting[0]["direction"], "down");
  EXPECT_EQ(waiting[0]["record_id"], kOpportunity);
  EXPECT_EQ(waiting[0]["waiting_for"], "sap");
  EXPECT_EQ(waiting[0]["channel"], "salesforce-orders");
  const std::string table = p().RunAgentCli("down ls");
  EXPECT_NE(table.find(kOpportunity), std::string::npos) << table;
  EXPECT_NE(table.find(" sap "), std::string::npos) << table;

  s4_->Control("clear-faults", {{"vendor", "s4"}});
  ASSERT_TRUE(WaitUntil([&] { return !Opportunity()["fields"].value("SAP_Sales_Order__c", json()).is_null(); }, 60s))
      << Opportunity().dump();
  EXPECT_EQ(Orders().size(), 1u);
  EXPECT_EQ(json::parse(p().RunAgentCli("down ls --json")).size(), 0u);
}

TEST_F(DownOrdersTest, AnOrderSapMadeWhoseAnswerWasLostIsFoundNotMadeTwice) {
  // SAP creates the order, but the answer never reaches the agent (the
  // gateway's 504 after the backend committed).
  s4_->Control("faults", {{"vendor", "s4"},
                          {"status", 504},
                          {"count", 1},
                          {"method", "POST"},
                          {"path_contains", "A_SalesOrder"},
                          {"after", true}});
  ASSERT_EQ(Notify(Record()).status, 202);
  // The agent waits out the unknown outcome (its timeout and 30 s), looks
  // the order up by the opportunity's id, and finds it.
  ASSERT_TRUE(WaitUntil([&] { return !Opportunity()["fields"].value("SAP_Sales_Order__c", json()).is_null(); }, 90s))
      << Opportunity().dump();
  const std::vector<json> orders = Orders();
  ASSERT_EQ(orders.size(), 1u) << "one order, not two";
  EXPECT_EQ(Opportunity()["fields"]["SAP_Sales_Order__c"], orders[0]["fields"]["SalesOrder"]);
  EXPECT_EQ(s4_->Stats()["s4"]["by_status"]["504"], 1);
  EXPECT_NE(ReadFile(p().dir().path() / "agent.log").find("found=true"), std::string::npos);
}

}  // namespace
}  // namespace ferry::testing
