// A Dynamics 365 sales order submitted, announced the way a Dataverse
// administrator sets it up without code: ferry-crm-sim sends the webhook of
// a service endpoint whose step runs on the Update of salesorder, filtered
// on statecode (the RemoteExecutionContext, with the endpoint's key as
// ?code=). The control plane commits it, reads the order whole through the
// Web API (its customer, currency and lines, by $expand), and sends it
// down; the agent makes one S/4 sales order through salesorder-salesorder-s4
// and its number is written back to the order row by its GUID. Real
// processes throughout: curl for the Web API, TLS from the fleet's CA for
// the listener.

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/integration/down_pipeline.h"
#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/support/crm_sim.h"
#include "tests/support/shell.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kDataverseOrdersSecret = "dv-orders-secret-do-not-log";
constexpr const char* kEnvironment = "3f1e9c2d-6a4b-4d8e-9f7a-5b0c1d2e3f40";  // the simulator's OrganizationId
constexpr const char* kKey = "k3y-0f-the-dataverse-endp0int-32";
constexpr const char* kRead =
    "salesorders?$select=salesorderid,name,statecode"
    "&$expand=customerid_account($select=accountnumber),transactioncurrencyid($select=isocurrencycode),"
    "order_details($select=quantity;$expand=productid($select=productnumber))";

class DataverseOrdersTest : public DownPipelineTest {
 protected:
  // The bundle the agent runs, and what its `down:` section has besides
  // s4_odata.
  virtual std::string Bundle() const { return "flow: d365-orders\nextends: salesorder-salesorder-s4\n"; }
  virtual std::string MoreSapTargets() const { return ""; }

  void SetUp() override {
    StartS4();
    options_.agent_extra_yaml += MoreSapTargets();  // under down:, after s4_odata
    key_file_ = SecretFile("d365.key", kKey);
    SetInboundChannels(
        "    - name: d365-orders\n      kind: dataverse_webhook\n      crm: dataverse\n"
        "      organization_id: " +
        std::string(kEnvironment) + "\n      key_file: " + key_file_ + "\n      read:\n        salesorder: \"" + kRead +
        "\"\n      agents: { sap: S4P }\n");
    sim().Control("config",
                  {{"vendor", "dataverse"}, {"client_id", "ferry-dv"}, {"client_secret", kDataverseOrdersSecret}});
    const std::string connector = "  dataverse:\n    org_url: " + sim().url() + "\n    token_url: " + sim().url() +
                                  "/tenant-1/oauth2/v2.0/token\n    client_id: ferry-dv\n    client_secret_file: " +
                                  SecretFile("dv.secret", kDataverseOrdersSecret) + "\n    timeout: 5s\n";
    StartPipeline(connector, Bundle());
    const json token =
        json::parse(Curl("-d grant_type=client_credentials -d client_id=ferry-dv -d client_secret=" +
                         std::string(kDataverseOrdersSecret) + " --data-urlencode 'scope=" + sim().url() +
                         "/.default' " + sim().url() + "/tenant-1/oauth2/v2.0/token")
                        .body,
                    nullptr, false);
    token_ = token.is_object() ? token.value("access_token", "") : "";
    ASSERT_FALSE(token_.empty()) << token.dump();
  }

  // What the administrator registers with the Plug-in Registration Tool: a
  // web hook with a WebhookKey, and an asynchronous step on the Update of
  // salesorder filtered on statecode.
  void RegisterWebhook(const std::string& key = kKey) {
    sim().Control("dataverse/service_endpoints", {{"url", InboundUrl("d365-orders")},
                                                  {"ca_file", CaFile()},
                                                  {"entity", "salesorder"},
                                                  {"message", "Update"},
                                                  {"filtering_attributes", {"statecode"}},
                                                  {"auth", "webhook_key"},
                                                  {"key", key},
                                                  {"retry_initial_ms", 200},
                                                  {"retry_max_ms", 1000}});
  }

  // A Web API call as a model-driven app or an API client makes it; the
  // row written comes back (Prefer: return=representation).
  json Api(const std::string& method, const std::string& path, const json& body) {
    const auto file = dir_.path() / "api.json";
    WriteFile(file, body.dump());
    const CurlAnswer answer =
        Curl("-X " + method + " -H 'Authorization: Bearer " + token_ +
             "' -H 'OData-MaxVersion: 4.0' -H 'OData-Version: 4.0' -H 'Accept: application/json' -H "
             "'Content-Type: application/json' -H 'Prefer: return=representation' --data-binary @" +
             file.string() + " '" + sim().url() + "/api/data/v9.2/" + path + "'");
    EXPECT_TRUE(answer.status >= 200 && answer.status < 300) << method << " " << path << ": " << answer.body;
    return json::parse(answer.body, nullptr, false);
  }
  std::string Create(const std::string& set, const std::string& id_column, const json& columns) {
    const json row = Api("POST", set, columns);
    return row.is_object() ? row.value(id_column, "") : "";
  }
  // An account SAP knows, the euro, two products and an order of two
  // lines, still active (statecode 0).
  std::string MakeOrder() {
    const std::string account = Create("accounts", "accountid", {{"name", "Nordwind"}, {"accountnumber", "100001"}});
    const std::string euro = Create("transactioncurrencies", "transactioncurrencyid",
                                    {{"currencyname", "Euro"}, {"isocurrencycode", "EUR"}});
    Create("products", "productid", {{"name", "Pump"}, {"productnumber", "TG11"}});
    Create("products", "productid", {{"name", "Valve"}, {"productnumber", "TG12"}});
    const std::string order = Create("salesorders", "salesorderid",
                                     {{"name", "Nordwind pumps, spring"},
                                      {"statecode", 0},
                                      {"customerid_account@odata.bind", "/accounts(" + account + ")"},
                                      {"transactioncurrencyid@odata.bind", "/transactioncurrencies(" + euro + ")"}});
    for (const auto& [product, quantity] : {std::pair{"TG11", 2.0}, std::pair{"TG12", 1.5}}) {
      Create("salesorderdetails", "salesorderdetailid",
             {{"quantity", quantity},
              {"salesorderid@odata.bind", "/salesorders(" + order + ")"},
              {"productid@odata.bind", "/products(productnumber='" + std::string(product) + "')"}});
    }
    return order;
  }
  void Submit(const std::string& order) { Api("PATCH", "salesorders(" + order + ")", {{"statecode", 1}}); }

  // The order as S/4 knows it: PurchaseOrderByCustomer is its GUID
  // without hyphens.
  std::vector<json> SapOrders(std::string order) {
    order.erase(std::remove(order.begin(), order.end(), '-'), order.end());
    return OrdersFor(order);
  }
  json Row(const std::string& order) {
    for (const json& row : sim().Records("dataverse", "salesorders")) {
      if (row["id"] == order) return row;
    }
    return json::object({{"fields", json::object()}});
  }
  bool HasOrderNumber(const std::string& order) {
    return !Row(order)["fields"].value("ferry_sapordernumber", json()).is_null();
  }
  json Endpoints() { return sim().Records("dataverse", "service_endpoints"); }

  void TearDown() override {
    if (HasFailure()) std::cerr << "service endpoints: " << Endpoints().dump() << "\n" << sim().Log() << "\n";
    DownPipelineTest::TearDown();
  }

  std::string key_file_;
  std::string token_;
};

TEST_F(DataverseOrdersTest, ASubmittedOrderIsReadWholeAndBecomesOneSalesOrderWithItsNumberOnTheRow) {
  RegisterWebhook();
  const std::string order = MakeOrder();
  ASSERT_EQ(order.size(), 36u);
  EXPECT_EQ(Endpoints()[0]["queued"], 0) << "made as active: the step did not run";
  Submit(order);

  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(order); }, 60s)) << Row(order).dump();
  const std::vector<json> orders = SapOrders(order);
  ASSERT_EQ(orders.size(), 1u);
  const json& sap = orders[0]["fields"];
  EXPECT_EQ(Row(order)["fields"]["ferry_sapordernumber"], sap["SalesOrder"]);
  EXPECT_TRUE(Row(order)["fields"].value("ferry_sapordermessage", json()).is_null());
  // What the webhook did not carry came from the read: the customer's
  // number, the currency and the lines with their products.
  EXPECT_EQ(sap["SoldToParty"], "100001");
  EXPECT_EQ(sap["TransactionCurrency"], "EUR");
  ASSERT_EQ(sap["to_Item"].size(), 2u) << sap.dump();
  EXPECT_EQ(sap["to_Item"][0]["Material"], "TG11");
  EXPECT_EQ(sap["to_Item"][0]["RequestedQuantity"], "2.0") << "its digits, as Dataverse wrote them";
  EXPECT_EQ(sap["to_Item"][1]["Material"], "TG12");
  EXPECT_EQ(sap["to_Item"][1]["RequestedQuantity"], "1.5");
  // Dataverse's system job succeeded at its first attempt, and the row was
  // written back by its GUID: still one order row.
  const json endpoints = Endpoints();
  EXPECT_EQ(endpoints[0]["delivered"], 1) << endpoints.dump();
  EXPECT_EQ(endpoints[0]["attempts"], 1) << endpoints.dump();
  EXPECT_EQ(sim().Count("dataverse", "salesorders"), 1u);
  EXPECT_EQ(json::parse(p().RunControlPlaneCli("down list --json")).size(), 0u);

  // Fulfilled later: the step runs again (statecode changed), the order is
  // read and sent down, and the flow leaves it alone: no second order, no
  // dead letter.
  Api("PATCH", "salesorders(" + order + ")", {{"statecode", 3}});
  ASSERT_TRUE(WaitUntil(
      [&] { return ReadFile(p().dir().path() / "agent.log").find("event=down_not_for_sap") != std::string::npos; },
      60s));
  EXPECT_EQ(Endpoints()[0]["delivered"], 2);
  EXPECT_EQ(SapOrders(order).size(), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(DataverseOrdersTest, AWrongKeyIsRefusedUntilTheChannelsKeyMatchesThenOneOrder) {
  RegisterWebhook("not-the-key");
  const std::string order = MakeOrder();
  Submit(order);
  // Dataverse runs the job again; each attempt is answered 401.
  ASSERT_TRUE(WaitUntil([&] { return Endpoints()[0].value("attempts", 0) >= 2; }, 30s));
  EXPECT_EQ(Endpoints()[0]["delivered"], 0);
  EXPECT_NE(Endpoints()[0].value("last_error", "").find("401"), std::string::npos) << Endpoints().dump();
  EXPECT_EQ(SapOrders(order).size(), 0u);
  // The key is nowhere in the control plane's log, though the URL held it.
  EXPECT_EQ(ReadFile(p().dir().path() / "controlplane.log").find("not-the-key"), std::string::npos);
  // The operator gives the channel the endpoint's key: read at the next
  // request, no restart.
  WriteFile(key_file_, "not-the-key\n");
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(order); }, 60s)) << Row(order).dump();
  EXPECT_EQ(SapOrders(order).size(), 1u);
  EXPECT_EQ(Endpoints()[0]["delivered"], 1);
}

TEST_F(DataverseOrdersTest, AnOrderWithMoreLinesThanOneAnswerHoldsIsADeadLetterNotAShortOrder) {
  sim().Control("config", {{"vendor", "dataverse"}, {"expand_collection_limit", 1}});
  RegisterWebhook();
  const std::string order = MakeOrder();  // two lines
  Submit(order);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1; }, 30s));
  const std::string list = p().RunControlPlaneCli("dlq list --json");
  EXPECT_NE(list.find("order_details has more rows than one answer holds"), std::string::npos) << list;
  const json dead = json::parse(list);
  ASSERT_EQ(dead.size(), 1u) << list;
  EXPECT_EQ(dead[0]["direction"], "down");
  EXPECT_EQ(dead[0]["document_type"], "salesorder");
  EXPECT_EQ(dead[0]["document_id"], order);
  EXPECT_EQ(SapOrders(order).size(), 0u);
}

TEST_F(DataverseOrdersTest, AnOrderRowDeletedBeforeItsNumberComesBackIsNotMadeAgain) {
  // S/4 is down: the command waits at the agent, read whole already.
  s4_->Control("faults", {{"vendor", "s4"}, {"status", 503}, {"count", 1000}, {"method", "POST"}});
  RegisterWebhook();
  const std::string order = MakeOrder();
  Submit(order);
  ASSERT_TRUE(WaitUntil([&] { return s4_->Stats()["s4"]["by_status"].value("503", 0) >= 1; }, 30s));
  EXPECT_EQ(json::parse(p().RunControlPlaneCli("down list --json")).size(), 0u) << "read and sent down";
  // Someone deletes the order in Dynamics meanwhile; S/4 comes back.
  sim().Control("delete", {{"vendor", "dataverse"}, {"object", "salesorders"}, {"id", order}});
  s4_->Control("clear-faults", {{"vendor", "s4"}});
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1; }, 60s));
  // SAP made the order; its number found no row to go to, and no row was
  // made for it: the write-back only updates.
  EXPECT_EQ(SapOrders(order).size(), 1u);
  EXPECT_EQ(sim().Count("dataverse", "salesorders"), 0u);
  const std::string list = p().RunControlPlaneCli("dlq list --json");
  EXPECT_NE(list.find("0x80040217"), std::string::npos) << list;
  EXPECT_NE(list.find("update only"), std::string::npos) << list;
}

// The same orders into SAP ECC: an ORDERS05 IDoc posted to ECC's IDoc-XML
// inbound (ferry-s4-sim's /sap/bc/idoc_xml), through the standard flow
// salesorder-orders05-ecc.
class DataverseEccOrdersTest : public DataverseOrdersTest {
 protected:
  std::string Bundle() const override { return "flow: d365-ecc\nextends: salesorder-orders05-ecc\n"; }
  std::string MoreSapTargets() const override {
    return "  idoc_xml:\n    url: http://127.0.0.1:" + std::to_string(s4_->port()) +
           "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " +
           (dir_.path() / "s4.password").string() + "\n    timeout: 5s\n";
  }
  json Idocs() { return s4_->Records("s4", "IDOC_ORDERS"); }
  // The order row's writes that carried SAP's message field: the write-back.
  size_t WriteBacks(const std::string& order) {
    size_t n = 0;
    for (const json& write : Row(order).value("_history", json::array())) n += write.contains("ferry_sapordermessage");
    return n;
  }
};

TEST_F(DataverseEccOrdersTest, ASubmittedOrderBecomesOneOrders05IdocInEccAndTheRowHearsSapTookIt) {
  RegisterWebhook();
  const std::string order = MakeOrder();
  Submit(order);
  ASSERT_TRUE(WaitUntil([&] { return WriteBacks(order) == 1; }, 60s)) << Row(order).dump();
  EXPECT_TRUE(Row(order)["fields"].value("ferry_sapordermessage", json()).is_null()) << "SAP took it: no message";
  const json idocs = Idocs();
  ASSERT_EQ(idocs.size(), 1u) << idocs.dump();
  const json& idoc = idocs[0]["fields"];
  EXPECT_EQ(idoc["IDOCTYP"], "ORDERS05");
  EXPECT_EQ(idoc["MESTYP"], "ORDERS");
  EXPECT_EQ(idoc["MANDT"], "100");
  EXPECT_EQ(idoc["SNDPRN"], "FERRY_D365");
  // The segments in ORDERS05's order, with what only the read could give.
  std::vector<std::string> names;
  json sold_to, material;
  for (const json& segment : idoc["segments"]) {
    names.push_back(segment["segment"]);
    if (segment["segment"] == "E1EDKA1") sold_to = segment["fields"];
    if (segment["segment"] == "E1EDP19" && material.is_null()) material = segment["fields"];
  }
  EXPECT_EQ(names, (std::vector<std::string>{"E1EDK01", "E1EDK14", "E1EDK14", "E1EDK14", "E1EDK14", "E1EDKA1",
                                             "E1EDK02", "E1EDP01", "E1EDP19", "E1EDP01", "E1EDP19"}));
  EXPECT_EQ(sold_to["PARTN"], "100001");
  EXPECT_EQ(material["IDTNR"], "TG11");
  EXPECT_EQ(SapOrders(order).size(), 0u) << "not through OData";
}

TEST_F(DataverseEccOrdersTest, EccsOrderConfirmationBringsTheOrderNumberUpToTheRow) {
  // The bundle also confirms orders: ECC's ORDRSP comes up like any IDoc.
  WriteFile(dir_.path() / "bundle" / "ordrsp.yaml", "flow: d365-ordrsp\nextends: ordrsp-salesorder-dataverse\n");
  FlowSetup::DeployAndWait(p(), dir_.path() / "bundle", options_.agent_id);
  RegisterWebhook();
  const std::string order = MakeOrder();
  Submit(order);
  ASSERT_TRUE(WaitUntil([&] { return WriteBacks(order) == 1; }, 60s)) << Row(order).dump();
  EXPECT_FALSE(HasOrderNumber(order)) << "ECC has not posted the order yet: no number";

  // ECC posted the IDoc into order 12345 and confirms it, the customer's
  // purchase order number being the order's GUID as ORDERS05 carried it.
  std::string hex = order;
  hex.erase(std::remove(hex.begin(), hex.end(), '-'), hex.end());
  std::string confirmed = ReadFixture("orders05_ordrsp_ecc_d365.xml");
  ASSERT_NE(confirmed.find("<BELNR>0000012345</BELNR>"), std::string::npos);
  confirmed.replace(confirmed.find("3f6c1b2a8d4e4f7a9b0c1d2e3f4a5b6c"), 32, hex);
  ASSERT_EQ(p().PostIdoc(confirmed).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(order); }, 60s)) << Row(order).dump();
  EXPECT_EQ(Row(order)["fields"]["ferry_sapordernumber"], "12345");
  EXPECT_EQ(sim().Count("dataverse", "salesorders"), 1u) << "written to the row by its GUID, none made";

  // A confirmation of an order a customer placed in SAP itself (its own
  // purchase order number) is no Dynamics 365 order's: nothing is written.
  const std::string own = ReplaceElement(confirmed, "DOCNUM", Docnum(450777));
  std::string customers = own;
  customers.replace(customers.find(hex), 32, "PO-4711");
  ASSERT_EQ(p().PostIdoc(customers).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 30s));
  EXPECT_EQ(sim().Count("dataverse", "salesorders"), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(DataverseEccOrdersTest, AnIdocSapRefusesIsADeadLetterAndItsMessageIsOnTheRow) {
  s4_->Control("faults", {{"vendor", "s4"},
                          {"status", 400},
                          {"count", 1},
                          {"method", "POST"},
                          {"path_contains", "/sap/bc/idoc_xml"},
                          {"message", "Partner profile not available"}});
  RegisterWebhook();
  const std::string order = MakeOrder();
  Submit(order);
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1 && WriteBacks(order) == 1; }, 60s))
      << Row(order).dump();
  const std::string message = Row(order)["fields"].value("ferry_sapordermessage", "");
  EXPECT_NE(message.find("SAP answered 400"), std::string::npos) << message;
  EXPECT_EQ(Idocs().size(), 0u);
  // Once the partner profile is there, the replay makes the one IDoc and
  // clears the message.
  const json dead = json::parse(p().RunControlPlaneCli("dlq list --json"));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0]["direction"], "down");
  int code = -1;
  const std::string replayed =
      p().RunControlPlaneCli("dlq replay " + std::to_string(dead[0]["seq"].get<uint64_t>()), &code);
  ASSERT_EQ(code, 0) << replayed;
  ASSERT_TRUE(WaitUntil([&] { return Idocs().size() == 1 && WriteBacks(order) == 2; }, 60s)) << Row(order).dump();
  EXPECT_TRUE(Row(order)["fields"].value("ferry_sapordermessage", json()).is_null());
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

}  // namespace
}  // namespace ferry::testing
