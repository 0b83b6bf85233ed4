// SAP Sales Cloud and Service Cloud Version 2: the control plane asks for
// the records changed since the newest change it has seen (a
// modified_since_poll channel, with no HTTPS listener at all), or takes the
// tenant's events (sap_cloud_v2_events), reads each
// whole with its account completed by a lookup, and sends it down; the
// agent makes one S/4 document, and its number is written back to the
// record's extension field.
// - A quote won (progressStatus WON) → one sales order
//   (salesquote-salesorder-s4).
// - A case for which a service order is requested → one service order
//   (case-serviceorder-s4).
// - The same quotes announced by the tenant's events (an Autoflow rule's
//   "Send Event Notification", or the quote's Standard Event on every
//   save) to a sap_cloud_v2_events channel instead of polled.
// Real processes throughout: ferry-crm-sim for the tenant, ferry-s4-sim
// for S/4, curl for a user's API calls.

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "tests/integration/down_pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/shell.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPassword = "sales-cloud-secret-do-not-log";

class SalesCloudQuotesTest : public DownPipelineTest {
 protected:
  // The channel's condition. What docs/down.md advises: won quotes, not
  // those Ferry's own user changed last (its write-back of the result), as
  // Ferry logs on with a user of its own (here the OAuth client).
  virtual std::string Filter() const { return "progressStatus eq 'WON' and adminData/updatedBy ne 'oauth-client'"; }
  virtual bool FerryHasItsOwnUser() const { return true; }

  // The polled object, its read query and the flow the bundle extends.
  virtual std::string Object() const { return "salesQuotes"; }
  virtual std::string Read() const {
    return "sales-quote-service/salesQuotes; with account/partyId from account-service/accounts";
  }
  virtual std::string Flow() const { return "salesquote-salesorder-s4"; }

  // How the control plane learns of changes: here by polling, with no
  // listener; `listen` says whether the channel needs one.
  virtual std::string Channel(bool& listen) {
    listen = false;
    return "    - name: sap-cloud-v2\n      kind: modified_since_poll\n      crm: sap_sales_cloud\n"
           "      agents: { sap: S4P }\n      interval: 300ms\n      lookback: 5s\n      page_size: 2\n"
           "      objects:\n        " +
           Object() + ":\n          filter: \"" + Filter() + "\"\n          read: " + Read() + "\n";
  }

  void SetUp() override {
    StartS4();
    bool listen = false;
    const std::string channel = Channel(listen);
    SetInboundChannels(channel, listen);
    sim().Control("config", {{"vendor", "sap_sales_cloud"}, {"password", kPassword}});
    const std::string secret = SecretFile("sap.secret", kPassword);
    const std::string credentials = FerryHasItsOwnUser() ? "    auth: oauth\n    token_url: " + sim().url() +
                                                               "/oauth2/token\n    client_id: ferry-sap\n"
                                                               "    client_secret_file: " +
                                                               secret + "\n"
                                                         : "    user: ferry-sap\n    password_file: " + secret + "\n";
    StartPipeline("  sap_sales_cloud:\n    base_url: " + sim().url() + "\n" + credentials + "    timeout: 5s\n",
                  "flow: sc-v2\nextends: " + Flow() + "\n");
  }

  // A call as a Sales Cloud user or an API client makes it.
  CurlAnswer Api(const std::string& method, const std::string& path, const json& body = nullptr,
                 const std::string& if_match = "") {
    std::string args = "-X " + method + " -u ferry-sap:" + kPassword + " -H 'Accept: application/json'";
    if (!body.is_null()) {
      const auto file = dir_.path() / "api.json";
      WriteFile(file, body.dump());
      args +=
          " -H 'Content-Type: " + std::string(method == "PATCH" ? "application/merge-patch+json" : "application/json") +
          "' --data-binary @" + file.string();
    }
    if (!if_match.empty()) args += " -H 'If-Match: " + if_match + "'";
    return Curl(args + " -D " + (dir_.path() / "headers.txt").string() + " '" + sim().url() + "/sap/c4c/api/v1/" +
                path + "'");
  }
  json Entity(const std::string& path) {
    const CurlAnswer answer = Api("GET", path);
    const json parsed = json::parse(answer.body, nullptr, false);
    return parsed.is_object() ? parsed.value("value", json::object()) : json::object();
  }
  std::string Create(const std::string& path, const json& body) {
    const CurlAnswer answer = Api("POST", path, body);
    EXPECT_EQ(answer.status, 201) << path << ": " << answer.body;
    const json parsed = json::parse(answer.body, nullptr, false);
    const json value = parsed.is_object() ? parsed.value("value", json()) : json();
    return value.is_object() ? value.value("id", "") : "";
  }
  // A change as the user makes it: read for the ETag, then merge-patch.
  void ChangeEntity(const std::string& path, const json& patch) {
    Entity(path);
    const std::string headers = ReadFile(dir_.path() / "headers.txt");
    const size_t at = headers.find("ETag: ");
    ASSERT_NE(at, std::string::npos) << headers;
    const std::string etag = headers.substr(at + 6, headers.find('\r', at) - at - 6);
    const CurlAnswer answer = Api("PATCH", path, patch, etag);
    ASSERT_EQ(answer.status, 200) << answer.body;
  }
  void Change(const std::string& quote, const json& patch) {
    ChangeEntity("sales-quote-service/salesQuotes/" + quote, patch);
  }
  // A customer SAP knows (S/4's 100001, replicated as the account's
  // externalId) and a quote of two products and a text line, in process.
  std::string MakeQuote() {
    if (account_.empty()) {
      account_ = Create("account-service/accounts", {{"formattedName", "Nordwind"}, {"externalId", "100001"}});
    }
    const std::string& account = account_;
    return Create("sales-quote-service/salesQuotes",
                  {{"name", "Nordwind pumps, spring"},
                   {"lifeCycleStatus", "OPEN"},
                   {"progressStatus", "IN_PROCESS"},
                   {"account", {{"partyId", account}, {"partyName", "Nordwind"}}},
                   {"businessTerms", {{"currency", "EUR"}}},
                   {"items",
                    {{{"displayId", "10"},
                      {"typeCode", "PRODUCT"},
                      {"productData", {{"productDisplayId", "TG11"}}},
                      {"totalValues", {{"requestedQuantity", {{"content", 2}, {"uomCode", "EA"}}}}}},
                     {{"displayId", "20"}, {"typeCode", "TEXT"}, {"description", "deliver to gate 4"}},
                     {{"displayId", "30"},
                      {"typeCode", "PRODUCT"},
                      {"productData", {{"productDisplayId", "TG12"}}},
                      {"totalValues", {{"requestedQuantity", {{"content", 1.5}, {"uomCode", "EA"}}}}}}}},
                   {"extensions", json::object()}});
  }
  void Win(const std::string& quote) { Change(quote, {{"progressStatus", "WON"}, {"lifeCycleStatus", "COMPLETED"}}); }
  std::vector<json> SapOrders(std::string quote) {
    quote.erase(std::remove(quote.begin(), quote.end(), '-'), quote.end());
    return OrdersFor(quote);
  }
  json Extensions(const std::string& quote) {
    return Entity("sales-quote-service/salesQuotes/" + quote).value("extensions", json::object());
  }
  bool HasOrderNumber(const std::string& quote) {
    return Extensions(quote).value("FerrySAPOrderNumber", json()).is_string();
  }
  // Requests the tenant has answered: each poll pass makes at least one.
  size_t PollPasses() { return sim().Stats()["sap_sales_cloud"].value("operations", size_t{0}); }
  std::string account_;  // Nordwind, made with the first quote

  size_t AgentLogCount(const std::string& text) {
    const std::string log = ReadFile(p().dir().path() / "agent.log");
    size_t n = 0;
    for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  }

  // A won quote of MakeQuote's: its number reaches the quote, and S/4 has
  // one order of it, with the account's externalId (from the lookup) as
  // sold-to and the product lines only, their quantities as written.
  void ExpectOneOrderFor(const std::string& quote) {
    ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(quote); }, 60s)) << Extensions(quote).dump();
    const std::vector<json> orders = SapOrders(quote);
    ASSERT_EQ(orders.size(), 1u);
    const json& sap = orders[0]["fields"];
    EXPECT_EQ(Extensions(quote)["FerrySAPOrderNumber"], sap["SalesOrder"]);
    EXPECT_EQ(sap["SoldToParty"], "100001");
    EXPECT_EQ(sap["TransactionCurrency"], "EUR");
    ASSERT_EQ(sap["to_Item"].size(), 2u) << sap.dump();
    EXPECT_EQ(sap["to_Item"][0]["Material"], "TG11");
    EXPECT_EQ(sap["to_Item"][0]["RequestedQuantity"], "2");
    EXPECT_EQ(sap["to_Item"][1]["Material"], "TG12");
    EXPECT_EQ(sap["to_Item"][1]["RequestedQuantity"], "1.5");
  }
};

TEST_F(SalesCloudQuotesTest, AWonQuoteBecomesOneSalesOrderWithItsNumberOnTheQuote) {
  const std::string quote = MakeQuote();
  ASSERT_FALSE(quote.empty());
  Win(quote);

  ExpectOneOrderFor(quote);
  if (HasFatalFailure()) return;
  EXPECT_EQ(Entity("sales-quote-service/salesQuotes/" + quote)["adminData"]["updatedBy"], "oauth-client");
  ASSERT_TRUE(WaitUntil([&] { return json::parse(p().RunControlPlaneCli("down list --json")).empty(); }, 30s));
  EXPECT_EQ(AgentLogCount("event=down_created"), 1u) << "Ferry's own change is not listed";
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  const std::string cp_log = ReadFile(p().dir().path() / "controlplane.log");
  EXPECT_EQ(cp_log.find(kPassword), std::string::npos);
  EXPECT_NE(cp_log.find("event=poll_committed"), std::string::npos);
}

// Without the condition on the user (Ferry logs on as the users do), the
// write-back is listed as a change of a won quote.
class SalesCloudQuotesOneUserTest : public SalesCloudQuotesTest {
 protected:
  std::string Filter() const override { return "progressStatus eq 'WON'"; }
  bool FerryHasItsOwnUser() const override { return false; }
};

TEST_F(SalesCloudQuotesOneUserTest, TheWriteBackListedAgainFindsItsOrderAndChangesNothingMore) {
  const std::string quote = MakeQuote();
  ASSERT_FALSE(quote.empty());
  Win(quote);

  ExpectOneOrderFor(quote);
  if (HasFatalFailure()) return;

  // Listed again, it finds its order and writes the same number, which the
  // connector does not send: the quote is not changed again, nothing loops.
  ASSERT_TRUE(WaitUntil([&] { return AgentLogCount("found=true") >= 1; }, 60s));
  ASSERT_TRUE(WaitUntil([&] { return json::parse(p().RunControlPlaneCli("down list --json")).empty(); }, 30s));
  ASSERT_TRUE(WaitUntil([&] { return Drained(); }, 30s));
  const json settled = Entity("sales-quote-service/salesQuotes/" + quote)["adminData"];
  const size_t passes = PollPasses();
  ASSERT_TRUE(WaitUntil([&] { return PollPasses() >= passes + 3; }, 30s));
  EXPECT_EQ(Entity("sales-quote-service/salesQuotes/" + quote)["adminData"], settled);
  EXPECT_EQ(SapOrders(quote).size(), 1u);
  EXPECT_EQ(AgentLogCount("event=down_created"), 2u) << "the won change and the write-back's, no more";
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SalesCloudQuotesTest, AQuoteWonWhileTheControlPlaneIsDownIsFoundAfterItsRestart) {
  const std::string first = MakeQuote();
  Win(first);
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(first); }, 60s));
  p().controlplane().Kill9();
  // Won while nobody asks, and by a clock that runs behind the watermark
  // (a save that commits late): within the lookback, still found.
  const std::string second = MakeQuote();
  sim().Control("config", {{"vendor", "sap_sales_cloud"}, {"clock_skew_ms", -2000}});
  Win(second);
  sim().Control("config", {{"vendor", "sap_sales_cloud"}, {"clock_skew_ms", 0}});
  p().StartControlPlane();
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(second); }, 60s)) << Extensions(second).dump();
  EXPECT_EQ(SapOrders(first).size(), 1u);
  EXPECT_EQ(SapOrders(second).size(), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SalesCloudQuotesTest, AQuoteSapRefusesGetsSapsMessageAndOnceMendedInTheCrmMakesOneOrder) {
  const std::string quote = MakeQuote();
  // A customer S/4 does not know: SAP refuses the order.
  const json quote_now = Entity("sales-quote-service/salesQuotes/" + quote);
  const std::string stranger =
      Create("account-service/accounts", {{"formattedName", "Stranger"}, {"externalId", "999999"}});
  Change(quote, {{"account", {{"partyId", stranger}}}});
  Win(quote);
  ASSERT_TRUE(WaitUntil([&] { return Extensions(quote).value("FerrySAPOrderMessage", json()).is_string(); }, 60s))
      << Extensions(quote).dump();
  EXPECT_TRUE(SapOrders(quote).empty());
  ASSERT_TRUE(WaitUntil([&] { return p().DeadLetterCount() == 1; }, 30s));
  EXPECT_NE(Extensions(quote)["FerrySAPOrderMessage"].get<std::string>().find("999999"), std::string::npos)
      << Extensions(quote).dump();

  // Fixed in the CRM: the account is the one SAP knows. That change is a
  // new one, and it makes the order.
  Change(quote, {{"account", quote_now["account"]}});
  ASSERT_TRUE(WaitUntil([&] { return HasOrderNumber(quote); }, 60s)) << Extensions(quote).dump();
  EXPECT_EQ(SapOrders(quote).size(), 1u);
  EXPECT_TRUE(Extensions(quote).value("FerrySAPOrderMessage", json()).is_null()) << "cleared with the number";
}

// Service Cloud V2: a case a service agent marks for a technician.
class ServiceCloudCasesTest : public SalesCloudQuotesTest {
 protected:
  std::string Object() const override { return "cases"; }
  std::string Read() const override { return "case-service/cases; with account/id from account-service/accounts"; }
  std::string Flow() const override { return "case-serviceorder-s4"; }
  std::string Filter() const override {
    return "extensions/FerryServiceOrderRequested eq true and adminData/updatedBy ne 'oauth-client'";
  }

  std::string MakeCase(const std::string& subject) {
    if (account_.empty()) {
      account_ = Create("account-service/accounts", {{"formattedName", "Nordwind"}, {"externalId", "100001"}});
    }
    return Create("case-service/cases", {{"subject", subject},
                                         {"caseType", "ZSRV"},
                                         {"status", "01"},
                                         {"priority", "2"},
                                         {"account", {{"id", account_}, {"name", "Nordwind"}}},
                                         {"description", {{"content", "It leaks at the seal since Monday."}}},
                                         {"extensions", {{"FerryServiceOrderRequested", false}}}});
  }
  void RequestServiceOrder(const std::string& id) {
    ChangeEntity("case-service/cases/" + id,
                 {{"status", "02"}, {"extensions", {{"FerryServiceOrderRequested", true}}}});
  }
  json CaseExtensions(const std::string& id) {
    return Entity("case-service/cases/" + id).value("extensions", json::object());
  }
  std::vector<json> ServiceOrders(std::string id) {
    id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
    return OrdersFor(id, "API_SERVICE_ORDER_SRV/A_ServiceOrder");
  }
};

TEST_F(ServiceCloudCasesTest, ACaseMarkedForATechnicianBecomesOneServiceOrderWithItsNumberOnTheCase) {
  const std::string open = MakeCase("Pump P-100 leaks at the seal, north hall, line 4");
  const std::string marked = MakeCase("Valve V-7 stuck");
  ASSERT_FALSE(open.empty());
  ASSERT_FALSE(marked.empty());
  RequestServiceOrder(marked);

  ASSERT_TRUE(WaitUntil([&] { return CaseExtensions(marked).value("FerrySAPServiceOrder", json()).is_string(); }, 60s))
      << CaseExtensions(marked).dump();
  const std::vector<json> orders = ServiceOrders(marked);
  ASSERT_EQ(orders.size(), 1u);
  const json& sap = orders[0]["fields"];
  EXPECT_EQ(CaseExtensions(marked)["FerrySAPServiceOrder"], sap["ServiceOrder"]);
  EXPECT_EQ(sap["SoldToParty"], "100001") << "from the account the lookup read";
  EXPECT_EQ(sap["ServiceOrderDescription"], "Valve V-7 stuck");
  ASSERT_EQ(sap["to_Item"].size(), 1u) << sap.dump();
  EXPECT_EQ(sap["to_Item"][0]["Product"], "SRV_01");

  // The case not marked made nothing; marked now, with a subject longer
  // than SAP's 40 characters, it makes its own order, cut to fit.
  EXPECT_TRUE(ServiceOrders(open).empty());
  RequestServiceOrder(open);
  ASSERT_TRUE(WaitUntil([&] { return ServiceOrders(open).size() == 1; }, 60s));
  EXPECT_EQ(ServiceOrders(open)[0]["fields"]["ServiceOrderDescription"], "Pump P-100 leaks at the seal, north hall");
  EXPECT_TRUE(OrdersFor(marked).empty()) << "no sales order for a case";
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

// The same quotes announced by the tenant's events instead: an Autoflow
// rule on the quote ("on update", progressStatus changed to WON) whose
// action is "Send Event Notification" to the control plane's listener,
// through a communication system with Ferry's user and password.
class SalesCloudQuoteEventsTest : public SalesCloudQuotesTest {
 protected:
  static constexpr const char* kEventsPassword = "v2-events-secret-do-not-log";
  static constexpr const char* kEventType = "sap.crm.custom.event.quoteWon";

  std::string Channel(bool& listen) override {
    listen = true;
    events_password_file_ = SecretFile("v2-events.secret", kEventsPassword);
    return "    - name: sap-cloud-v2\n      kind: sap_cloud_v2_events\n      crm: sap_sales_cloud\n"
           "      agents: { sap: S4P }\n      user: ferry-events\n      password_file: " +
           events_password_file_ + "\n      objects:\n        " + Object() + ":\n          types: [" + kEventType +
           "]\n          read: " + Read() + "\n";
  }
  // The Autoflow rule, or (`every_save`) the quote's Standard Event, sent
  // on every save.
  void Subscribe(const std::string& password = kEventsPassword, bool every_save = false) {
    json subscription = {
        {"collection", Object()},  {"type", kEventType},   {"endpoint_url", InboundUrl("sap-cloud-v2")},
        {"user", "ferry-events"},  {"password", password}, {"ca_file", CaFile()},
        {"retry_initial_ms", 200}, {"retry_max_ms", 1000}};
    if (!every_save) {
      subscription["field"] = "progressStatus";
      subscription["equals"] = "WON";
    }
    sim().Control("sap_sales_cloud/events", subscription);
  }
  json Subscription() {
    const json all = sim().Records("sap_sales_cloud", "events");
    return all.is_array() && !all.empty() ? all[0] : json::object();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "events: " << sim().Records("sap_sales_cloud", "events").dump() << "\n";
    SalesCloudQuotesTest::TearDown();
  }
  std::string events_password_file_;
};

TEST_F(SalesCloudQuoteEventsTest, AQuoteWonIsAnnouncedByAnEventAndBecomesOneSalesOrder) {
  Subscribe();
  const std::string quote = MakeQuote();
  ASSERT_FALSE(quote.empty());
  Win(quote);

  ExpectOneOrderFor(quote);
  if (HasFatalFailure()) return;
  EXPECT_EQ(Subscription().value("delivered", 0), 1) << "one event: the save that won the quote";
  EXPECT_EQ(Subscription().value("attempts", 0), 1);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  const std::string cp_log = ReadFile(p().dir().path() / "controlplane.log");
  EXPECT_EQ(cp_log.find(kEventsPassword), std::string::npos);
  EXPECT_EQ(cp_log.find("event=poll_committed"), std::string::npos) << "nothing polls";
}

TEST_F(SalesCloudQuoteEventsTest, AnEventTheControlPlaneMissedWhileKilledIsSentAgainAndMakesOneOrder) {
  Subscribe();
  const std::string quote = MakeQuote();
  p().controlplane().Kill9();
  Win(quote);
  ASSERT_TRUE(WaitUntil([&] { return Subscription().value("attempts", 0) >= 2; }, 30s));
  EXPECT_EQ(Subscription().value("delivered", 0), 0);
  p().StartControlPlane();
  ExpectOneOrderFor(quote);
  EXPECT_EQ(Subscription().value("delivered", 0), 1);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(SalesCloudQuoteEventsTest, AWrongPasswordIsRefusedUntilTheChannelHasItAndNothingIsLost) {
  Subscribe("not-the-password");
  const std::string quote = MakeQuote();
  Win(quote);
  ASSERT_TRUE(WaitUntil([&] { return Subscription().value("attempts", 0) >= 2; }, 30s));
  EXPECT_EQ(Subscription().value("last_error", ""), "HTTP 401");
  EXPECT_TRUE(SapOrders(quote).empty());
  EXPECT_EQ(json::parse(p().RunControlPlaneCli("down list --json")).size(), 0u) << "nothing was committed";

  // The operator writes the password the tenant's communication system
  // has: read at the next request, no restart.
  WriteFile(events_password_file_, "not-the-password\n");
  ExpectOneOrderFor(quote);
  EXPECT_EQ(Subscription().value("delivered", 0), 1);
}

TEST_F(SalesCloudQuoteEventsTest, EverySaveAnnouncedIncludingTheWriteBackStillMakesOneOrder) {
  // A Standard Event: the create, the win and Ferry's own write-back of
  // the number each send one. The create is not for SAP; the write-back
  // finds its order and changes nothing, so no further event follows.
  Subscribe(kEventsPassword, /*every_save=*/true);
  const std::string quote = MakeQuote();
  Win(quote);
  ExpectOneOrderFor(quote);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(WaitUntil([&] { return Subscription().value("delivered", 0) >= 3; }, 30s));
  ASSERT_TRUE(WaitUntil([&] { return AgentLogCount("found=true") >= 1; }, 60s));
  ASSERT_TRUE(WaitUntil([&] { return json::parse(p().RunControlPlaneCli("down list --json")).empty(); }, 30s));
  const json settled = Entity("sales-quote-service/salesQuotes/" + quote)["adminData"];
  EXPECT_EQ(Subscription().value("delivered", 0), 3) << "create, win, write-back: no loop";
  EXPECT_EQ(Subscription().value("queued", 0), 0);
  EXPECT_EQ(Entity("sales-quote-service/salesQuotes/" + quote)["adminData"], settled);
  EXPECT_EQ(SapOrders(quote).size(), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

}  // namespace
}  // namespace ferry::testing
