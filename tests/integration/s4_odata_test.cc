// The S/4HANA OData poller (sources.s4_odata) against ferry-s4-sim, with
// real agent, control plane and broker processes: changed entities reach
// the CRM once, changes found later are delivered again, and neither S/4
// failing nor kill -9 of the agent mid-poll loses or doubles anything.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <random>

#include "tests/integration/pipeline.h"
#include "tests/integration/s4_dates.h"
#include "tests/support/crm_sim.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"
#include "tests/support/tinyproxy.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string PollerYaml(int sim_port, const std::filesystem::path& password_file, int page_size = 50) {
  return "  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(sim_port) +
         "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " +
         password_file.string() + "\n    interval: 200ms\n    page_size: " + std::to_string(page_size) +
         "\n    timeout: 5s\n    entities:\n      - name: business_partner\n        service: API_BUSINESS_PARTNER\n"
         "        entity_set: A_BusinessPartner\n        key: [BusinessPartner]\n"
         "        changed_date: LastChangeDate\n        changed_time: LastChangeTime\n"
         "        expand: [to_Customer, to_BusinessPartnerAddress]\n        deleted_when: IsMarkedForArchiving\n";
}

// The poller's configuration read by delta links: no change time.
std::string WithDelta(std::string yaml) {
  const std::string change_time = "        changed_date: LastChangeDate\n        changed_time: LastChangeTime\n";
  return yaml.replace(yaml.find(change_time), change_time.size(), "        delta: true\n");
}

// Whether the agent's log has `text` yet.
bool LogHas(Pipeline& p, const std::string& text) {
  std::ifstream in(p.agent().log_file());
  std::stringstream log;
  log << in.rdbuf();
  return log.str().find(text) != std::string::npos;
}

// A business partner as S/4 serialises it, changed on day `day` at `seconds`.
nlohmann::json Partner(int n, int day, int seconds_of_day, const std::string& name) {
  char time[32];
  std::snprintf(time, sizeof time, "PT%02dH%02dM%02dS", seconds_of_day / 3600, seconds_of_day / 60 % 60,
                seconds_of_day % 60);
  const std::string id = std::to_string(1000000 + n);
  return {{"BusinessPartner", id},
          {"BusinessPartnerCategory", "2"},
          {"BusinessPartnerFullName", name},
          {"OrganizationBPName1", name},
          {"LastChangeDate", ODataDate(day)},
          {"LastChangeTime", time},
          {"IsMarkedForArchiving", false},
          {"to_Customer", {{"Customer", id}, {"DeletionIndicator", false}}},
          {"to_BusinessPartnerAddress", nlohmann::json::array({{{"CityName", "Hamburg"}, {"Country", "DE"}}})}};
}

void Seed(CrmSim& s4, int n, const nlohmann::json& fields) {
  s4.Control("seed", {{"vendor", "s4"},
                      {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"},
                      {"id", fields["BusinessPartner"]},
                      {"fields", fields}});
}

// Delivered S/4 events by entity key: their payloads in delivery order.
std::map<std::string, std::vector<nlohmann::json>> DeliveredByKey(const WebhookSink& sink) {
  std::map<std::string, std::vector<nlohmann::json>> out;
  for (const auto& r : sink.Requests()) {
    if (r.status_sent < 200 || r.status_sent >= 300) continue;
    auto body = nlohmann::json::parse(r.body);
    if (!body.contains("s4")) continue;
    out[body["s4"]["key"].get<std::string>()].push_back(nlohmann::json::parse(body["payload"].get<std::string>()));
  }
  return out;
}

struct S4Setup {
  TempDir dir;
  CrmSim s4{dir.path(), FERRY_S4_SIM_BIN, {}};
  std::filesystem::path password = dir.path() / "s4.password";
  S4Setup() { std::ofstream(password) << "s4-secret\n"; }
};

TEST(S4ODataTest, ChangedPartnersReachTheCrmOnceAndLaterChangesAgain) {
  S4Setup s;
  for (int n = 0; n < 120; ++n) Seed(s.s4, n, Partner(n, n % 5, 3600 + n, "Partner " + std::to_string(n)));
  PipelineOptions options;
  options.sources_extra_yaml = PollerYaml(s.s4.port(), s.password);
  Pipeline p(options);
  p.StartAll();

  ASSERT_TRUE(p.sink().WaitForAccepted(120, seconds(30))) << p.sink().AcceptedCount();
  auto delivered = DeliveredByKey(p.sink());
  ASSERT_EQ(delivered.size(), 120u);
  for (const auto& [key, payloads] : delivered) EXPECT_EQ(payloads.size(), 1u) << key;
  const nlohmann::json& first = delivered.at("1000007").front();
  EXPECT_EQ(first["to_Customer"]["Customer"], "1000007");
  EXPECT_EQ(first["to_BusinessPartnerAddress"][0]["CityName"], "Hamburg");  // an array, not {"results"}
  EXPECT_FALSE(first.contains("__metadata"));

  // Polling goes on: nothing new, nothing sent again.
  EXPECT_FALSE(p.sink().WaitForAccepted(121, milliseconds(1500)));

  // Two partners change (one of them on the same day as the watermark, a
  // few seconds later; one is marked for archiving): each reaches the CRM
  // once more, the archived one flagged.
  Seed(s.s4, 3, Partner(3, 4, 80000, "Partner 3 renamed"));
  auto archived = Partner(8, 5, 100, "Partner 8");
  archived["IsMarkedForArchiving"] = true;
  Seed(s.s4, 8, archived);
  ASSERT_TRUE(p.sink().WaitForAccepted(122, seconds(20)));
  EXPECT_FALSE(p.sink().WaitForAccepted(123, milliseconds(1500)));
  delivered = DeliveredByKey(p.sink());
  ASSERT_EQ(delivered.at("1000003").size(), 2u);
  EXPECT_EQ(delivered.at("1000003").back()["BusinessPartnerFullName"], "Partner 3 renamed");
  ASSERT_EQ(delivered.at("1000008").size(), 2u);
  bool flagged = false;
  for (const auto& r : p.sink().Requests()) {
    auto body = nlohmann::json::parse(r.body);
    if (body.contains("s4") && body["s4"]["key"] == "1000008" && body["s4"]["deleted"] == true) flagged = true;
  }
  EXPECT_TRUE(flagged);

  // Field IT finds S/4 entities by entity set and business key, as IDocs by
  // type and number.
  int code = -1;
  std::string error;
  const auto listed = nlohmann::json::parse(
      p.RunAgentCli("queue ls --json --count --type A_BusinessPartner --key A_BusinessPartner:1000003", &code, &error));
  ASSERT_EQ(code, 0) << error;
  ASSERT_EQ(listed["total"], 2) << listed.dump();
  EXPECT_EQ(listed["events"][0]["source"], "s4_odata");
  const auto shown = nlohmann::json::parse(p.RunAgentCli("queue show A_BusinessPartner:1000003 --json", &code, &error));
  ASSERT_EQ(code, 0) << error;
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[1]["s4"]["service"], "API_BUSINESS_PARTNER");
  EXPECT_EQ(shown[1]["s4"]["key"], "1000003");
  EXPECT_NE(shown[1]["payload"].get<std::string>().find("Partner 3 renamed"), std::string::npos);
  const std::string text = p.RunAgentCli("queue show A_BusinessPartner:1000008", &code, &error);
  EXPECT_NE(text.find("S/4        A_BusinessPartner(1000008)  API_BUSINESS_PARTNER  by s4_odata"), std::string::npos)
      << text;
  EXPECT_NE(text.find("deleted"), std::string::npos) << text;
  const auto traced = nlohmann::json::parse(p.RunAgentCli("trace A_BusinessPartner:1000003 --json", &code, &error));
  ASSERT_EQ(code, 0) << error;
  ASSERT_EQ(traced["events"].size(), 2u);
  EXPECT_EQ(traced["events"][0]["hops"][0]["detail"], "from API_BUSINESS_PARTNER by s4_odata");
}

TEST(S4ODataTest, S4DownThrottlingAndKillNineMidPollLoseAndDoubleNothing) {
  constexpr uint32_t kSeed = 0x5eed0015;
  constexpr int kPartners = 600;
  std::cout << "[ SEED     ] S4ODataTest kill delays: std::mt19937 seed " << kSeed << "\n";
  RecordProperty("seed", static_cast<int>(kSeed));
  std::mt19937 random(kSeed);

  S4Setup s;
  for (int n = 0; n < kPartners; ++n) Seed(s.s4, n, Partner(n, n / 100, n % 100, "P" + std::to_string(n)));
  // S/4 throttles and fails now and then: the poller waits and asks again.
  s.s4.Control("faults", {{"vendor", "s4"}, {"status", 429}, {"count", 3}, {"retry_after_s", 1}});
  s.s4.Control("faults", {{"vendor", "s4"}, {"status", 503}, {"count", 2}});
  s.s4.Control("config", {{"latency_ms", 20}});
  PipelineOptions options;
  options.sources_extra_yaml = PollerYaml(s.s4.port(), s.password, 40);
  Pipeline p(options);
  p.StartAll();
  for (int k = 0; k < 5; ++k) {
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(200, 900)(random)));
    p.agent().Kill9();
    p.StartAgent();
  }
  ASSERT_TRUE(p.sink().WaitForAccepted(kPartners, seconds(90))) << p.sink().AcceptedCount();
  EXPECT_FALSE(p.sink().WaitForAccepted(kPartners + 1, milliseconds(2000)));
  const auto delivered = DeliveredByKey(p.sink());
  EXPECT_EQ(delivered.size(), static_cast<size_t>(kPartners));
  for (const auto& [key, payloads] : delivered) EXPECT_EQ(payloads.size(), 1u) << key << " delivered twice";
  EXPECT_GE(s.s4.Stats()["s4"]["by_status"]["429"].get<int>(), 3);
}

TEST(S4ODataTest, APartnerChangingWhileThePollPagesIsNotSteppedOver) {
  // Ten partners read two at a time; right after the first page, partner 0
  // changes and moves to the end of the order. Paging by count ($skip)
  // would now step over partner 2 for good.
  S4Setup s;
  for (int n = 0; n < 10; ++n) Seed(s.s4, n, Partner(n, 0, 100 + n, "P" + std::to_string(n)));
  s.s4.Control("config", {{"vendor", "s4"},
                          {"seed_after_page",
                           {{"page", 1},
                            {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"},
                            {"id", "1000000"},
                            {"fields", Partner(0, 3, 50, "P0 renamed")}}}});
  PipelineOptions options;
  options.sources_extra_yaml = PollerYaml(s.s4.port(), s.password, 2);
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(p.sink().WaitForAccepted(11, seconds(30))) << p.sink().AcceptedCount();
  EXPECT_FALSE(p.sink().WaitForAccepted(12, milliseconds(1500)));
  const auto delivered = DeliveredByKey(p.sink());
  EXPECT_EQ(delivered.size(), 10u);
  ASSERT_EQ(delivered.count("1000002"), 1u) << "stepped over";
  ASSERT_EQ(delivered.at("1000000").size(), 2u);
  EXPECT_EQ(delivered.at("1000000").back()["BusinessPartnerFullName"], "P0 renamed");
}

TEST(S4ODataTest, GuidAndInt64KeysArePagedPastWithTheirOwnLiterals) {
  // Entities all changed at the same instant, so every next page is asked
  // for by key alone, and S/4 (and the simulator) refuse a key written as
  // another type's literal: V2 projects keyed by an Edm.Guid (guid'…'), V2
  // counters keyed by an Edm.Int64 (42L), V4 projects keyed by a Guid (bare).
  S4Setup s;
  const std::string v4_path = "sap/api_project/srvd_a2x/sap/project/0001";
  s.s4.Control("config", {{"vendor", "s4"},
                          {"key_types",
                           {{"API_ENTERPRISE_PROJECT_SRV/A_EnterpriseProject", {{"ProjectUUID", "guid"}}},
                            {"API_X_COUNTER_SRV/A_Counter", {{"CounterID", "int64"}}},
                            {v4_path + "/Project", {{"ProjectUUID", "guid"}}}}}});
  const std::string changed_v2 = "/Date(" + std::to_string(kS4FirstDay) + "+0000)/";
  for (int n = 0; n < 25; ++n) {
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "0050568f-3a1c-1eda-b5e6-%012x", 0x9f1c2d000000 + n * 7919);
    auto seed = [&](const std::string& object, const std::string& id, const nlohmann::json& fields) {
      s.s4.Control("seed", {{"vendor", "s4"}, {"object", object}, {"id", id}, {"fields", fields}});
    };
    seed("API_ENTERPRISE_PROJECT_SRV/A_EnterpriseProject", uuid,
         {{"ProjectUUID", uuid}, {"Project", "P-" + std::to_string(n)}, {"LastChangeDateTime", changed_v2}});
    const std::string counter = std::to_string(9'000'000'000LL + n * 31);
    seed("API_X_COUNTER_SRV/A_Counter", counter, {{"CounterID", counter}, {"LastChangeDateTime", changed_v2}});
    seed(v4_path + "/Project", uuid, {{"ProjectUUID", uuid}, {"LastChangeDateTime", "2026-01-01T00:00:00Z"}});
  }
  auto entity_set = [](const std::string& name, const std::string& service, const std::string& set,
                       const std::string& key, const std::string& type, const std::string& v4) {
    return "      - name: " + name + "\n        service: " + service + "\n" + v4 + "        entity_set: " + set +
           "\n        key: [" + key + "]\n        key_types: [" + type + "]\n        changed_at: LastChangeDateTime\n";
  };
  PipelineOptions options;
  options.sources_extra_yaml =
      "  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(s.s4.port()) +
      "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " + s.password.string() +
      "\n    interval: 200ms\n    page_size: 10\n    timeout: 5s\n    entities:\n" +
      entity_set("projects", "API_ENTERPRISE_PROJECT_SRV", "A_EnterpriseProject", "ProjectUUID", "guid", "") +
      entity_set("counters", "API_X_COUNTER_SRV", "A_Counter", "CounterID", "int64", "") +
      entity_set("projects_v4", "API_PROJECT", "Project", "ProjectUUID", "guid",
                 "        odata_version: 4\n        service_path: /sap/opu/odata4/" + v4_path + "\n");
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(p.sink().WaitForAccepted(75, seconds(30))) << p.sink().AcceptedCount();
  EXPECT_FALSE(p.sink().WaitForAccepted(76, milliseconds(1500)));
  std::map<std::string, int> by_set;
  for (const auto& r : p.sink().Requests()) {
    auto body = nlohmann::json::parse(r.body);
    if (body.contains("s4")) ++by_set[body["s4"]["service"].get<std::string>()];
  }
  EXPECT_EQ(by_set["API_ENTERPRISE_PROJECT_SRV"], 25);
  EXPECT_EQ(by_set["API_X_COUNTER_SRV"], 25);
  EXPECT_EQ(by_set["API_PROJECT"], 25);
  EXPECT_FALSE(LogHas(p, "event=s4_odata_refused"));
}

TEST(S4ODataTest, AnEntityDeletedInS4ComesAsADeletionThroughAV4DeltaLink) {
  // A V4 delta link names what was deleted since ("@removed" with its
  // "@id"): the poller makes a deletion of it, keyed like the entity.
  const std::string service_path = "sap/api_salesorder/srvd_a2x/sap/salesorder/0001";
  S4Setup s;
  s.s4.Control("config", {{"vendor", "s4"}, {"delta", nlohmann::json::array({service_path + "/SalesOrder"})}});
  for (int n = 0; n < 3; ++n) {
    const std::string id = std::to_string(4000 + n);
    s.s4.Control("seed", {{"vendor", "s4"},
                          {"object", service_path + "/SalesOrder"},
                          {"id", id},
                          {"fields", {{"SalesOrder", id}, {"SalesOrderType", "OR"}}}});
  }
  PipelineOptions options;
  options.sources_extra_yaml =
      "  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(s.s4.port()) +
      "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " + s.password.string() +
      "\n    interval: 200ms\n    timeout: 5s\n    entities:\n      - name: sales_order\n"
      "        service: API_SALESORDER\n        odata_version: 4\n        service_path: /sap/opu/odata4/" +
      service_path + "\n        entity_set: SalesOrder\n        key: [SalesOrder]\n        delta: true\n";
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(p.sink().WaitForAccepted(3, seconds(30))) << p.sink().AcceptedCount();
  ASSERT_TRUE(WaitUntil([&] { return LogHas(p, "delta=true"); }, seconds(10)));

  s.s4.Control("delete", {{"vendor", "s4"}, {"object", service_path + "/SalesOrder"}, {"id", "4001"}});
  ASSERT_TRUE(p.sink().WaitForAccepted(4, seconds(30))) << p.sink().AcceptedCount();
  EXPECT_FALSE(p.sink().WaitForAccepted(5, milliseconds(1500)));
  nlohmann::json deletion;
  for (const auto& r : p.sink().Requests()) {
    auto body = nlohmann::json::parse(r.body);
    if (body.contains("s4") && body["s4"].value("deleted", false)) deletion = body;
  }
  ASSERT_FALSE(deletion.is_null());
  EXPECT_EQ(deletion["s4"]["key"], "4001");
  EXPECT_EQ(deletion["business_key"], "SalesOrder:4001");
}

TEST(S4ODataTest, AnODataV4ServiceIsPagedByItsOwnLiteralsAndNextLinks) {
  // Sales orders from a V4 service (RAP, /sap/opu/odata4/...): ISO change
  // times, several orders changed in the same second, the server paging at
  // 7 and the poller asking for 10 at a time.
  const std::string service_path = "sap/api_salesorder/srvd_a2x/sap/salesorder/0001";
  S4Setup s;
  auto order = [](int n, int second, const std::string& type) {
    char changed[32];
    std::snprintf(changed, sizeof changed, "2026-01-02T10:%02d:%02dZ", second / 60, second % 60);
    return nlohmann::json{{"SalesOrder", std::to_string(4000 + n)},
                          {"SalesOrderType", type},
                          {"SoldToParty", "1000746"},
                          {"LastChangeDateTime", changed}};
  };
  auto seed = [&](int n, const nlohmann::json& fields) {
    s.s4.Control(
        "seed",
        {{"vendor", "s4"}, {"object", service_path + "/SalesOrder"}, {"id", fields["SalesOrder"]}, {"fields", fields}});
  };
  for (int n = 0; n < 30; ++n) seed(n, order(n, n / 3, "OR"));
  s.s4.Control("config", {{"vendor", "s4"}, {"page_size", 7}});
  PipelineOptions options;
  options.sources_extra_yaml =
      "  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(s.s4.port()) +
      "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " + s.password.string() +
      "\n    interval: 200ms\n    page_size: 10\n    timeout: 5s\n    entities:\n      - name: sales_order\n"
      "        service: API_SALESORDER\n        odata_version: 4\n        service_path: /sap/opu/odata4/" +
      service_path +
      "\n        entity_set: SalesOrder\n        key: [SalesOrder]\n"
      "        changed_at: LastChangeDateTime\n";
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(p.sink().WaitForAccepted(30, seconds(30))) << p.sink().AcceptedCount();
  seed(7, order(7, 200, "CR"));  // changed later: read again from the watermark
  ASSERT_TRUE(p.sink().WaitForAccepted(31, seconds(20))) << p.sink().AcceptedCount();
  EXPECT_FALSE(p.sink().WaitForAccepted(32, milliseconds(1500)));
  const auto delivered = DeliveredByKey(p.sink());
  ASSERT_EQ(delivered.size(), 30u);
  for (const auto& [key, payloads] : delivered) EXPECT_EQ(payloads.size(), key == "4007" ? 2u : 1u) << key;
  EXPECT_EQ(delivered.at("4007").back()["SalesOrderType"], "CR");
  EXPECT_FALSE(delivered.at("4007").back().contains("@odata.context"));
  EXPECT_GE(s.s4.Stats()["s4"]["pages_served"].get<int>(), 6);
}

TEST(S4ODataTest, ADeltaEnabledServiceIsReadByItsDeltaLinksAcrossRestarts) {
  S4Setup s;
  for (int n = 0; n < 25; ++n) Seed(s.s4, n, Partner(n, 0, n, "P" + std::to_string(n)));
  s.s4.Control("config", {{"vendor", "s4"}, {"page_size", 10}, {"delta", {"API_BUSINESS_PARTNER/A_BusinessPartner"}}});
  PipelineOptions options;
  // No change time: the service's delta links say what changed.
  options.sources_extra_yaml = WithDelta(PollerYaml(s.s4.port(), s.password));
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(p.sink().WaitForAccepted(25, seconds(30))) << p.sink().AcceptedCount();

  // Two partners change; a delta read brings those two and nothing else,
  // even though their change times did not move.
  Seed(s.s4, 3, Partner(3, 0, 3, "P3 renamed"));
  Seed(s.s4, 17, Partner(17, 0, 17, "P17 renamed"));
  ASSERT_TRUE(p.sink().WaitForAccepted(27, seconds(20))) << p.sink().AcceptedCount();
  EXPECT_FALSE(p.sink().WaitForAccepted(28, milliseconds(1500)));

  // The delta link is kept with the events: after kill -9 the agent goes on
  // from it, and reads nothing again.
  p.agent().Kill9();
  p.StartAgent();
  EXPECT_FALSE(p.sink().WaitForAccepted(28, milliseconds(2500)));
  Seed(s.s4, 9, Partner(9, 0, 9, "P9 renamed"));
  ASSERT_TRUE(p.sink().WaitForAccepted(28, seconds(20))) << p.sink().AcceptedCount();
  // A change undone (A, B, A again) is a change too.
  Seed(s.s4, 3, Partner(3, 0, 3, "P3"));
  ASSERT_TRUE(p.sink().WaitForAccepted(29, seconds(20))) << p.sink().AcceptedCount();
  const auto delivered = DeliveredByKey(p.sink());
  ASSERT_EQ(delivered.size(), 25u);
  ASSERT_EQ(delivered.at("1000003").size(), 3u);
  EXPECT_EQ(delivered.at("1000003")[1]["BusinessPartnerFullName"], "P3 renamed");
  EXPECT_EQ(delivered.at("1000003")[2]["BusinessPartnerFullName"], "P3");
  EXPECT_EQ(delivered.at("1000009").size(), 2u);
  EXPECT_EQ(delivered.at("1000000").size(), 1u);
}

TEST(S4ODataTest, DeltaOnAServiceWithoutDeltaLinksIsLoggedAsSuch) {
  S4Setup s;
  Seed(s.s4, 1, Partner(1, 0, 1, "P1"));
  PipelineOptions options;
  options.sources_extra_yaml = WithDelta(PollerYaml(s.s4.port(), s.password));
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(WaitUntil([&] { return LogHas(p, "reason=\"the service gave no delta link: it does not track changes"); },
                        seconds(20)));
}

// An S/4 host that takes connections and never answers.
class SilentHost {
 public:
  SilentHost() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentHost() {
    for (int c : accepted_) ::close(c);
    ::close(fd_);
  }
  int port() const { return port_; }
  // True once a client has connected within `timeout`.
  bool WaitForClient(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    accepted_.push_back(::accept(fd_, nullptr, nullptr));
    return accepted_.back() >= 0;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> accepted_;
};

TEST(S4ODataTest, StoppingTheAgentWhileS4DoesNotAnswerDoesNotWaitForTheTimeout) {
  S4Setup s;
  SilentHost silent;
  PipelineOptions options;
  std::string yaml = PollerYaml(silent.port(), s.password);
  yaml.replace(yaml.find("timeout: 5s"), 11, "timeout: 120s");
  options.sources_extra_yaml = yaml;
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(silent.WaitForClient(seconds(20)));  // the first page is asked for, and not answered
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(p.agent().Terminate(seconds(60)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, seconds(15)) << "the agent waited for S/4's answer";
}

TEST(S4ODataTest, ThePlantsProxyCarriesThePollWithItsCredentials) {
  S4Setup s;
  for (int n = 0; n < 30; ++n) Seed(s.s4, n, Partner(n, 0, n, "P" + std::to_string(n)));
  TempDir proxy_dir;
  Tinyproxy proxy(proxy_dir.path(), "ferry", "s3cretProxy");
  std::ofstream(s.dir.path() / "proxy.password") << "s3cretProxy\n";
  PipelineOptions options;
  options.sources_extra_yaml = PollerYaml(s.s4.port(), s.password, 10) +
                               "    https_proxy: http://ferry@127.0.0.1:" + std::to_string(proxy.port()) +
                               "\n    https_proxy_password_file: " + (s.dir.path() / "proxy.password").string() + "\n";
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(p.sink().WaitForAccepted(30, seconds(30))) << p.sink().AcceptedCount() << proxy.log();
  EXPECT_NE(proxy.log().find("CONNECT 127.0.0.1:" + std::to_string(s.s4.port())), std::string::npos) << proxy.log();
  EXPECT_EQ(DeliveredByKey(p.sink()).size(), 30u);
  EXPECT_FALSE(LogHas(p, "s3cretProxy")) << "the proxy password reached the log";
}

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

TEST(S4ODataTest, TheAgentLogsOnWithItsX509CertificateOverTls) {
  // S/4's SSL port asks for a client certificate from its CA (Debian's
  // socat stands for the ICF in front of the simulator) and maps it to the
  // communication user: no password anywhere.
  S4Setup s;
  for (int n = 0; n < 12; ++n) Seed(s.s4, n, Partner(n, 0, n, "P" + std::to_string(n)));
  s.s4.Control("config", {{"vendor", "s4"}, {"logon", "certificate"}});
  TempDir pki_dir;
  TestPki pki(pki_dir.path(), "s4-ca");
  pki.IssueClient("FERRY_COMM");
  const int tls_port = FreeTcpPort();
  Process front = Process::Start(
      {"socat",
       "OPENSSL-LISTEN:" + std::to_string(tls_port) + ",bind=127.0.0.1,reuseaddr,fork,cert=" + pki.Path("server.crt") +
           ",key=" + pki.Path("server.key") + ",cafile=" + pki.Path("ca.pem") + ",verify=1",
       "TCP:127.0.0.1:" + std::to_string(s.s4.port())},
      pki_dir.path() / "socat.log");
  ASSERT_TRUE(WaitUntil([&] { return Accepts(tls_port); }, seconds(10)));
  // Without a certificate the front end lets nobody in.
  const std::string bare = "curl -s -o /dev/null --max-time 5 --cacert " + pki.Path("ca.pem") +
                           " https://127.0.0.1:" + std::to_string(tls_port) +
                           "/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner";
  EXPECT_NE(std::system(bare.c_str()), 0);
  PipelineOptions options;
  options.sources_extra_yaml =
      "  s4_odata:\n    url: https://127.0.0.1:" + std::to_string(tls_port) +
      "\n    client: \"100\"\n    tls:\n      ca_file: " + pki.Path("ca.pem") +
      "\n      cert_file: " + pki.Path("FERRY_COMM.crt") + "\n      key_file: " + pki.Path("FERRY_COMM.key") +
      "\n    interval: 200ms\n    page_size: 5\n    timeout: 5s\n    entities:\n      - name: business_partner\n"
      "        service: API_BUSINESS_PARTNER\n        entity_set: A_BusinessPartner\n        key: [BusinessPartner]\n"
      "        changed_date: LastChangeDate\n        changed_time: LastChangeTime\n";
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(p.sink().WaitForAccepted(12, seconds(30))) << p.sink().AcceptedCount();
  EXPECT_EQ(DeliveredByKey(p.sink()).size(), 12u);
  EXPECT_TRUE(LogHas(p, "auth=certificate"));
}

TEST(S4ODataTest, AWrongPasswordIsLoggedAndNothingIsCommittedUntilItIsRight) {
  S4Setup s;
  Seed(s.s4, 1, Partner(1, 0, 10, "P1"));
  s.s4.Control("config", {{"vendor", "s4"}, {"password", "rotated"}});
  PipelineOptions options;
  options.sources_extra_yaml = PollerYaml(s.s4.port(), s.password);
  Pipeline p(options);
  p.StartAll();
  ASSERT_TRUE(WaitUntil(
      [&] { return LogHas(p, "event=s4_odata_refused source=s4_odata entity_set=A_BusinessPartner status=401"); },
      seconds(20)));
  EXPECT_EQ(p.AgentOutboxDepth(), 0u);
  s.s4.Control("config", {{"vendor", "s4"}, {"password", "s4-secret"}});
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(20)));
}

}  // namespace
}  // namespace ferry::testing
