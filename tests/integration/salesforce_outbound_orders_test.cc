// A Salesforce opportunity won, announced the way a Salesforce admin sets
// it up without code: ferry-crm-sim sends an Outbound Message (SOAP, with
// the org's id, to a URL holding the channel's token) when the opportunity
// is updated to Closed Won through the REST API. The control plane commits
// it, acknowledges it (<Ack>true</Ack>), reads the opportunity whole with
// its account and line items through the Salesforce API (SOQL), and sends
// it down; the agent makes one S/4 sales order and its number is written
// back. The same through a Flow's HTTP callout (JSON naming the record,
// with the Named Credential's bearer token and client certificate). Real
// processes throughout: curl for Salesforce's REST API, TLS from the
// fleet's CA for the listener.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/down_pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/shell.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kOrg = "00D000000000001AAA";
constexpr const char* kToken = "0utb0und-t0ken-0f-the-channel-32";
constexpr const char* kQuery =
    "SELECT Id, StageName, CurrencyIsoCode, Account.SAP_Customer_Number__c, (SELECT Quantity, "
    "Product2.SAP_Material_Number__c, Product2.QuantityUnitOfMeasure FROM OpportunityLineItems) FROM Opportunity";

class SalesforceOutboundOrdersTest : public DownPipelineTest {
 protected:
  void SetUp() override {
    StartS4("metrics:\n  listen: 127.0.0.1:" + std::to_string(metrics_port_) + "\n");
    token_file_ = SecretFile("outbound.token", kToken);
    // Two channels: one reads opportunities with their items, the other
    // with a child relationship Salesforce does not have.
    // A third pins the org's client certificate ("Send Client Certificate").
    org_certificate_ = SelfSignedCertificate("org");
    SetInboundChannels(
        Channel("salesforce-won", kQuery) +
        Channel("salesforce-bad", "SELECT Id, (SELECT Id FROM NoSuchChildren) FROM Opportunity") +
        Channel("salesforce-pinned", kQuery, "      client_certificate_file: " + org_certificate_ + "\n") +
        // A Flow's HTTP callout, through a Named Credential that presents
        // the org's certificate.
        Channel("salesforce-flow", kQuery, "      client_certificate_file: " + org_certificate_ + "\n",
                "salesforce_flow_callout"));
    const std::string connector = SalesforceConnector();
    StartPipeline(connector, "flow: won-orders\nextends: opportunity-salesorder-s4\n");
    token_ = Token();
  }

  std::string Channel(const std::string& name, const std::string& query, const std::string& more = "",
                      const std::string& kind = "salesforce_outbound_message") {
    return "    - name: " + name + "\n      kind: " + kind + "\n      crm: salesforce\n      organization_id: " + kOrg +
           "\n      token_file: " + token_file_ + "\n      read:\n        Opportunity: \"" + query +
           "\"\n      agents: { sap: S4P }\n" + more;
  }
  // A self-signed certificate as Salesforce makes one in Setup ("Create
  // Self-Signed Certificate"): <name>.crt and <name>.key; the .crt's path.
  std::string SelfSignedCertificate(const std::string& name) {
    const std::string base = (dir_.path() / name).string();
    const ShellRun made = RunShell("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + name +
                                   "' -keyout " + base + ".key -out " + base + ".crt 2>&1");
    EXPECT_EQ(made.exit_code, 0) << made.out;
    return base + ".crt";
  }

  // What a Salesforce admin's Flow does: an Outbound Message on the
  // opportunity once it is updated to Closed Won.
  // `certificate`: the one it sends ("Send Client Certificate"), if any.
  void RegisterOutboundMessage(const std::string& channel, const std::string& token = kToken,
                               const std::string& certificate = "") {
    json action = {{"object", "Opportunity"},
                   {"field", "StageName"},
                   {"equals", "Closed Won"},
                   {"fields", {"Id", "Name", "StageName"}},
                   {"endpoint_url", InboundUrl(channel) + "?token=" + token},
                   {"organization_id", kOrg},
                   {"ca_file", CaFile()},
                   {"retry_initial_ms", 200},
                   {"retry_max_ms", 1000}};
    if (!certificate.empty()) {
      action["client_cert_file"] = certificate;
      action["client_key_file"] = certificate.substr(0, certificate.size() - 4) + ".key";
    }
    sim().Control("salesforce/outbound_messages", action);
  }

  // What a Salesforce admin's record-triggered flow does on its
  // asynchronous path: an HTTP Callout action through a Named Credential
  // whose External Credential sends `Authorization: Bearer <token>` and,
  // with `certificate`, presents that client certificate.
  void RegisterFlowCallout(const std::string& token, const std::string& certificate = "") {
    json callout = {{"object", "Opportunity"}, {"field", "StageName"},
                    {"equals", "Closed Won"},  {"endpoint_url", InboundUrl("salesforce-flow")},
                    {"organization_id", kOrg}, {"headers", {{"Authorization", "Bearer " + token}}},
                    {"ca_file", CaFile()},     {"retry_initial_ms", 200},
                    {"retry_max_ms", 1000}};
    if (!certificate.empty()) {
      callout["client_cert_file"] = certificate;
      callout["client_key_file"] = certificate.substr(0, certificate.size() - 4) + ".key";
    }
    sim().Control("salesforce/flow_callouts", callout);
  }
  json FlowCallouts() { return sim().Records("salesforce", "flow_callouts"); }

  std::string Token() {
    const json answer = json::parse(Curl("-d grant_type=client_credentials -d client_id=ferry-sf -d client_secret=" +
                                         std::string(kSalesforceSecret) + " " + sim().url() + "/services/oauth2/token")
                                        .body);
    return answer.value("access_token", "");
  }
  // A Salesforce REST call as a user's browser or an API client makes it.
  json Rest(const std::string& method, const std::string& path, const json& body) {
    const auto file = dir_.path() / "rest.json";
    WriteFile(file, body.dump());
    const std::string out = Curl("-X " + method + " -H 'Authorization: Bearer " + token_ +
                                 "' -H 'Content-Type: application/json' --data-binary @" + file.string() + " '" +
                                 sim().url() + "/services/data/v62.0/" + path + "'")
                                .body;
    return out.empty() ? json() : json::parse(out, nullptr, false);
  }
  std::string Create(const std::string& object, const json& fields) {
    const json answer = Rest("POST", "sobjects/" + object, fields);
    EXPECT_TRUE(answer.is_object() && answer.value("success", false)) << object << ": " << answer.dump();
    return answer.is_object() ? answer.value("id", "") : "";
  }
  // An account SAP knows, two products and an opportunity with two line
  // items, still open.
  std::string MakeOpportunity() {
    const std::string account = Create("Account", {{"Name", "Nordwind"}, {"SAP_Customer_Number__c", "100001"}});
    const std::string pump =
        Create("Product2", {{"Name", "Pump"}, {"SAP_Material_Number__c", "TG11"}, {"QuantityUnitOfMeasure", "PC"}});
    const std::string valve = Create("Product2", {{"Name", "Valve"}, {"SAP_Material_Number__c", "TG12"}});
    const std::string opportunity = Create("Opportunity", {{"Name", "Nordwind pumps 2027"},
                                                           {"StageName", "Prospecting"},
                                                           {"CloseDate", "2026-12-04"},
                                                           {"CurrencyIsoCode", "EUR"},
                                                           {"AccountId", account}});
    Create("OpportunityLineItem", {{"OpportunityId", opportunity}, {"Product2Id", pump}, {"Quantity", 2.0}});
    Create("OpportunityLineItem", {{"OpportunityId", opportunity}, {"Product2Id", valve}, {"Quantity", 1.5}});
    return opportunity;
  }
  void Win(const std::string& opportunity) {
    Rest("PATCH", "sobjects/Opportunity/" + opportunity, {{"StageName", "Closed Won"}});
  }

  std::vector<json> Orders(const std::string& opportunity) { return OrdersFor(opportunity); }
  json Opportunity(const std::string& id) {
    for (const json& record : sim().Records("salesforce", "Opportunity")) {
      if (record["id"] == id) return record;
    }
    return json::object({{"fields", json::object()}});
  }
  bool HasOrderNumber(const std::string& id) {
    return !Opportunity(id)["fields"].value("SAP_Sales_Order__c", json()).is_null();
  }
  json OutboundMessages() { return sim().Records("salesforce", "outbound_messages"); }

  void TearDown() override {
    if (HasFailure()) std::cerr << "outbound messages: " << OutboundMessages().dump() << "\n";
    DownPipelineTest::TearDown();
  }

  int metrics_port_ = FreeTcpPort();
  std::string org_certificate_;
  std::string token_file_;
  std::string token_;
};

TEST_F(SalesforceOutboundOrdersTest, AnOpportunityWonInSalesforceIsReadWholeAndBecomesOneOrder) {
  RegisterOutboundMessage("salesforce-won");
  const std::string opportunity = MakeOpportunity();
  ASSERT_EQ(opportunity.size(), 18u);
  Win(opportunity);

  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(opportunity); }, 60s)) << Opportunity(opportunity).dump();
  const std::vector<json> orders = Orders(opportunity);
  ASSERT_EQ(orders.size(), 1u);
  const json& order = orders[0]["fields"];
  EXPECT_EQ(Opportunity(opportunity)["fields"]["SAP_Sales_Order__c"], order["SalesOrder"]);
  // What the message did not carry came from the read: the account's
  // customer number and the line items with their products.
  EXPECT_EQ(order["SoldToParty"], "100001");
  EXPECT_EQ(order["TransactionCurrency"], "EUR");
  ASSERT_EQ(order["to_Item"].size(), 2u) << order.dump();
  EXPECT_EQ(order["to_Item"][0]["Material"], "TG11");
  EXPECT_EQ(order["to_Item"][1]["Material"], "TG12");
  EXPECT_EQ(order["to_Item"][1]["RequestedQuantity"], "1.5");
  EXPECT_EQ(order["to_Item"][1]["RequestedQuantityUnit"], "PC");

  // Salesforce got its acknowledgement at the first attempt.
  const json sent = OutboundMessages();
  ASSERT_EQ(sent.size(), 1u) << sent.dump();
  EXPECT_EQ(sent[0]["delivered"], 1);
  EXPECT_EQ(sent[0]["attempts"], 1);
  EXPECT_EQ(sent[0]["queued"], 0);
  EXPECT_EQ(json::parse(p().RunControlPlaneCli("down list --json")).size(), 0u);

  // The agent's figures for the way down.
  std::string metrics;
  ASSERT_TRUE(WaitUntil(
      [&] {
        const HttpResponse r = HttpRequest("GET", metrics_port_, "/metrics", "", {}, std::chrono::milliseconds(2000));
        metrics = r.status == 200 ? r.body : "";
        return metrics.find("ferry_agent_down_records_total{outcome=\"created\"} 1\n") != std::string::npos;
      },
      10s))
      << metrics;
  EXPECT_NE(metrics.find("ferry_agent_down_commands 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("ferry_agent_down_records_total{outcome=\"refused\"} 0\n"), std::string::npos) << metrics;
}

TEST_F(SalesforceOutboundOrdersTest, AWrongTokenIsRefusedUntilTheChannelsTokenMatchesThenOneOrder) {
  RegisterOutboundMessage("salesforce-won", "not-the-token");
  const std::string opportunity = MakeOpportunity();
  Win(opportunity);
  // Salesforce keeps sending it; each attempt is answered 401.
  ASSERT_TRUE(WaitUntil([&] { return OutboundMessages()[0].value("attempts", 0) >= 2; }, 30s));
  EXPECT_EQ(OutboundMessages()[0]["delivered"], 0);
  EXPECT_NE(OutboundMessages()[0].value("last_error", "").find("401"), std::string::npos) << OutboundMessages().dump();
  EXPECT_EQ(Orders(opportunity).size(), 0u);
  // The operator gives the channel the token the URL holds: read at the
  // next request, no restart.
  WriteFile(token_file_, "not-the-token\n");
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(opportunity); }, 60s)) << Opportunity(opportunity).dump();
  EXPECT_EQ(Orders(opportunity).size(), 1u);
  EXPECT_EQ(OutboundMessages()[0]["delivered"], 1);
}

TEST_F(SalesforceOutboundOrdersTest, APinnedChannelTakesOnlyTheOrgsClientCertificateNotJustItsToken) {
  // Three actions on the same opportunity: without a certificate, with
  // another one, and with the org's. The token is right in all three.
  RegisterOutboundMessage("salesforce-pinned");
  RegisterOutboundMessage("salesforce-pinned", kToken, SelfSignedCertificate("stranger"));
  RegisterOutboundMessage("salesforce-pinned", kToken, org_certificate_);
  const std::string opportunity = MakeOpportunity();
  Win(opportunity);

  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(opportunity); }, 60s)) << Opportunity(opportunity).dump();
  EXPECT_EQ(Orders(opportunity).size(), 1u);
  EXPECT_EQ(OutboundMessages()[2]["delivered"], 1) << OutboundMessages().dump();
  ASSERT_TRUE(WaitUntil(
      [&] {
        return OutboundMessages()[0].value("attempts", 0) >= 2 && OutboundMessages()[1].value("attempts", 0) >= 2;
      },
      30s));
  for (int refused : {0, 1}) {
    EXPECT_EQ(OutboundMessages()[refused]["delivered"], 0) << OutboundMessages().dump();
    EXPECT_NE(OutboundMessages()[refused].value("last_error", "").find("401"), std::string::npos)
        << OutboundMessages().dump();
  }
  // Nor does a client that writes the org's fingerprint into the header the
  // listener hands channels the certificate in: it is replaced.
  const ShellRun fingerprint = RunShell("openssl x509 -in " + org_certificate_ +
                                        " -noout -fingerprint -sha256 | cut -d= -f2 | tr -d ':\n' | "
                                        "tr 'A-F' 'a-f'");
  ASSERT_EQ(fingerprint.out.size(), 64u) << fingerprint.out;
  const CurlAnswer forged = Curl(
      "--cacert " + CaFile() + " -H 'Content-Type: text/xml' -H 'Ferry-Client-Certificate-Sha256: " + fingerprint.out +
      "' -d '<not-soap/>' '" + InboundUrl("salesforce-pinned") + "?token=" + kToken + "'");
  EXPECT_EQ(forged.status, 401) << forged.body;
  // A client that resumes its TLS session on a new connection (as HTTP
  // clients do) is served on the second connection too.
  const ShellRun resumed = RunShell("openssl s_client -connect 127.0.0.1:" + std::to_string(inbound_port_) +
                                    " -CAfile " + CaFile() + " -tls1_2 -reconnect < /dev/null 2>&1");
  EXPECT_NE(resumed.out.find("Reused, TLSv1.2"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("alert"), std::string::npos) << "a resumed session must not fail: " << resumed.out;
  const std::string log = ReadFile(p().dir().path() / "controlplane.log");
  EXPECT_NE(log.find("no client certificate was presented"), std::string::npos);
  EXPECT_NE(log.find("is not the channel's"), std::string::npos);
}

TEST_F(SalesforceOutboundOrdersTest, ReadsSalesforceCannotServeWaitAndACrashedControlPlaneReadsAfterItsRestart) {
  // The query resource fails for a while: the command waits, committed.
  sim().Control(
      "faults",
      {{"vendor", "salesforce"}, {"status", 503}, {"count", 1000}, {"method", "GET"}, {"path_contains", "/query"}});
  RegisterOutboundMessage("salesforce-won");
  const std::string opportunity = MakeOpportunity();
  Win(opportunity);
  ASSERT_TRUE(WaitUntil([&] { return OutboundMessages()[0].value("delivered", 0) == 1; }, 30s))
      << OutboundMessages().dump();
  json waiting = json::parse(p().RunControlPlaneCli("down list --json"));
  ASSERT_EQ(waiting.size(), 1u) << waiting.dump();
  EXPECT_EQ(waiting[0]["waiting_for"], "read");
  EXPECT_EQ(waiting[0]["record_id"], opportunity);
  // kill -9 while it waits for its read; Salesforce answers again after
  // the restart.
  p().controlplane().Kill9();
  sim().Control("clear-faults", {{"vendor", "salesforce"}});
  p().StartControlPlane();
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(opportunity); }, 60s)) << Opportunity(opportunity).dump();
  EXPECT_EQ(Orders(opportunity).size(), 1u);
  EXPECT_EQ(OutboundMessages()[0]["delivered"], 1) << "acknowledged once, before the read";
}

TEST_F(SalesforceOutboundOrdersTest, AReadSalesforceRefusesIsADeadLetterWithItsMessage) {
  RegisterOutboundMessage("salesforce-bad");
  const std::string opportunity = MakeOpportunity();
  Win(opportunity);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1; }, 30s));
  const std::string list = p().RunControlPlaneCli("dlq list --json");
  EXPECT_NE(list.find("INVALID_TYPE"), std::string::npos) << list;
  const json dead = json::parse(list);
  ASSERT_EQ(dead.size(), 1u) << list;
  EXPECT_EQ(dead[0]["direction"], "down");
  EXPECT_EQ(dead[0]["document_type"], "Opportunity");
  EXPECT_EQ(dead[0]["document_id"], opportunity);
  const std::string table = p().RunControlPlaneCli("dlq list");
  EXPECT_NE(table.find(" down  "), std::string::npos) << table;
  EXPECT_NE(table.find(opportunity), std::string::npos) << table;
  EXPECT_EQ(Orders(opportunity).size(), 0u);
  EXPECT_EQ(json::parse(p().RunControlPlaneCli("down list --json")).size(), 0u);
}

TEST_F(SalesforceOutboundOrdersTest, AnOpportunityWithMoreLinesThanOneAnswerHoldsIsNotOrderedWithLinesMissing) {
  // Salesforce pages a subquery's rows: the first answer says done: false.
  sim().Control("config", {{"vendor", "salesforce"}, {"subquery_batch", 1}});
  RegisterOutboundMessage("salesforce-won");
  const std::string opportunity = MakeOpportunity();  // two line items
  Win(opportunity);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1; }, 30s));
  const std::string list = p().RunControlPlaneCli("dlq list --json");
  EXPECT_NE(list.find("OpportunityLineItems has more rows than one answer holds"), std::string::npos) << list;
  EXPECT_EQ(Orders(opportunity).size(), 0u);
}

TEST_F(SalesforceOutboundOrdersTest, AFlowsHttpCalloutOfAWonOpportunityIsReadWholeAndBecomesOneOrder) {
  RegisterFlowCallout(kToken, org_certificate_);
  const std::string opportunity = MakeOpportunity();
  Win(opportunity);

  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(opportunity); }, 60s)) << Opportunity(opportunity).dump();
  const std::vector<json> orders = Orders(opportunity);
  ASSERT_EQ(orders.size(), 1u);
  const json& order = orders[0]["fields"];
  EXPECT_EQ(Opportunity(opportunity)["fields"]["SAP_Sales_Order__c"], order["SalesOrder"]);
  // The callout carried only the record's id: the rest came from the read.
  EXPECT_EQ(order["SoldToParty"], "100001");
  ASSERT_EQ(order["to_Item"].size(), 2u) << order.dump();
  EXPECT_EQ(order["to_Item"][1]["RequestedQuantity"], "1.5");
  const json callouts = FlowCallouts();
  ASSERT_EQ(callouts.size(), 1u) << callouts.dump();
  EXPECT_EQ(callouts[0]["delivered"], 1);
  EXPECT_EQ(callouts[0]["attempts"], 1);
  EXPECT_TRUE(OutboundMessages().empty()) << "the two kinds are listed apart";
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SalesforceOutboundOrdersTest, AFlowCalloutNeedsBothTheTokenAndTheOrgsCertificateAndOnceMendedMakesOneOrder) {
  // The right token without the certificate, and the certificate with a
  // token the channel does not have: both refused, nothing committed.
  RegisterFlowCallout(kToken);
  RegisterFlowCallout("a-token-the-admin-mistyped", org_certificate_);
  const std::string opportunity = MakeOpportunity();
  Win(opportunity);
  ASSERT_TRUE(WaitUntil(
      [&] { return FlowCallouts()[0].value("attempts", 0) >= 2 && FlowCallouts()[1].value("attempts", 0) >= 2; }, 30s));
  for (int refused : {0, 1}) {
    EXPECT_EQ(FlowCallouts()[refused]["delivered"], 0) << FlowCallouts().dump();
    EXPECT_EQ(FlowCallouts()[refused].value("last_error", ""), "HTTP 401") << FlowCallouts().dump();
  }
  EXPECT_TRUE(Orders(opportunity).empty());
  EXPECT_EQ(json::parse(p().RunControlPlaneCli("down list --json")).size(), 0u);

  // The operator writes the token the Named Credential has: read at the
  // next request. The callout with the certificate goes through, once.
  WriteFile(token_file_, "a-token-the-admin-mistyped\n");
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(opportunity); }, 60s)) << Opportunity(opportunity).dump();
  EXPECT_EQ(Orders(opportunity).size(), 1u);
  EXPECT_EQ(FlowCallouts()[1]["delivered"], 1);
  EXPECT_EQ(FlowCallouts()[0]["delivered"], 0) << "still no certificate";
  const std::string log = ReadFile(p().dir().path() / "controlplane.log");
  EXPECT_EQ(log.find("a-token-the-admin-mistyped"), std::string::npos) << "tokens are never logged";
}

}  // namespace
}  // namespace ferry::testing
