#include "tests/bench/sources_bench.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/bench/bench_support.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/http_client.h"
#include "tests/support/wait.h"

namespace ferry::testing::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A business partner with an expanded customer and address, as S/4 sends it.
nlohmann::json Partner(int n) {
  const std::string id = std::to_string(2000000 + n);
  return {{"BusinessPartner", id},
          {"BusinessPartnerCategory", "2"},
          {"BusinessPartnerFullName", "Bench Partner " + id},
          {"OrganizationBPName1", "Bench Partner " + id},
          {"BusinessPartnerGrouping", "BP02"},
          {"LastChangeDate", "/Date(" + std::to_string(1'767'225'600'000 + (n % 30) * 86'400'000LL) + ")/"},
          {"LastChangeTime", "PT10H00M00S"},
          {"IsMarkedForArchiving", false},
          {"to_Customer", {{"Customer", id}, {"DeletionIndicator", false}, {"OrderIsBlockedForCustomer", ""}}},
          {"to_BusinessPartnerAddress", nlohmann::json::array({{{"AddressID", "1"},
                                                                {"CityName", "Hamburg"},
                                                                {"PostalCode", "20095"},
                                                                {"StreetName", "Ballindamm"},
                                                                {"HouseNumber", "1"},
                                                                {"Country", "DE"}}})}};
}

// Seconds until the agent's outbox holds `events`.
double SecondsUntilStored(Pipeline& p, uint64_t events, Clock::time_point start) {
  WaitUntil([&] { return p.AgentOutboxDepth() >= events; }, std::chrono::minutes(10), std::chrono::milliseconds(20));
  return std::chrono::duration<double>(Clock::now() - start).count();
}

PipelineOptions AgentOnly(const std::string& sources_yaml) {
  PipelineOptions options;
  options.sources_extra_yaml = sources_yaml;
  options.agent_max_bytes = "1GiB";
  options.agent_map_size = "4GiB";
  options.log_level = "info";
  return options;
}

void MeasureS4Poll(int entities, const std::filesystem::path& scratch, std::map<std::string, double>& out) {
  CrmSim s4(scratch, FERRY_S4_SIM_BIN, {});
  for (int from = 0; from < entities; from += 1000) {
    nlohmann::json records = nlohmann::json::array();
    for (int n = from; n < std::min(entities, from + 1000); ++n) records.push_back(Partner(n));
    s4.Control("seed", {{"vendor", "s4"}, {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"}, {"records", records}});
  }
  out["s4_entity_bytes"] = static_cast<double>(Partner(0).dump().size());
  std::ofstream(scratch / "s4.password") << "s4-secret\n";
  Pipeline p(AgentOnly(
      "  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(s4.port()) +
      "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " +
      (scratch / "s4.password").string() +
      "\n    interval: 1h\n    page_size: 1000\n    entities:\n      - name: bp\n        service: "
      "API_BUSINESS_PARTNER\n"
      "        entity_set: A_BusinessPartner\n        key: [BusinessPartner]\n        changed_date: LastChangeDate\n"
      "        changed_time: LastChangeTime\n        expand: [to_Customer, to_BusinessPartnerAddress]\n"));
  Progress("S/4 OData poll of " + std::to_string(entities) + " entities, 1000 per page");
  const auto start = Clock::now();
  p.StartAgent();
  out["s4_poll_per_s"] = entities / SecondsUntilStored(p, static_cast<uint64_t>(entities), start);
  out["s4_poll_entities"] = entities;

  // What the simulator alone serves: the same pages read by a plain client
  // that neither parses nor stores them.
  Progress("S/4 simulator baseline: the same pages, read and dropped");
  const auto raw_start = Clock::now();
  for (int skip = 0; skip < entities; skip += 1000) {
    const std::string target =
        "/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner?$format=json&$top=1000&$skip=" +
        std::to_string(skip) +
        "&$orderby=LastChangeDate,LastChangeTime,BusinessPartner&$expand=to_Customer,to_BusinessPartnerAddress"
        "&sap-client=100";
    HttpResponse res = HttpRequest("GET", s4.port(), target, "",
                                   {{"Authorization", "Basic RkVSUllfQ09NTTpzNC1zZWNyZXQ="}}, std::chrono::seconds(60));
    if (res.status != 200) Progress("simulator page failed: " + std::to_string(res.status) + " " + res.error);
  }
  out["s4_sim_raw_per_s"] = entities / std::chrono::duration<double>(Clock::now() - raw_start).count();
  out["s4_poll_vs_sim_ratio"] = out["s4_poll_per_s"] / out["s4_sim_raw_per_s"];
}

void MeasureFilePort(int files, const std::string& idoc_xml, const std::filesystem::path& scratch,
                     std::map<std::string, double>& out) {
  const std::filesystem::path port = scratch / "port";
  std::filesystem::create_directories(port);
  for (int i = 0; i < files; ++i) {
    const std::string xml = ReplaceElement(idoc_xml, "DOCNUM", Docnum(9'000'000 + i));
    std::ofstream(port / ("O_100_" + Docnum(9'000'000 + i) + ".xml"), std::ios::binary) << xml;
  }
  out["file_bytes"] = static_cast<double>(idoc_xml.size());
  Pipeline p(AgentOnly("  idoc_file:\n    directory: " + port.string() +
                       "\n    settle: 0s\n    poll_interval: 50ms\n    after: delete\n"));
  Progress("IDoc file port: " + std::to_string(files) + " files");
  const auto start = Clock::now();
  p.StartAgent();
  out["file_port_per_s"] = files / SecondsUntilStored(p, static_cast<uint64_t>(files), start);
  out["file_port_files"] = files;
}

}  // namespace

void MeasureSources(const SourcesPlan& plan, const std::string& idoc_xml, const std::filesystem::path& scratch,
                    std::map<std::string, double>& out) {
  std::filesystem::create_directories(scratch / "s4");
  std::filesystem::create_directories(scratch / "files");
  MeasureS4Poll(plan.entities, scratch / "s4", out);
  MeasureFilePort(plan.files, idoc_xml, scratch / "files", out);
}

}  // namespace ferry::testing::bench
