// S/4HANA business events (sources.s4_events) with real processes: CloudEvents
// posted as SAP's event brokers deliver them, the entity read from
// ferry-s4-sim, answered only after the commit, and refused with a reason
// when they are not valid events.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "tests/integration/pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kChanged = "sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1";

struct EventsSetup {
  TempDir dir;
  CrmSim s4{dir.path(), FERRY_S4_SIM_BIN, {}};
  int port = FreeTcpPort();
  std::unique_ptr<Pipeline> p;

  EventsSetup() {
    std::ofstream(dir.path() / "s4.password") << "s4-secret\n";
    PipelineOptions options;
    options.sources_extra_yaml =
        "  s4_events:\n    listen: 127.0.0.1:" + std::to_string(port) +
        "\n    path: /sap/events\n    retry_after: 5s\n    allowed_origins: [eventmesh.plant.local]\n"
        "    fetch:\n      url: http://127.0.0.1:" +
        std::to_string(s4.port()) +
        "\n      insecure: true\n      client: \"100\"\n      user: FERRY_COMM\n"
        "      password_file: " +
        (dir.path() / "s4.password").string() +
        "\n      timeout: 3s\n      entities:\n        - type_prefix: sap.s4.beh.businesspartner.v1.BusinessPartner.\n"
        "          service: API_BUSINESS_PARTNER\n          entity_set: A_BusinessPartner\n"
        "          key: [BusinessPartner]\n          expand: [to_Customer, to_BusinessPartnerContact]\n"
        "          lookups:\n            - at: to_BusinessPartnerContact\n"
        "              read: A_BusinessPartner('{BusinessPartnerPerson}')\n              as: to_Person\n"
        "        - type_prefix: sap.s4.beh.productplant.v1.ProductPlant.\n"
        "          service: API_PRODUCT_SRV\n          entity_set: A_ProductPlant\n"
        "          key: [Product, Plant]\n"
        "        - type_prefix: sap.s4.beh.enterpriseproject.v1.EnterpriseProject.\n"
        "          service: API_ENTERPRISE_PROJECT_SRV\n          entity_set: A_EnterpriseProject\n"
        "          key: [ProjectUUID]\n          key_types: [guid]\n"
        "        - type_prefix: sap.s4.beh.salesorder.v1.SalesOrder.\n"
        "          service: API_SALES_ORDER_SRV\n          entity_set: A_SalesOrder\n"
        "          key: [SalesOrder]\n";
    p = std::make_unique<Pipeline>(options);
    p->StartAll();
  }

  void SeedPartner(const std::string& id, const std::string& name) {
    s4.Control("seed", {{"vendor", "s4"},
                        {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"},
                        {"id", id},
                        {"fields",
                         {{"BusinessPartner", id},
                          {"BusinessPartnerFullName", name},
                          {"to_Customer", {{"Customer", id}}},
                          {"to_BusinessPartnerAddress", nlohmann::json::array()}}}});
  }

  HttpResponse Post(const std::string& body, std::map<std::string, std::string> headers = {},
                    const std::string& type = "application/cloudevents+json") {
    headers["Content-Type"] = type;
    return HttpRequest("POST", port, "/sap/events", body, headers);
  }
};

std::string Event(const std::string& id, const std::string& partner, const std::string& type = kChanged) {
  return nlohmann::json{{"type", type},
                        {"specversion", "1.0"},
                        {"source", "/default/sap.s4.beh/S4HCLNT100"},
                        {"id", id},
                        {"time", "2026-12-06T09:10:00Z"},
                        {"datacontenttype", "application/json"},
                        {"data", {{"BusinessPartner", partner}}}}
      .dump();
}

std::vector<nlohmann::json> Delivered(const WebhookSink& sink) {
  std::vector<nlohmann::json> out;
  for (const auto& r : sink.Requests()) {
    if (r.status_sent >= 200 && r.status_sent < 300) out.push_back(nlohmann::json::parse(r.body));
  }
  return out;
}

TEST(S4EventsTest, AnEventIsAnsweredAfterItsEntityIsReadAndCommittedAndOnlyOnce) {
  EventsSetup s;
  s.SeedPartner("1000746", "Nordwind AG");
  auto res = s.Post(Event("1fad4742-0001", "1000746"));
  ASSERT_EQ(res.status, 204) << res.body;
  ASSERT_TRUE(s.p->sink().WaitForAccepted(1, seconds(20)));
  auto delivered = Delivered(s.p->sink());
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]["source"], "s4_events");
  EXPECT_EQ(delivered[0]["s4"]["entity_set"], "A_BusinessPartner");
  EXPECT_EQ(delivered[0]["s4"]["key"], "1000746");
  EXPECT_EQ(delivered[0]["business_key"], "A_BusinessPartner:1000746");
  const auto entity = nlohmann::json::parse(delivered[0]["payload"].get<std::string>());
  EXPECT_EQ(entity["BusinessPartnerFullName"], "Nordwind AG");  // the entity, not the event's key alone
  EXPECT_EQ(entity["to_Customer"]["Customer"], "1000746");

  // The broker redelivers (its answer was lost): 2xx, nothing new.
  EXPECT_EQ(s.Post(Event("1fad4742-0001", "1000746")).status, 204);
  EXPECT_FALSE(s.p->sink().WaitForAccepted(2, milliseconds(1500)));

  // In binary mode, of a type with no entity to read: its data is the event.
  res = s.Post(R"({"Product":"TG11"})",
               {{"ce-id", "p-1"},
                {"ce-source", "/default/sap.s4.beh/S4HCLNT100"},
                {"ce-specversion", "1.0"},
                {"ce-type", "sap.s4.beh.product.v1.Product.Changed.v1"}},
               "application/json");
  ASSERT_EQ(res.status, 204) << res.body;
  ASSERT_TRUE(s.p->sink().WaitForAccepted(2, seconds(20)));
  delivered = Delivered(s.p->sink());
  EXPECT_EQ(delivered[1]["s4"]["entity_set"], "sap.s4.beh.product.v1.Product.Changed.v1");
  EXPECT_EQ(delivered[1]["payload"], R"({"Product":"TG11"})");

  // Source and id of 1,000 characters each: longer than a store key may be,
  // so the event is kept under their hash, and a redelivery still matches.
  auto long_event = nlohmann::json::parse(Event(std::string(1000, 'i'), "1000746"));
  long_event["source"] = "/" + std::string(999, 's');
  ASSERT_EQ(s.Post(long_event.dump()).status, 204);
  ASSERT_TRUE(s.p->sink().WaitForAccepted(3, seconds(20)));
  EXPECT_EQ(s.Post(long_event.dump()).status, 204);
  EXPECT_FALSE(s.p->sink().WaitForAccepted(4, milliseconds(1500)));
}

TEST(S4EventsTest, TheEntityGetsItsLookupsAndAnEventWhoseLookupFailsIsAskedForAgain) {
  EventsSetup s;
  s.s4.Control("seed", {{"vendor", "s4"},
                        {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"},
                        {"id", "2000001"},
                        {"fields", {{"BusinessPartner", "2000001"}, {"FirstName", "Jana"}, {"LastName", "Holm"}}}});
  s.s4.Control("seed",
               {{"vendor", "s4"},
                {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"},
                {"id", "100001"},
                {"fields",
                 {{"BusinessPartner", "100001"},
                  {"to_Customer", {{"Customer", "100001"}}},
                  {"to_BusinessPartnerContact", nlohmann::json::array({{{"BusinessPartnerCompany", "100001"},
                                                                        {"BusinessPartnerPerson", "2000001"},
                                                                        {"RelationshipCategory", "BUR001"}}})}}}});
  // The person cannot be read: the event is not taken, and nothing is stored.
  s.s4.Control("faults", {{"vendor", "s4"}, {"status", 503}, {"count", 1}, {"path_contains", "2000001"}});
  auto res = s.Post(Event("lookup-1", "100001"));
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_NE(res.body.find("A_BusinessPartner('2000001')"), std::string::npos) << res.body;
  EXPECT_FALSE(s.p->sink().WaitForAccepted(1, milliseconds(1000)));

  // The broker delivers it again: now with the person attached.
  res = s.Post(Event("lookup-1", "100001"));
  ASSERT_EQ(res.status, 204) << res.body;
  ASSERT_TRUE(s.p->sink().WaitForAccepted(1, seconds(20)));
  const auto entity = nlohmann::json::parse(Delivered(s.p->sink())[0]["payload"].get<std::string>());
  EXPECT_EQ(entity["to_BusinessPartnerContact"][0]["to_Person"]["LastName"], "Holm");
  EXPECT_FALSE(entity["to_BusinessPartnerContact"][0]["to_Person"].contains("__metadata"));
}

TEST(S4EventsTest, AGuidKeyIsReadWithItsOwnLiteralAndAKeyThatIsNoGuidIsRefused) {
  EventsSetup s;
  const std::string uuid = "0050568f-3a1c-1eda-b5e6-9f1c2d3e4f50";
  s.s4.Control("config",
               {{"vendor", "s4"},
                {"key_types", {{"API_ENTERPRISE_PROJECT_SRV/A_EnterpriseProject", {{"ProjectUUID", "guid"}}}}}});
  s.s4.Control("seed", {{"vendor", "s4"},
                        {"object", "API_ENTERPRISE_PROJECT_SRV/A_EnterpriseProject"},
                        {"id", uuid},
                        {"fields", {{"ProjectUUID", uuid}, {"Project", "P-1"}}}});
  auto event =
      nlohmann::json::parse(Event("project-1", "x", "sap.s4.beh.enterpriseproject.v1.EnterpriseProject.Changed.v1"));
  event["data"] = {{"ProjectUUID", uuid}};
  auto res = s.Post(event.dump());
  ASSERT_EQ(res.status, 204) << res.body;
  ASSERT_TRUE(s.p->sink().WaitForAccepted(1, seconds(20)));
  EXPECT_EQ(nlohmann::json::parse(Delivered(s.p->sink())[0]["payload"].get<std::string>())["Project"], "P-1");

  event["id"] = "project-2";
  event["data"] = {{"ProjectUUID", "1' or '1'='1"}};
  res = s.Post(event.dump());
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_NE(res.body.find("key_types"), std::string::npos) << res.body;
}

TEST(S4EventsTest, SapsOwnEventSampleIsTaken) {
  const std::filesystem::path sample =
      std::filesystem::path(FERRY_FIXTURE_DIR) / "../../../shared/samples" / "s4_event_BusinessPartner_Changed.json";
  if (!std::filesystem::exists(sample)) GTEST_SKIP() << "no " << sample;
  std::ifstream in(sample);
  std::stringstream text;
  text << in.rdbuf();
  EventsSetup s;
  const auto event = nlohmann::json::parse(text.str());
  s.SeedPartner(event["data"]["BusinessPartner"], "From the sample");
  auto res = s.Post(text.str());
  ASSERT_EQ(res.status, 204) << res.body;
  ASSERT_TRUE(s.p->sink().WaitForAccepted(1, seconds(20)));
  EXPECT_EQ(Delivered(s.p->sink())[0]["s4"]["key"], event["data"]["BusinessPartner"]);
}

TEST(S4EventsTest, InvalidEventsAreRefusedWithTheReasonAndNothingIsStored) {
  EventsSetup s;
  auto missing_id = nlohmann::json::parse(Event("x", "1"));
  missing_id.erase("id");
  auto old_version = nlohmann::json::parse(Event("v", "1"));
  old_version["specversion"] = "0.3";
  struct Case {
    std::string body, type, reason;
  } cases[] = {
      {missing_id.dump(), "application/cloudevents+json", "the CloudEvent has no 'id' attribute"},
      {"[" + Event("b", "1") + "]", "application/cloudevents-batch+json", "batched CloudEvents are not accepted"},
      {"{\"id\":", "application/cloudevents+json", "the CloudEvent is not JSON"},
      {old_version.dump(), "application/cloudevents+json", "CloudEvents specversion '0.3' is not 1.0"},
      {Event("t", "1"), "text/plain", "unsupported Content-Type 'text/plain'"},
      {Event("k", ""), "application/cloudevents+json", "the event's data has no usable key field BusinessPartner"},
  };
  for (const Case& c : cases) {
    auto res = s.Post(c.body, {}, c.type);
    EXPECT_EQ(res.status, 400) << c.reason;
    EXPECT_NE(res.body.find(c.reason), std::string::npos) << res.body;
  }
  EXPECT_EQ(s.p->AgentOutboxDepth(), 0u);
}

TEST(S4EventsTest, S4DownIsAnswered503UntilItIsBackAndAGoneEntityIsADeletion) {
  EventsSetup s;
  s.SeedPartner("1000800", "Back later");
  s.s4.Control("faults", {{"vendor", "s4"}, {"status", 503}, {"count", 1000}});
  auto res = s.Post(Event("e-800", "1000800"));
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(res.headers["retry-after"], "5");
  EXPECT_NE(res.body.find("cannot read the entity from S/4: S/4 answered 503"), std::string::npos) << res.body;
  EXPECT_EQ(s.p->AgentOutboxDepth(), 0u);
  s.s4.Control("reset", {{"vendor", "s4"}});
  s.SeedPartner("1000800", "Back later");
  EXPECT_EQ(s.Post(Event("e-800", "1000800")).status, 204);

  // An entity gone by the time its event arrives: stored, marked deleted.
  EXPECT_EQ(s.Post(Event("e-801", "1000801", "sap.s4.beh.businesspartner.v1.BusinessPartner.Deleted.v1")).status, 204);
  ASSERT_TRUE(s.p->sink().WaitForAccepted(2, seconds(20)));
  bool deleted = false;
  for (const auto& d : Delivered(s.p->sink())) deleted |= d["s4"]["key"] == "1000801" && d["s4"]["deleted"] == true;
  EXPECT_TRUE(deleted);
}

TEST(S4EventsTest, A404FromAServiceNotThereIsNoDeletionAndCompositeKeysAreRead) {
  EventsSetup s;
  s.SeedPartner("1000900", "Someone");  // S/4 knows API_BUSINESS_PARTNER only
  // Gateway's hub answers 404 for a service not registered: that says
  // nothing about the order, which must not be reported deleted.
  auto order = nlohmann::json::parse(Event("e-900", "x", "sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1"));
  order["data"] = {{"SalesOrder", "4711"}};
  auto res = s.Post(order.dump());
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_NE(res.body.find("S/4 answered 404 without saying the entity is gone: No service found"), std::string::npos)
      << res.body;
  EXPECT_EQ(s.p->AgentOutboxDepth(), 0u);
  // Nor does a JSON 404 with any other code (a proxy's, an API layer's).
  s.s4.Control(
      "faults",
      {{"vendor", "s4"}, {"status", 404}, {"count", 1}, {"error_code", "NotFound"}, {"path_contains", "('1000900')"}});
  res = s.Post(Event("e-899", "1000900"));
  EXPECT_EQ(res.status, 503) << res.body;
  EXPECT_EQ(s.p->AgentOutboxDepth(), 0u);

  // A composite key is read as (Product='TG11',Plant='1010').
  s.s4.Control("seed", {{"vendor", "s4"},
                        {"object", "API_PRODUCT_SRV/A_ProductPlant"},
                        {"id", "TG11,1010"},
                        {"fields", {{"Product", "TG11"}, {"Plant", "1010"}, {"ProfitCenter", "YB101"}}}});
  auto plant = nlohmann::json::parse(Event("e-901", "x", "sap.s4.beh.productplant.v1.ProductPlant.Changed.v1"));
  plant["data"] = {{"Product", "TG11"}, {"Plant", "1010"}};
  res = s.Post(plant.dump());
  ASSERT_EQ(res.status, 204) << res.body;
  ASSERT_TRUE(s.p->sink().WaitForAccepted(1, seconds(20)));
  const auto delivered = Delivered(s.p->sink());
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0]["s4"]["key"], "TG11,1010");
  EXPECT_EQ(delivered[0]["s4"]["deleted"], false);
  EXPECT_EQ(nlohmann::json::parse(delivered[0]["payload"].get<std::string>())["ProfitCenter"], "YB101");
}

TEST(S4EventsTest, ChangesInS4ArriveAsEventsAndAreRedeliveredUntilTaken) {
  EventsSetup s;
  s.SeedPartner("1000949", "Someone else");  // the service exists
  s.s4.Control("config",
               {{"vendor", "s4"},
                {"events",
                 {{"url", "http://127.0.0.1:" + std::to_string(s.port) + "/sap/events"},
                  {"types",
                   {{"API_BUSINESS_PARTNER/A_BusinessPartner",
                     {{"type", "sap.s4.beh.businesspartner.v1.BusinessPartner"}, {"key", {"BusinessPartner"}}}}}}}}});
  // The first read of the new partner fails: the agent answers 503, and
  // S/4's broker delivers the event again.
  s.s4.Control("faults", {{"vendor", "s4"}, {"status", 503}, {"count", 1}, {"path_contains", "('1000950')"}});
  s.SeedPartner("1000950", "Created in S/4");
  ASSERT_TRUE(s.p->sink().WaitForAccepted(1, seconds(30))) << s.p->sink().AcceptedCount();
  s.SeedPartner("1000950", "Changed in S/4");
  ASSERT_TRUE(s.p->sink().WaitForAccepted(2, seconds(30))) << s.p->sink().AcceptedCount();
  EXPECT_FALSE(s.p->sink().WaitForAccepted(3, milliseconds(1500)));
  const auto delivered = Delivered(s.p->sink());
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(delivered[0]["payload"].get<std::string>())["BusinessPartnerFullName"],
            "Created in S/4");
  EXPECT_EQ(nlohmann::json::parse(delivered[1]["payload"].get<std::string>())["BusinessPartnerFullName"],
            "Changed in S/4");
  const auto stats = s.s4.Stats()["s4"];
  EXPECT_EQ(stats["events_delivered"], 2) << stats.dump();
  EXPECT_GE(stats["events_redelivered"].get<int>(), 1) << stats.dump();
  EXPECT_EQ(stats["events_given_up"], 0) << stats.dump();
}

TEST(S4EventsTest, TheWebhookHandshakeAllowsOnlyTheConfiguredOrigins) {
  EventsSetup s;
  auto res = HttpRequest("OPTIONS", s.port, "/sap/events", "", {{"WebHook-Request-Origin", "eventmesh.plant.local"}});
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers["webhook-allowed-origin"], "eventmesh.plant.local");
  res = HttpRequest("OPTIONS", s.port, "/sap/events", "", {{"WebHook-Request-Origin", "evil.example"}});
  EXPECT_EQ(res.status, 403);
}

}  // namespace
}  // namespace ferry::testing
