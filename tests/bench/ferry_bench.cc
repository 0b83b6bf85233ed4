// ferry_bench: throughput and latency of the durable pipeline, each figure
// next to a baseline measured in the same run on the same machine, so the
// ratios survive a noisy, shared host. Prints one JSON object on stdout;
// progress goes to stderr.
//
//   ferry_bench            full run (a few minutes)
//   ferry_bench --quick    smoke run (well under a minute)

#include <lmdb.h>
#include <mqtt/async_client.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/flows/flow_set.h"
#include "common/idoc/idoc_xml.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/crm_delivery_bench.h"
#include "tests/bench/fleet_bench.h"
#include "tests/bench/load_client.h"
#include "tests/bench/sources_bench.h"
#include "tests/bench/websocket_bench.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using bench::Percentile;
using bench::Progress;
using bench::RssMb;

using Clock = std::chrono::steady_clock;

struct Plan {
  int lmdb_batches;  // of 16 records
  int lmdb_serial_records;
  std::chrono::seconds ingest_duration;
  int drain_events;
  int mqtt_raw_messages;
  std::chrono::seconds e2e_duration;
  int drain_ws_events;  // the backlog drained through the WebSocket tunnel
  bench::SourcesPlan sources;
};

constexpr Plan kFull{4000,   2000,         std::chrono::seconds(10), 200000, 100000, std::chrono::seconds(30),
                     100000, {50000, 5000}};
constexpr Plan kQuick{300, 200, std::chrono::seconds(2), 5000, 5000, std::chrono::seconds(3), 3000, {2000, 200}};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `step` repeatedly on this thread for about `duration`; calls per second.
template <typename Step>
double CallsPerSecond(std::chrono::milliseconds duration, Step step) {
  uint64_t calls = 0;
  const auto start = Clock::now();
  auto elapsed = Clock::duration::zero();
  do {
    for (int i = 0; i < 64; ++i) step();
    calls += 64;
    elapsed = Clock::now() - start;
  } while (elapsed < duration);
  return static_cast<double>(calls) / Seconds(elapsed);
}

// Mapping cost next to parsing cost, one core: DEBMAS -> Salesforce Account
// and Contacts with the standard flow, on the full customer fixture.
// parse = IDoc-XML to control record, keys and document tree (what the
// agent does for every request); map = the flow on that tree.
void MeasureMapping(std::chrono::milliseconds duration, std::map<std::string, double>& out) {
  const std::string body = ReadAll(std::filesystem::path(FERRY_FIXTURE_DIR) / "idoc/debmas07_customer_full.xml");
  const std::string flow_file = std::string(FERRY_STANDARD_FLOWS_DIR) + "/debmas-account-salesforce.yaml";
  auto flows = flows::FlowSet::Compile({{"debmas-account-salesforce.yaml", ReadAll(flow_file)}});
  auto packet = idoc::ParseIdocXml(body);
  if (!flows.ok() || !packet.ok()) {
    std::cerr << "ferry_bench: mapping setup failed\n";
    std::exit(1);
  }
  const idoc::ParsedIdoc& idoc = packet->idocs[0];
  const flows::DocumentInfo info{"idoc_http", idoc.control.mestyp, idoc.control.idoctyp, idoc.control.cimtyp};
  size_t records = 0;
  out["parse_per_s"] = CallsPerSecond(duration, [&] { records += idoc::ParseIdocXml(body)->idocs.size(); });
  out["map_per_s"] = CallsPerSecond(duration, [&] { records += (*flows)->Run(*idoc.document, info).outcomes.size(); });
  out["map_vs_parse_ratio"] = out["map_per_s"] / out["parse_per_s"];
  out["map_idoc_bytes"] = static_cast<double>(body.size());
  if (records == 0) std::exit(1);  // keeps the loops from being optimised away
}

// A DEBMAS05 of about 5 KB: the customer fixture with text lines added.
std::string FiveKbDebmas() {
  std::string xml = ReadFixture("debmas05_customer.xml");
  std::string lines;
  for (int i = 0; xml.size() + lines.size() < 5000; ++i) {
    lines += "      <E1KNA1H SEGMENT=\"1\"><TDID>0001</TDID><TDLINE>Delivery note line " + std::to_string(i) +
             ": ramp 3, call the dock office 30 minutes before arrival</TDLINE></E1KNA1H>\n";
  }
  size_t at = xml.find("    </E1KNA1M>");
  return xml.substr(0, at) + lines + xml.substr(at);
}

// The n-th IDoc of a run: its own IDoc number, and one of 1,000 customers,
// as a day of master-data changes would be (events of one customer are
// delivered strictly one after another).
std::string NthIdoc(const std::string& base, uint64_t n) {
  char kunnr[16];
  std::snprintf(kunnr, sizeof(kunnr), "%010llu", static_cast<unsigned long long>(100000 + n % 1000));
  return ReplaceElement(ReplaceElement(base, "DOCNUM", Docnum(n)), "KUNNR", kunnr);
}

// Baseline: a plain LMDB append loop, `per_txn` records of `size` bytes per
// fsynced transaction. Returns records per second.
double LmdbRawPerSecond(const std::filesystem::path& dir, int txns, int per_txn, size_t size) {
  std::filesystem::create_directories(dir);
  MDB_env* env;
  mdb_env_create(&env);
  mdb_env_set_mapsize(env, 4ull << 30);
  mdb_env_open(env, dir.c_str(), 0, 0640);
  MDB_dbi dbi;
  MDB_txn* txn;
  mdb_txn_begin(env, nullptr, 0, &txn);
  mdb_dbi_open(txn, nullptr, 0, &dbi);
  mdb_txn_commit(txn);
  std::string value(size, 'x');
  uint64_t seq = 0;
  auto start = Clock::now();
  for (int t = 0; t < txns; ++t) {
    mdb_txn_begin(env, nullptr, 0, &txn);
    for (int i = 0; i < per_txn; ++i) {
      uint64_t key = __builtin_bswap64(++seq);
      MDB_val k{8, &key}, v{value.size(), value.data()};
      mdb_put(txn, dbi, &k, &v, MDB_APPEND);
    }
    mdb_txn_commit(txn);
  }
  double secs = Seconds(Clock::now() - start);
  mdb_env_close(env);
  return seq / secs;
}

// Posts distinct IDocs from `clients` keep-alive connections for `duration`.
// Returns IDocs answered 200 per second.
double IngestPerSecond(Pipeline& p, const std::string& base, int clients, std::chrono::seconds duration,
                       std::atomic<uint64_t>& next_docnum, double* peak_rss) {
  std::atomic<uint64_t> accepted{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      bench::LoadClient client(p.agent_port());
      while (!stop) {
        if (client.PostXml("/sap/idoc", NthIdoc(base, next_docnum++)) == 200) ++accepted;
      }
    });
  }
  auto start = Clock::now();
  while (Clock::now() - start < duration) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (peak_rss) *peak_rss = std::max(*peak_rss, RssMb(p.agent().pid()));
  }
  stop = true;
  for (auto& t : threads) t.join();
  return accepted / Seconds(Clock::now() - start);
}

// Baseline: Paho QoS 1 publisher → subscriber on the same broker, over the
// same mutual TLS (an enrolled agent's identity publishes, the control
// plane's reads), 10 messages in flight, payloads of the same size.
// Messages/s. The broker makes a client's id its certificate's name, so the
// control plane stops while its identity is used here.
double MqttRawPerSecond(Pipeline& p, int messages, size_t size) {
  const std::string topic = "ferry/v1/agents/bench-01/up/bench";
  const auto bench_dir = p.dir().path() / "bench-01";
  p.EnsureEnrolled("bench-01", bench_dir);
  const auto agent_identity = bench_dir / "identity";
  const auto pki = p.dir().path() / "cp" / "pki";
  p.controlplane().Terminate();
  auto connect = [&](mqtt::async_client& client, const std::filesystem::path& ca, const std::filesystem::path& pem) {
    auto ssl = mqtt::ssl_options_builder().trust_store(ca.string()).key_store(pem.string()).private_key(pem.string());
    client
        .connect(mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_5)
                     .clean_start(true)
                     .ssl(ssl.finalize())
                     .finalize())
        ->wait();
  };
  std::atomic<int> received{0};
  mqtt::async_client sub(p.broker().url(), "bench-sub", mqtt::create_options(MQTTVERSION_5), nullptr);
  sub.set_message_callback([&](mqtt::const_message_ptr) { ++received; });
  connect(sub, pki / "ca.crt", pki / "controlplane.pem");
  sub.subscribe(topic, 1)->wait();
  mqtt::async_client pub(p.broker().url(), "bench-pub", mqtt::create_options(MQTTVERSION_5), nullptr);
  connect(pub, agent_identity / "ca.crt", agent_identity / "agent.pem");
  std::string payload(size, 'x');
  std::vector<mqtt::delivery_token_ptr> window;
  auto start = Clock::now();
  for (int i = 0; i < messages; ++i) {
    if (window.size() == 10) {
      window.front()->wait();
      window.erase(window.begin());
    }
    window.push_back(pub.publish(topic, payload.data(), payload.size(), 1, false));
  }
  for (auto& t : window) t->wait();
  WaitUntil([&] { return received >= messages; }, std::chrono::seconds(60), std::chrono::milliseconds(1));
  double rate = received / Seconds(Clock::now() - start);
  pub.disconnect()->wait();
  sub.disconnect()->wait();
  p.StartControlPlane();
  return rate;
}

struct Latency {
  double p50_ms = 0, p99_ms = 0, rate_per_s = 0, events = 0, peak_rss_mb = 0, peak_anon_mb = 0;
};

// End-to-end latency at a fixed 1,000 IDocs/s: from the agent's 200 to the
// webhook receiving the event (same clock: the receiver is in-process).
Latency MeasureLatency(Pipeline& p, const std::string& base, std::chrono::seconds duration,
                       std::atomic<uint64_t>& next_docnum) {
  p.sink().Clear();
  std::mutex mu;
  std::map<std::string, Clock::time_point> accepted_at;
  const int kSenders = 8;
  const auto interval = std::chrono::microseconds(1000000 * kSenders / 1000);
  std::vector<std::thread> senders;
  auto e2e_start = Clock::now();
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      KeepAliveClient client(p.agent_port());
      auto next = e2e_start + interval * s / kSenders;
      while (Clock::now() - e2e_start < duration) {
        std::this_thread::sleep_until(next);
        next += interval;
        const uint64_t n = next_docnum++;
        const std::string docnum = Docnum(n);
        auto res = client.Post("/sap/idoc", NthIdoc(base, n), {{"Content-Type", "text/xml"}});
        if (res.status == 200) {
          std::lock_guard lock(mu);
          accepted_at[docnum] = Clock::now();
        }
      }
    });
  }
  Latency out;
  while (Clock::now() - e2e_start < duration) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    out.peak_rss_mb = std::max(out.peak_rss_mb, RssMb(p.agent().pid()));
    out.peak_anon_mb = std::max(out.peak_anon_mb, RssMb(p.agent().pid(), "RssAnon:"));
    if (std::getenv("FERRY_BENCH_TRACE")) {
      Progress("e2e: outbox " + std::to_string(p.AgentOutboxDepth()) + " delivery queue " +
               std::to_string(p.ControlPlaneQueueDepth()) + " delivered " + std::to_string(p.sink().AcceptedCount()));
    }
  }
  for (auto& t : senders) t.join();
  WaitUntil([&] { return p.sink().AcceptedCount() >= accepted_at.size(); }, std::chrono::seconds(120));
  std::vector<double> latencies;
  for (const auto& r : p.sink().Requests()) {
    size_t at = r.body.find("\"docnum\":\"");
    if (at == std::string::npos) continue;
    auto it = accepted_at.find(r.body.substr(at + 10, 16));
    if (it == accepted_at.end()) continue;
    latencies.push_back(std::max(0.0, std::chrono::duration<double, std::milli>(r.at - it->second).count()));
  }
  out.events = static_cast<double>(latencies.size());
  out.rate_per_s = accepted_at.size() / Seconds(duration);
  out.p50_ms = Percentile(latencies, 0.50);
  out.p99_ms = Percentile(latencies, 0.99);
  p.sink().Clear();
  return out;
}

// Ingest from 16 connections (broker down) alone, then again while field IT
// reads the buffer: `status` and a page of `queue ls` as separate processes
// once a second (what a person, or a monitoring script, does), through LMDB
// read transactions. Back to back, so both see about the same store.
void MeasureIngestWithCli(Pipeline& p, const std::string& base, const Plan& plan, std::atomic<uint64_t>& next_docnum,
                          std::map<std::string, double>& out) {
  Progress("ingest, 16 connections, baseline for the CLI phase");
  out["ingest_cli_baseline_per_s"] = IngestPerSecond(p, base, 16, plan.ingest_duration, next_docnum, nullptr);
  Progress("ingest, 16 connections, with the field CLI reading");
  std::atomic<bool> reading{true};
  std::vector<double> call_ms;
  std::thread reader([&] {
    while (reading) {
      const auto round = Clock::now();
      for (const char* args : {"status --json", "queue ls --state pending --limit 50 --json"}) {
        const auto t0 = Clock::now();
        int code = -1;
        p.RunAgentCli(args, &code);
        if (code == 0) call_ms.push_back(Seconds(Clock::now() - t0) * 1000);
      }
      while (reading && Clock::now() - round < std::chrono::seconds(1)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  });
  out["ingest_with_cli_per_s"] = IngestPerSecond(p, base, 16, plan.ingest_duration, next_docnum, nullptr);
  reading = false;
  reader.join();
  out["cli_calls"] = static_cast<double>(call_ms.size());
  out["cli_call_p50_ms"] = Percentile(call_ms, 0.5);
  out["cli_call_max_ms"] = call_ms.empty() ? 0 : *std::max_element(call_ms.begin(), call_ms.end());
  out["ingest_with_cli_ratio"] = out["ingest_with_cli_per_s"] / out["ingest_cli_baseline_per_s"];
}

// Posts IDocs from 16 connections until the agent's outbox holds `events`
// (the tunnel being down, the agent only buffers).
void FillBacklog(Pipeline& p, const std::string& base, int events, std::atomic<uint64_t>& next_docnum) {
  const uint64_t backlog = p.AgentOutboxDepth();
  if (backlog >= static_cast<uint64_t>(events)) return;
  Progress("filling backlog to " + std::to_string(events));
  std::atomic<uint64_t> left{events - backlog};
  std::vector<std::thread> fillers;
  for (int c = 0; c < 16; ++c) {
    fillers.emplace_back([&] {
      bench::LoadClient client(p.agent_port());
      while (true) {
        uint64_t n = left.load();
        if (n == 0 || !left.compare_exchange_weak(n, n - 1)) {
          if (n == 0) break;
          continue;
        }
        if (client.PostXml("/sap/idoc", NthIdoc(base, next_docnum++)) != 200) ++left;
      }
    });
  }
  for (auto& t : fillers) t.join();
}

// Seconds until the agent's outbox is empty, sampling the agent's memory
// meanwhile (the peaks to `peak_anon_mb` and `peak_rss_mb`).
double SecondsToDrain(Pipeline& p, double& peak_anon_mb, double& peak_rss_mb) {
  const auto start = Clock::now();
  WaitUntil(
      [&] {
        peak_anon_mb = std::max(peak_anon_mb, RssMb(p.agent().pid(), "RssAnon:"));
        peak_rss_mb = std::max(peak_rss_mb, RssMb(p.agent().pid()));
        return p.AgentOutboxDepth() == 0;
      },
      std::chrono::minutes(10), std::chrono::milliseconds(50));
  return Seconds(Clock::now() - start);
}

// The same pipeline over the direct WebSocket tunnel, no broker: latency
// at 1,000 IDocs/s on fresh stores, then a backlog built while the control
// plane is down and drained once it is back; beside the socket's own rate.
void MeasureWebSocketTunnel(const Plan& plan, const PipelineOptions& base_options, const std::string& base,
                            std::atomic<uint64_t>& next_docnum, const std::filesystem::path& scratch,
                            std::map<std::string, double>& out) {
  PipelineOptions options = base_options;
  options.transport = "websocket";
  options.broker = false;
  Pipeline p(options);
  p.StartAll();
  Progress("websocket tunnel: end-to-end latency at 1000 IDocs/s");
  Latency latency = MeasureLatency(p, base, plan.e2e_duration, next_docnum);
  out["e2e_ws_p50_ms"] = latency.p50_ms;
  out["e2e_ws_p99_ms"] = latency.p99_ms;
  WaitUntil([&] { return p.ControlPlaneQueueDepth() == 0; }, std::chrono::minutes(5), std::chrono::milliseconds(200));
  p.controlplane().Terminate();
  FillBacklog(p, base, plan.drain_ws_events, next_docnum);
  const uint64_t backlog = p.AgentOutboxDepth();
  out["drain_ws_events"] = static_cast<double>(backlog);
  Progress("websocket tunnel: drain of " + std::to_string(backlog) + " buffered IDocs");
  p.StartControlPlane();
  double anon = 0, rss = 0;
  out["drain_ws_per_s"] = backlog / SecondsToDrain(p, anon, rss);
  out["agent_anon_mb_drain_ws"] = anon;
  Progress("websocket baseline");
  out["ws_raw_per_s"] = bench::WebSocketRawPerSecond(scratch / "ws-raw", plan.mqtt_raw_messages, base.size());
  out["drain_ws_ratio"] = out["drain_ws_per_s"] / out["ws_raw_per_s"];
  if (out.count("drain_per_s")) out["drain_ws_vs_mqtt_ratio"] = out["drain_ws_per_s"] / out["drain_per_s"];
  if (out.count("e2e_p99_ms")) out["e2e_ws_vs_mqtt_p99_ratio"] = out["e2e_ws_p99_ms"] / out["e2e_p99_ms"];
}

// Stores large enough for the backlogs, and the delivery concurrency of a
// busy control plane.
PipelineOptions BenchPipelineOptions() {
  PipelineOptions options;
  options.agent_max_bytes = "3GiB";
  options.agent_map_size = "8GiB";
  options.cp_max_bytes = "3GiB";
  options.cp_map_size = "8GiB";
  options.delivery_concurrency = 32;
  options.log_level = "info";
  return options;
}

// The SAP sources against their LMDB baselines: a page of 1,000 entities
// is one commit, a file of one IDoc is one commit.
void MeasureSourcesAgainstLmdb(const Plan& plan, const std::string& base, const std::filesystem::path& scratch,
                               std::map<std::string, double>& out) {
  bench::MeasureSources(plan.sources, base, scratch / "sources", out);
  Progress("LMDB baselines for the sources");
  const int pages = std::max(2, plan.sources.entities / 1000);
  out["lmdb_raw_page_per_s"] =
      LmdbRawPerSecond(scratch / "raw-page", pages, 1000, static_cast<size_t>(out["s4_entity_bytes"]));
  out["s4_poll_ratio"] = out["s4_poll_per_s"] / out["lmdb_raw_page_per_s"];
  out["lmdb_raw_file_per_s"] = LmdbRawPerSecond(scratch / "raw-file", plan.sources.files, 1, base.size());
  out["file_port_ratio"] = out["file_port_per_s"] / out["lmdb_raw_file_per_s"];
}

void PrintJson(bool quick, const std::map<std::string, double>& out) {
  std::cout << "{\"mode\":\"" << (quick ? "quick" : "full") << "\"";
  for (const auto& [k, v] : out) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.3f", v);
    std::cout << ",\"" << k << "\":" << buf;
  }
  std::cout << "}" << std::endl;
}

int Main(bool quick, bool e2e_only, bool map_only, bool crm_only, bool cli_only, bool fleet_only, bool ws_only,
         bool sources_only) {
  const Plan plan = quick ? kQuick : kFull;
  const std::string base = FiveKbDebmas();
  std::map<std::string, double> out;
  out["idoc_bytes"] = static_cast<double>(base.size());

  Progress("mapping vs parsing, one core");
  MeasureMapping(quick ? std::chrono::milliseconds(300) : std::chrono::milliseconds(3000), out);
  if (map_only) {
    PrintJson(quick, out);
    return 0;
  }
  if (sources_only) {
    TempDir scratch;
    MeasureSourcesAgainstLmdb(plan, base, scratch.path(), out);
    PrintJson(quick, out);
    return 0;
  }
  if (ws_only) {
    TempDir scratch;
    std::atomic<uint64_t> next_docnum{1};
    MeasureWebSocketTunnel(plan, BenchPipelineOptions(), base, next_docnum, scratch.path(), out);
    PrintJson(quick, out);
    return 0;
  }
  if (!cli_only && (crm_only || !e2e_only) && !fleet_only) MeasureCrmDelivery(quick, out);
  if (fleet_only || (!e2e_only && !crm_only && !cli_only)) MeasureFleet(quick, out);
  if (crm_only || fleet_only) {
    PrintJson(quick, out);
    return 0;
  }

  TempDir scratch;
  Progress("LMDB baselines");
  out["lmdb_raw_per_s"] = LmdbRawPerSecond(scratch.path() / "raw16", plan.lmdb_batches, 16, base.size());
  out["lmdb_raw_serial_per_s"] = LmdbRawPerSecond(scratch.path() / "raw1", plan.lmdb_serial_records, 1, base.size());

  const PipelineOptions options = BenchPipelineOptions();
  Pipeline p(options);
  std::atomic<uint64_t> next_docnum{1};
  double peak_rss = 0;

  // Steady state on a fresh pipeline: latency at 1,000 IDocs/s.
  p.StartAll();
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let start-up settle before measuring idle memory
  out["agent_rss_mb_idle"] = RssMb(p.agent().pid());
  out["agent_anon_mb_idle"] = RssMb(p.agent().pid(), "RssAnon:");
  if (cli_only) {
    p.broker().Stop();
    MeasureIngestWithCli(p, base, plan, next_docnum, out);
    PrintJson(quick, out);
    return 0;
  }
  Progress("end-to-end latency at 1000 IDocs/s");
  Latency fresh = MeasureLatency(p, base, plan.e2e_duration, next_docnum);
  out["e2e_p50_ms"] = fresh.p50_ms;
  out["e2e_p99_ms"] = fresh.p99_ms;
  out["e2e_rate_per_s"] = fresh.rate_per_s;
  out["e2e_events"] = fresh.events;
  out["agent_rss_mb_load"] = fresh.peak_rss_mb;
  out["agent_anon_mb_load"] = fresh.peak_anon_mb;
  if (!e2e_only) {
    // Ingest with the broker down: the agent only accepts and buffers.
    p.broker().Stop();
    Progress("ingest, 16 connections");
    out["ingest_per_s"] = IngestPerSecond(p, base, 16, plan.ingest_duration, next_docnum, &peak_rss);
    MeasureIngestWithCli(p, base, plan, next_docnum, out);
    Progress("ingest, 1 connection");
    out["ingest_serial_per_s"] = IngestPerSecond(p, base, 1, plan.ingest_duration, next_docnum, &peak_rss);
    out["ingest_ratio"] = out["ingest_per_s"] / out["lmdb_raw_per_s"];
    out["ingest_serial_ratio"] = out["ingest_serial_per_s"] / out["lmdb_raw_serial_per_s"];
    // Drain: top the backlog up, then bring the broker and control plane up.
    uint64_t backlog = p.AgentOutboxDepth();
    FillBacklog(p, base, plan.drain_events, next_docnum);
    backlog = p.AgentOutboxDepth();
    out["drain_events"] = static_cast<double>(backlog);
    out["agent_rss_mb_backlog"] = RssMb(p.agent().pid());
    out["agent_anon_mb_backlog"] = RssMb(p.agent().pid(), "RssAnon:");
    Progress("drain of " + std::to_string(backlog) + " buffered IDocs");
    p.broker().Start();
    double drain_anon = 0;
    out["drain_per_s"] = backlog / SecondsToDrain(p, drain_anon, peak_rss);
    out["agent_rss_mb_drain"] = peak_rss;
    out["agent_anon_mb_drain"] = drain_anon;
    // Let the control plane finish delivering before measuring latency.
    WaitUntil([&] { return p.ControlPlaneQueueDepth() == 0; }, std::chrono::minutes(10),
              std::chrono::milliseconds(200));

    Progress("MQTT baseline");
    out["mqtt_raw_per_s"] = MqttRawPerSecond(p, plan.mqtt_raw_messages, base.size());
    out["drain_ratio"] = out["drain_per_s"] / out["mqtt_raw_per_s"];

    // The same latency measurement once more, on stores that have just
    // drained a large backlog (LMDB then holds a long free-page list).
    Progress("end-to-end latency at 1000 IDocs/s after the drain");
    Latency after = MeasureLatency(p, base, plan.e2e_duration, next_docnum);
    out["e2e_after_drain_p50_ms"] = after.p50_ms;
    out["e2e_after_drain_p99_ms"] = after.p99_ms;
    p.agent().Terminate();
    p.controlplane().Terminate();
    p.broker().Stop();
    MeasureWebSocketTunnel(plan, options, base, next_docnum, scratch.path(), out);
    MeasureSourcesAgainstLmdb(plan, base, scratch.path(), out);
  }

  PrintJson(quick, out);
  return 0;
}

}  // namespace
}  // namespace ferry::testing

int main(int argc, char** argv) {
  bool quick = false, e2e_only = false, map_only = false, crm_only = false, cli_only = false, fleet_only = false,
       ws_only = false, sources_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick")
      quick = true;
    else if (arg == "--e2e-only")
      e2e_only = true;  // latency phase alone, on fresh stores
    else if (arg == "--map-only")
      map_only = true;  // mapping vs parsing alone, no processes
    else if (arg == "--crm-only")
      crm_only = true;  // CRM delivery alone
    else if (arg == "--cli-only")
      cli_only = true;  // ingest with and without the field CLI reading
    else if (arg == "--fleet-only")
      fleet_only = true;  // the control plane with a simulated fleet
    else if (arg == "--ws-only")
      ws_only = true;  // the direct WebSocket tunnel and its baseline
    else if (arg == "--sources-only")
      sources_only = true;  // the S/4 OData poller and the IDoc file port
    else {
      std::cerr << "usage: ferry_bench [--quick] [--e2e-only] [--map-only] [--crm-only] [--cli-only] [--fleet-only] "
                   "[--ws-only] [--sources-only]\n";
      return 2;
    }
  }
  return ferry::testing::Main(quick, e2e_only, map_only, crm_only, cli_only, fleet_only, ws_only, sources_only);
}
