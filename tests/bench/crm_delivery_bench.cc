#include "tests/bench/crm_delivery_bench.h"

#include "tests/bench/bench_support.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using bench::CpuSeconds;

using Clock = std::chrono::steady_clock;

constexpr const char* kSalesforceBundle = R"(flow: accounts
match: { message_type: DEBMAS }
target: { connector: salesforce }
records:
  - name: account
    object: Account
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    key_field: SAP_Customer_Number__c
    fields:
      Name: NAME1
      BillingCity: ORT01
      BillingCountryCode: LAND1
)";

constexpr const char* kDataverseBundle = R"(flow: accounts
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

// What differs between the simulated vendors for this measurement.
struct Vendor {
  std::string name;      // in the simulator's control API
  std::string api_path;  // what the paused requests' paths contain
  const char* bundle;
  std::string ConnectorYaml(const CrmSim& sim, const std::filesystem::path& secret, int batch) const {
    if (name == "salesforce") {
      return "  salesforce:\n    login_url: " + sim.url() +
             "\n    client_id: ferry-sf\n    client_secret_file: " + secret.string() +
             "\n    batch: " + std::to_string(batch) + "\n";
    }
    return "  dataverse:\n    org_url: " + sim.url() + "\n    token_url: " + sim.url() +
           "/bench/oauth2/v2.0/token\n    client_id: ferry-dv\n    client_secret_file: " + secret.string() +
           "\n    batch: " + std::to_string(batch) + "\n";
  }
  std::string Secret() const { return name == "salesforce" ? "sf-secret\n" : "dv-secret\n"; }  // the defaults
};

constexpr int kLatencyMs = 20;

struct Run {
  double per_s = 0;
  double cp_cores = 0;
  double sim_cores = 0;
};

// Queues `events` customer IDocs at the control plane while the simulator
// turns every API request away (503, Retry-After 1 s), then lets them
// through and times the backlog's delivery between 10 % and 90 % stored,
// which leaves the last pause and the tail out of the figure.
Run DeliverBacklog(const Vendor& vendor, int events, int batch) {
  TempDir dir;
  // A cloud API answers in tens of milliseconds; batching pays for that.
  CrmSim sim(dir.path(), {"--latency-ms", std::to_string(kLatencyMs)});
  WriteFile(dir.path() / "crm.secret", vendor.Secret());
  FlowSetup setup(dir.path());
  PipelineOptions options;
  setup.Apply(options);
  options.log_level = "info";
  options.delivery_concurrency = 16;
  options.cp_max_bytes = "1GiB";
  options.cp_map_size = "4GiB";
  options.agent_max_bytes = "1GiB";
  options.agent_map_size = "4GiB";
  options.connectors_extra_yaml = vendor.ConnectorYaml(sim, dir.path() / "crm.secret", batch);
  Pipeline p(options);
  p.StartAll();
  std::filesystem::create_directories(dir.path() / "bundle");
  WriteFile(dir.path() / "bundle" / "accounts.yaml", vendor.bundle);
  FlowSetup::DeployAndWait(p, dir.path() / "bundle", options.agent_id);
  sim.Control("faults", {{"vendor", vendor.name},
                         {"status", 503},
                         {"count", 1000000},
                         {"retry_after_s", 1},
                         {"path_contains", vendor.api_path}});

  std::atomic<int> next{0};
  std::vector<std::thread> posters;
  for (int c = 0; c < 8; ++c) {
    posters.emplace_back([&] {
      KeepAliveClient client(p.agent_port());
      for (int n = next++; n < events; n = next++) {
        const std::string kunnr = std::to_string(800000000 + n);
        client.Post("/sap/idoc", DebmasIdoc(Docnum(900000 + static_cast<uint64_t>(n)), kunnr, "Kunde " + kunnr, "DE"),
                    {{"Content-Type", "text/xml"}});
      }
    });
  }
  for (auto& t : posters) t.join();

  WaitUntil([&] { return p.ControlPlaneQueueDepth() >= static_cast<uint64_t>(events); }, std::chrono::minutes(5),
            std::chrono::milliseconds(50));
  sim.Control("reset", {{"vendor", vendor.name}});  // faults gone (tokens too: the connector renews)

  auto stored = [&] { return sim.Stats()[vendor.name].value("records_written", 0); };
  WaitUntil([&] { return stored() >= events / 10; }, std::chrono::minutes(5), std::chrono::milliseconds(2));
  const auto start = Clock::now();
  const int at_start = stored();
  const double cp_cpu = CpuSeconds(p.controlplane().pid()), sim_cpu = CpuSeconds(sim.process().pid());
  WaitUntil([&] { return stored() >= events * 9 / 10; }, std::chrono::minutes(5), std::chrono::milliseconds(2));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const int at_end = stored();
  WaitUntil([&] { return stored() >= events; }, std::chrono::minutes(5), std::chrono::milliseconds(20));
  Run run;
  run.per_s = (at_end - at_start) / seconds;
  run.cp_cores = (CpuSeconds(p.controlplane().pid()) - cp_cpu) / seconds;
  run.sim_cores = (CpuSeconds(sim.process().pid()) - sim_cpu) / seconds;
  return run;
}

}  // namespace

void MeasureCrmDelivery(bool quick, std::map<std::string, double>& out) {
  const Vendor vendors[] = {{"salesforce", "/services/data/", kSalesforceBundle},
                            {"dataverse", "/api/data/", kDataverseBundle}};
  const int batch_sizes[] = {200, 100};  // sObject Collections, $batch
  for (size_t v = 0; v < 2; ++v) {
    const Vendor& vendor = vendors[v];
    // Salesforce keeps its plain names; Dataverse figures get a prefix.
    const std::string prefix = vendor.name == "salesforce" ? "" : "dataverse_";
    std::cerr << "ferry_bench: " << vendor.name << " delivery, batched" << std::endl;
    const Run batched = DeliverBacklog(vendor, quick ? 4000 : 40000, batch_sizes[v]);
    std::cerr << "ferry_bench: " << vendor.name << " delivery, one request per record" << std::endl;
    const Run single = DeliverBacklog(vendor, quick ? 400 : 4000, 1);
    out[prefix + "deliver_per_s"] = batched.per_s;
    out[prefix + "deliver_cp_cores"] = batched.cp_cores;
    out[prefix + "deliver_sim_cores"] = batched.sim_cores;
    out[prefix + "deliver_single_per_s"] = single.per_s;
    out[prefix + "deliver_single_cp_cores"] = single.cp_cores;
    out[prefix + "deliver_single_sim_cores"] = single.sim_cores;
    out[prefix + "deliver_batch_ratio"] = single.per_s > 0 ? batched.per_s / single.per_s : 0;
  }
  out["deliver_sim_latency_ms"] = kLatencyMs;
}

}  // namespace ferry::testing
