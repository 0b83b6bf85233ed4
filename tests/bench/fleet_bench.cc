#include "tests/bench/fleet_bench.h"

#include "tests/bench/bench_support.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "common/store/store.h"
#include "common/transport/topics.h"
#include "common/wire/batch_codec.h"
#include "controlplane/controlplane.h"
#include "controlplane/delivery/event_trace.h"
#include "ferry/v1/event.pb.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/mqtt_test_client.h"
#include "tests/integration/pipeline.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using bench::CpuSeconds;
using bench::Percentile;
using bench::RssMb;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct FleetPlan {
  std::vector<int> fleets;             // agents simulated, in turn
  std::chrono::milliseconds interval;  // each agent's heartbeat interval
  std::chrono::milliseconds measure;   // CPU measured over this long
  uint64_t traces;                     // events seeded for search
  int requests;                        // per latency figure
  int streams;                         // live-update streams at once
};
const FleetPlan kQuickFleet{{100, 1000}, 2s, 3s, 2'000, 40, 3};
const FleetPlan kFullFleet{{1000, 10000}, 10s, 20s, 1'000'000, 400, 20};

void FleetProgress(const std::string& text) { bench::Progress("fleet: " + text); }

std::string AgentId(int k) { return "sim-" + std::to_string(k); }

// Traces of `count` stored events spread over `agents`, written into the
// control plane's store before it starts, with their search index.
void SeedTraces(const std::filesystem::path& cp_dir, uint64_t map_size, uint64_t count, int agents) {
  auto store = store::Store::Open(controlplane::ControlPlaneStoreOptions(cp_dir, map_size));
  if (!store.ok()) throw std::runtime_error("seed: " + store.status().ToString());
  controlplane::EventTraceLog traces(**store, count * 2);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  constexpr uint64_t kPerTxn = 10'000;
  for (uint64_t first = 0; first < count; first += kPerTxn) {
    Status s = (*store)->WriteSync([&](store::WriteTxn& txn) {
      for (uint64_t i = first; i < std::min(count, first + kPerTxn); ++i) {
        ferry::v1::Event event;
        event.set_event_id("bench-" + std::to_string(i));
        event.set_agent_id(AgentId(static_cast<int>(i % agents)));
        event.mutable_idoc()->set_docnum(Docnum(9'000'000'000 + i));
        event.mutable_idoc()->set_mestyp("DEBMAS");
        event.set_business_key("webhook|DEBMAS:" + std::to_string(5'000'000 + i));
        event.set_received_unix_ms(now - 1000);
        auto trace = controlplane::EventTraceLog::Begin(event, now - 900, now - 800);
        if (Status put = traces.Put(txn.txn(), trace); !put.ok()) return put;
      }
      return Status::Ok();
    });
    if (!s.ok()) throw std::runtime_error("seed: " + s.ToString());
  }
}

// One MQTT connection speaking for `agents` agents: each heartbeats every
// `interval`, spread evenly, and one event a second goes up for one of
// them.
class FleetSimulator {
 public:
  FleetSimulator(const std::string& broker, int agents, std::chrono::milliseconds interval)
      : client_(broker, "fleet-sim-" + std::to_string(agents)), agents_(agents), interval_(interval) {
    if (std::string error = client_.Connect(); !error.empty()) throw std::runtime_error("simulator: " + error);
    thread_ = std::thread([this] { Run(); });
  }
  ~FleetSimulator() {
    stop_ = true;
    thread_.join();
    client_.Disconnect();
  }
  uint64_t heartbeats() const { return heartbeats_; }

 private:
  void Run() {
    const auto step = interval_ / agents_;
    auto next = Clock::now();
    uint64_t batch = 0;
    auto next_event = Clock::now();
    for (int k = 0; !stop_; k = (k + 1) % agents_) {
      next += step;
      ferry::v1::Heartbeat hb;
      hb.set_agent_id(AgentId(k));
      hb.set_unix_ms(
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count());
      hb.set_version("bench");
      hb.set_interval_ms(interval_.count());
      (*hb.mutable_labels())["plant"] = "p" + std::to_string(k % 50);
      client_.Publish(transport::topics::UpHeartbeat(AgentId(k)), hb.SerializeAsString());
      ++heartbeats_;
      if (Clock::now() >= next_event) {
        next_event += 1s;
        ferry::v1::Event event;
        event.set_event_id("trickle-" + std::to_string(agents_) + "-" + std::to_string(batch));
        event.set_agent_id(AgentId(k));
        event.mutable_idoc()->set_docnum(Docnum(8'000'000'000 + batch));
        event.mutable_idoc()->set_mestyp("DEBMAS");
        event.set_business_key("webhook|DEBMAS:" + std::to_string(batch));
        event.set_content_type("application/xml");
        event.set_payload("<IDOC/>");
        const std::string serialized = event.SerializeAsString();
        const std::string frame = wire::EncodeBatch(AgentId(k), ++batch, {{batch, serialized}}, {});
        client_.Publish(transport::topics::UpEvents(AgentId(k)), frame);
      }
      std::this_thread::sleep_until(next);
    }
  }

  MqttTestClient client_;
  int agents_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> heartbeats_{0};
  std::thread thread_;
};

struct ConsoleEndpoint {
  int port = 0;
  std::string ca;
  std::string token;        // a viewer's
  std::string admin_token;  // makes the changes the live-update streams hear
  std::filesystem::path dir;
  std::string Url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port) + path; }
};

std::string CaptureShell(const std::string& cmd) {
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; pipe && (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  if (pipe) pclose(pipe);
  return out;
}

// Each path requested in turn over one kept-alive connection (curl reuses
// it for every URL of one command line); the time of each, in ms.
std::vector<double> Latencies(const ConsoleEndpoint& c, const std::vector<std::string>& paths) {
  std::string cmd =
      "curl -s --cacert " + c.ca + " -H 'Authorization: Bearer " + c.token + "' -w '%{time_total} %{http_code}\\n'";
  for (const auto& path : paths) cmd += " -o /dev/null '" + c.Url(path) + "'";
  std::vector<double> ms;
  std::istringstream lines(CaptureShell(cmd));
  double seconds = 0;
  int code = 0;
  while (lines >> seconds >> code) {
    if (code != 200) throw std::runtime_error("the console answered " + std::to_string(code));
    ms.push_back(seconds * 1000);
  }
  if (ms.size() != paths.size()) throw std::runtime_error("curl did not make every request");
  return ms;
}

// How long a change takes to reach `streams` open live-update streams (the
// slowest), in ms: an audit entry made with the CLI, which every stream
// hears as a notice of topic "audit".
double FanOutMs(Pipeline& p, const ConsoleEndpoint& c, int streams, int round) {
  std::vector<Process> curls;
  std::vector<std::filesystem::path> outputs;
  for (int i = 0; i < streams; ++i) {
    outputs.push_back(c.dir / ("sse-" + std::to_string(round) + "-" + std::to_string(i) + ".out"));
    curls.push_back(Process::Start(
        {"curl", "-s", "-N", "--cacert", c.ca, "-b", (c.dir / "sse.cookies").string(), c.Url("/api/v1/events")},
        outputs.back()));
  }
  auto all_have = [&](const std::string& text) {
    for (const auto& out : outputs) {
      if (ReadFile(out).find(text) == std::string::npos) return false;
    }
    return true;
  };
  // Each stream is open once the server's first line has come.
  if (!WaitUntil([&] { return all_have("retry:"); }, 20s)) {
    throw std::runtime_error("the live-update streams did not open");
  }
  std::vector<size_t> before;
  for (const auto& out : outputs) before.push_back(ReadFile(out).size());
  const auto start = Clock::now();
  // An API token made through the API: audited, so every stream hears it.
  CaptureShell("curl -s -o /dev/null --cacert " + c.ca + " -H 'Authorization: Bearer " + c.admin_token +
               "' -H 'Content-Type: application/json' -d '{\"name\":\"fanout-" + std::to_string(round) +
               "\",\"role\":\"viewer\"}' '" + c.Url("/api/v1/tokens") + "'");
  const bool heard = WaitUntil(
      [&] {
        for (size_t i = 0; i < outputs.size(); ++i) {
          if (ReadFile(outputs[i]).find("audit", before[i]) == std::string::npos) return false;
        }
        return true;
      },
      20s);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  for (auto& curl : curls) curl.Kill9();
  if (!heard) throw std::runtime_error("a live-update stream missed the change");
  return ms;
}

}  // namespace

void MeasureFleet(bool quick, std::map<std::string, double>& out) {
  const FleetPlan& plan = quick ? kQuickFleet : kFullFleet;
  ConsoleEndpoint console;
  console.port = FreeTcpPort();
  PipelineOptions options;
  // One connection speaks for every simulated agent: the broker's per-agent
  // identities are not what is measured here.
  options.enrolled = false;
  options.log_level = "info";
  options.cp_map_size = quick ? "1GiB" : "16GiB";
  options.cp_extra_yaml =
      "console:\n  listen: 127.0.0.1:" + std::to_string(console.port) +
      "\n  hosts: [127.0.0.1]\n  max_event_streams: 32\n  trace_max_events: " + std::to_string(plan.traces * 2) + "\n";
  Pipeline p(options);
  console.dir = p.dir().path();
  console.ca = (p.dir().path() / "cp" / "pki" / "ca.crt").string();

  FleetProgress("seeding " + std::to_string(plan.traces) + " event traces");
  const auto seed_start = Clock::now();
  SeedTraces(p.dir().path() / "cp", quick ? (1ull << 30) : (16ull << 30), plan.traces, plan.fleets.back());
  out["fleet_seed_traces_per_s"] = plan.traces / std::chrono::duration<double>(Clock::now() - seed_start).count();

  p.broker().Start();
  p.StartControlPlane();
  auto make_token = [&](const std::string& name, const std::string& role) {
    std::string token = CaptureShell(std::string(FERRY_CONTROLPLANE_BIN) + " tokens add " + name + " --role " + role +
                                     " --config " + p.cp_config().string() + " 2>/dev/null");
    while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
    if (token.empty()) throw std::runtime_error("no API token");
    return token;
  };
  console.token = make_token("bench", "viewer");
  console.admin_token = make_token("bench-admin", "admin");
  WriteFile(p.dir().path() / "sse.password", "password of sse 123\n");
  p.RunControlPlaneCli("users add sse --role viewer --password-file " + (p.dir().path() / "sse.password").string());
  CaptureShell("curl -s -o /dev/null --cacert " + console.ca + " -c " + (console.dir / "sse.cookies").string() +
               " -H 'Content-Type: application/json' -d '{\"name\":\"sse\",\"password\":\"password of sse 123\"}' '" +
               console.Url("/api/v1/session") + "'");

  const pid_t cp = p.controlplane().pid();
  auto cores_over = [&](std::chrono::milliseconds window) {
    const double before = CpuSeconds(cp);
    const auto start = Clock::now();
    std::this_thread::sleep_for(window);  // a measuring window, not a wait for a condition
    return (CpuSeconds(cp) - before) / std::chrono::duration<double>(Clock::now() - start).count();
  };
  FleetProgress("idle");
  out["fleet_cp_idle_cores"] = cores_over(plan.measure);

  for (int agents : plan.fleets) {
    const std::string n = std::to_string(agents);
    FleetProgress(n + " agents heartbeating every " + std::to_string(plan.interval.count()) + " ms");
    FleetSimulator sim(p.broker().url(), agents, plan.interval);
    // Every agent heard from once before measuring.
    const bool known = WaitUntil([&] { return sim.heartbeats() >= static_cast<uint64_t>(agents); }, plan.interval * 3);
    if (!known) throw std::runtime_error("the simulator fell behind");
    out["fleet_cp_cores_" + n] = cores_over(plan.measure);
    out["fleet_cp_rss_mb_" + n] = RssMb(cp);
    out["fleet_heartbeats_per_s_" + n] = agents * 1000.0 / plan.interval.count();
    if (agents != plan.fleets.back()) continue;

    FleetProgress("latency with " + n + " agents and " + std::to_string(plan.traces) + " events");
    std::mt19937_64 random(42);
    std::vector<std::string> baseline(plan.requests, "/api/v1/alerts"), list(plan.requests, "/api/v1/agents?limit=50"),
        search;
    for (int i = 0; i < plan.requests; ++i) {
      search.push_back("/api/v1/search?q=" + std::to_string(9'000'000'000 + random() % plan.traces) + "&limit=20");
    }
    const auto base_ms = Latencies(console, baseline);
    const auto list_ms = Latencies(console, list);
    const auto search_ms = Latencies(console, search);
    out["fleet_api_baseline_p99_ms"] = Percentile(base_ms, 0.99);
    out["fleet_agent_list_p50_ms"] = Percentile(list_ms, 0.5);
    out["fleet_agent_list_p99_ms"] = Percentile(list_ms, 0.99);
    out["fleet_search_p50_ms"] = Percentile(search_ms, 0.5);
    out["fleet_search_p99_ms"] = Percentile(search_ms, 0.99);
    out["fleet_agent_list_p99_ratio"] =
        out["fleet_agent_list_p99_ms"] / std::max(0.001, out["fleet_api_baseline_p99_ms"]);
    out["fleet_search_p99_ratio"] = out["fleet_search_p99_ms"] / std::max(0.001, out["fleet_api_baseline_p99_ms"]);

    FleetProgress("live updates to 1 and " + std::to_string(plan.streams) + " streams");
    out["fleet_sse_fanout_1_ms"] = FanOutMs(p, console, 1, 1);
    out["fleet_sse_fanout_" + std::to_string(plan.streams) + "_ms"] = FanOutMs(p, console, plan.streams, 2);
    out["fleet_sse_fanout_ratio"] =
        out["fleet_sse_fanout_" + std::to_string(plan.streams) + "_ms"] / std::max(1.0, out["fleet_sse_fanout_1_ms"]);
  }
}

}  // namespace ferry::testing
