#include "tests/integration/pipeline.h"

#include <array>
#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "agent/identity/enrollment_files.h"
#include "common/crypto/x509.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "controlplane/controlplane.h"
#include "controlplane/cp_config.h"
#include "controlplane/fleet/agent_identities.h"
#include "controlplane/fleet/fleet_pki.h"
#include "ferry/v1/event.pb.h"
#include "tests/support/ports.h"
#include "tests/support/shell.h"
#include "tests/support/wait.h"

namespace ferry::testing {

std::string ReadFixture(const std::string& name) {
  std::string text = ReadFile(std::filesystem::path(FERRY_FIXTURE_DIR) / "idoc" / name);
  if (text.empty()) throw std::runtime_error("fixture " + name + " is missing or empty");
  return text;
}

std::map<std::string, std::vector<Delivery>> DeliveriesByDocnum(const WebhookSink& sink) {
  std::map<std::string, std::vector<Delivery>> out;
  for (const auto& r : sink.Requests()) {
    if (r.status_sent < 200 || r.status_sent >= 300) continue;
    auto body = nlohmann::json::parse(r.body);
    auto key = r.headers.find("idempotency-key");
    out[body["idoc"]["docnum"].get<std::string>()].push_back(
        {body["event_id"].get<std::string>(), key == r.headers.end() ? "" : key->second});
  }
  return out;
}

Pipeline::Pipeline(PipelineOptions options) : options_(std::move(options)) {
  std::filesystem::create_directories(dir_.path() / "broker");
  agent_port_ = FreeTcpPort();
  agent_config_ = dir_.path() / "agent.yaml";
  cp_config_ = dir_.path() / "controlplane.yaml";
  if (!options_.enrolled) {
    broker_ = std::make_unique<Mosquitto>(dir_.path() / "broker", options_.broker_tls_ca, options_.broker_tls_cert,
                                          options_.broker_tls_key);
    WriteConfigs();
    return;
  }
  // The broker's certificate comes from the control plane's CA, as an
  // operator makes it (the broker reads it when it starts).
  enrollment_port_ = FreeTcpPort();
  tunnel_port_ = FreeTcpPort();
  const std::filesystem::path identity = dir_.path() / "broker" / "broker.pem";
  broker_ =
      Mosquitto::AsShipped(dir_.path() / "broker", dir_.path() / "cp" / "pki", identity, options_.broker_websockets);
  WriteConfigs();
  int rc = 0;
  const std::string out =
      RunControlPlaneCli("pki issue-server --name broker --host 127.0.0.1 --out " + identity.string(), &rc);
  if (rc != 0) throw std::runtime_error("pki issue-server failed: " + out);
}

namespace {

// The control plane's store and CA, opened by this process as its
// commands do (whether or not it runs).
struct ControlPlaneFleet {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<controlplane::FleetPki> pki;
};

ControlPlaneFleet OpenControlPlaneFleet(const std::filesystem::path& cp_config) {
  auto config = controlplane::LoadControlPlaneConfig(cp_config);
  if (!config.ok()) throw std::runtime_error("control plane config: " + config.status().ToString());
  auto store = store::Store::Open(controlplane::ControlPlaneStoreOptions(config->data_dir, config->map_size_bytes));
  auto pki = controlplane::FleetPki::Open(config->fleet.pki, /*create=*/true);
  if (!store.ok() || !pki.ok()) throw std::runtime_error("cannot open the control plane's store or CA");
  return {std::move(store).value(), std::move(pki).value()};
}

}  // namespace

std::string Pipeline::InviteDirectly(const std::string& id, std::chrono::seconds valid_for) {
  ControlPlaneFleet fleet = OpenControlPlaneFleet(cp_config_);
  controlplane::AgentIdentities identities(*fleet.store);
  auto token = identities.Invite(id, {}, valid_for, fleet.pki->root_fingerprint());
  if (!token.ok()) throw std::runtime_error("cannot invite " + id + ": " + token.status().ToString());
  return token->Format();
}

void Pipeline::EnsureEnrolled(const std::string& id, const std::filesystem::path& data_dir,
                              const std::map<std::string, std::string>& labels) {
  if (!options_.enrolled) return;
  auto existing = agent::ReadEnrollment(data_dir);
  if (existing.ok() && existing->has_value()) return;
  ControlPlaneFleet fleet = OpenControlPlaneFleet(cp_config_);
  controlplane::AgentIdentities identities(*fleet.store);
  auto token = identities.Invite(id, labels, std::chrono::hours(1), fleet.pki->root_fingerprint());
  auto key = crypto::PrivateKey::Generate();
  auto csr = crypto::CertificateRequest::FromPem(crypto::CertificateRequest::MakePem(*key, id).value());
  auto cert = fleet.pki->IssueAgentCertificate(*csr, id);
  if (!token.ok() || !cert.ok()) throw std::runtime_error("cannot enroll " + id);
  auto enrolled = identities.Enroll(*token, controlplane::IssuedCertificateRecord(*cert));
  Status written = agent::WriteEnrollment(data_dir, {id, {broker_->url()}, labels}, key->ToPem() + cert->ToPem(),
                                          fleet.pki->chain_pem(), "");
  if (!enrolled.ok() || !written.ok()) {
    throw std::runtime_error("cannot enroll " + id + ": " + enrolled.status().ToString() + " " + written.ToString());
  }
}

Pipeline::~Pipeline() {
  agent_.Kill9();
  controlplane_.Kill9();
}

std::string Pipeline::AgentYaml(const std::string& id, int port, const std::filesystem::path& data_dir,
                                const std::map<std::string, std::string>& labels) const {
  std::string label_yaml;
  for (const auto& [k, v] : labels) label_yaml += "    " + k + ": " + v + "\n";
  if (!label_yaml.empty()) label_yaml = "  labels:\n" + label_yaml;
  std::string auth;
  if (!options_.basic_auth_user.empty()) {
    auth = "    basic_auth:\n      user: " + options_.basic_auth_user +
           "\n      password_file: " + (dir_.path() / "idoc.password").string() + "\n";
  }
  const std::string agent_ca =
      options_.agent_tls_ca_override.empty() ? options_.broker_tls_ca : options_.agent_tls_ca_override;
  return "agent:\n  id: " + id + "\n  data_dir: " + data_dir.string() + "\n" + label_yaml +
         "log:\n  level: " + options_.log_level + "\nstore:\n  map_size: " + options_.agent_map_size +
         "\n  max_bytes: " + options_.agent_max_bytes +
         "\nsources:\n  idoc_http:\n    listen: 127.0.0.1:" + std::to_string(port) +
         "\n    path: /sap/idoc\n    retry_after: 7s\n    max_body: " + options_.max_body + "\n" + auth +
         options_.listener_extra_yaml +
         (options_.listener_tls_cert.empty()
              ? std::string()
              : "    tls:\n      cert_file: " + options_.listener_tls_cert +
                    "\n      key_file: " + options_.listener_tls_key + "\n" + options_.listener_tls_extra_yaml) +
         options_.sources_extra_yaml + Uplink() + "  ack_timeout: " + options_.agent_ack_timeout +
         "\n  reconnect_min: 50ms\n  reconnect_max: 1s\n  heartbeat_interval: 1s\n" +
         (options_.enrolled || !options_.broker_tls_cert.empty() ? "" : "  insecure: true\n") +
         (options_.broker_tls_cert.empty() && options_.agent_tls_ca_override.empty()
              ? std::string()
              : "  tls:\n    ca_file: " + agent_ca + "\n");
}

std::string Pipeline::Uplink() const {
  std::string proxy;
  if (!options_.agent_https_proxy.empty()) {
    proxy = "  https_proxy: " + options_.agent_https_proxy + "\n";
    if (!options_.agent_https_proxy_password.empty()) {
      proxy += "  https_proxy_password_file: " + (dir_.path() / "proxy.password").string() + "\n";
    }
  }
  if (options_.transport != "websocket") {
    if (options_.broker_websockets) return "uplink:\n  broker: " + broker_->ws_url() + "\n" + proxy;
    return "uplink:\n  broker: " + broker_->url() + "\n";
  }
  return "uplink:\n  transport: websocket\n  url: wss://127.0.0.1:" + std::to_string(tunnel_port_) +
         "\n  keep_alive: 2s\n" + proxy;
}

void Pipeline::WriteConfigs() {
  if (!options_.agent_https_proxy_password.empty()) {
    WriteFile(dir_.path() / "proxy.password", options_.agent_https_proxy_password + "\n");
  }
  if (!options_.basic_auth_user.empty()) {
    WriteFile(dir_.path() / "idoc.password", options_.basic_auth_password + "\n");
  }
  auto tls_section = [&](const std::string& ca) {
    if (options_.enrolled) return std::string();  // the control plane's own CA and identity
    return options_.broker_tls_cert.empty() ? std::string("  insecure: true\n") : "  tls:\n    ca_file: " + ca + "\n";
  };
  const std::string fleet =
      options_.enrolled
          ? "fleet:\n" +
                (options_.agent_certificate_lifetime.empty()
                     ? std::string()
                     : "  agent_certificate_lifetime: " + options_.agent_certificate_lifetime + "\n") +
                "  enrollment:\n    listen: 127.0.0.1:" + std::to_string(enrollment_port_) +
                "\n    hosts: [127.0.0.1]\n    max_per_minute: " + std::to_string(options_.enrollment_per_minute) +
                "\n    max_per_minute_per_client: " + std::to_string(options_.enrollment_per_minute_per_client) + "\n"
          : "fleet:\n  require_enrollment: false\n";
  WriteFile(agent_config_, AgentYaml(options_.agent_id, agent_port_, dir_.path() / "agent", options_.agent_labels) +
                               options_.agent_extra_yaml);
  WriteFile(
      cp_config_,
      "controlplane:\n  id: cp-test\n  data_dir: " + (dir_.path() / "cp").string() +
          "\nlog:\n  level: " + options_.log_level + "\nstore:\n  map_size: " + options_.cp_map_size +
          "\n  max_bytes: " + options_.cp_max_bytes + "\n" +
          (options_.broker ? "mqtt:\n  broker: " + broker_->url() + "\n  reconnect_min: 50ms\n  reconnect_max: 1s\n" +
                                 tls_section(options_.broker_tls_ca)
                           : std::string()) +
          (options_.transport == "websocket" || !options_.broker || options_.cp_listener
               ? "websocket:\n  listen: 127.0.0.1:" + std::to_string(tunnel_port_) +
                     "\n  hosts: [127.0.0.1]\n  idle_timeout: 4s\n"
               : std::string()) +
          "delivery:\n  connector: webhook\n"
          "  concurrency: " +
          std::to_string(options_.delivery_concurrency) + "\n  retry_initial: " + options_.delivery_retry_initial +
          "\n  retry_max: " + options_.delivery_retry_max + "\nconnectors:\n  webhook:\n    url: " +
          (options_.webhook_url.empty() ? sink_.url("/hook") : options_.webhook_url) + "\n    timeout: 5s\n" +
          options_.webhook_extra_yaml + options_.connectors_extra_yaml + fleet + options_.cp_extra_yaml);
}

void Pipeline::SetAgentCaOverride(const std::string& ca_file) {
  options_.agent_tls_ca_override = ca_file;
  WriteConfigs();
}

void Pipeline::SetAgentTransport(const std::string& transport) {
  options_.transport = transport;
  WriteConfigs();
}

void Pipeline::SetAgentLabels(std::map<std::string, std::string> labels) {
  options_.agent_labels = std::move(labels);
  WriteConfigs();
  auto enrolled = agent::ReadEnrollment(dir_.path() / "agent");
  if (!options_.enrolled || !enrolled.ok() || !enrolled->has_value()) return;
  std::string text;
  for (const auto& [k, v] : options_.agent_labels) text += (text.empty() ? "" : ",") + k + "=" + v;
  int code = -1;
  const std::string out = RunControlPlaneCli("agents label " + options_.agent_id + " --labels '" + text + "'", &code);
  if (code != 0) throw std::runtime_error("agents label: " + out);
}

ExtraAgent& Pipeline::StartExtraAgent(const std::string& id, const std::map<std::string, std::string>& labels,
                                      const std::string& extra_yaml) {
  auto extra = std::make_unique<ExtraAgent>();
  extra->id = id;
  extra->port = FreeTcpPort();
  extra->config = dir_.path() / (id + ".yaml");
  extra->log = dir_.path() / (id + ".log");
  WriteFile(extra->config, AgentYaml(id, extra->port, dir_.path() / id, labels) + extra_yaml);
  EnsureEnrolled(id, dir_.path() / id, labels);
  extra->process = Process::Start({FERRY_AGENT_BIN, "run", "--config", extra->config.string()}, extra->log);
  ExtraAgent& ref = *extra;
  const bool up = WaitUntil(
      [&] {
        return !ref.process.Running() ||
               HttpRequest("GET", ref.port, "/ready-probe", "", {}, std::chrono::milliseconds(500)).status != 0;
      },
      std::chrono::seconds(15));
  if (!up || !ref.process.Running())
    throw std::runtime_error("agent " + id + " did not start; log:\n" + ReadFile(ref.log));
  extra_agents_.push_back(std::move(extra));
  return ref;
}

void Pipeline::StartAll() {
  if (options_.broker) broker_->Start();
  StartControlPlane();
  StartAgent();
}

void Pipeline::StartAgent() {
  EnsureEnrolled(options_.agent_id, dir_.path() / "agent", options_.agent_labels);
  const size_t log_seen = ReadFile(dir_.path() / "agent.log").size();
  agent_ = Process::Start({FERRY_AGENT_BIN, "run", "--config", agent_config_.string()}, dir_.path() / "agent.log");
  // Ready when the IDoc listener answers (it binds after the store is open);
  // an HTTPS listener does not answer plain HTTP, so there its log line counts.
  bool up = WaitUntil(
      [&] {
        if (!agent_.Running()) return true;
        if (!options_.listener_tls_cert.empty()) {
          return ReadFile(dir_.path() / "agent.log").find("event=source_listening", log_seen) != std::string::npos;
        }
        return HttpRequest("GET", agent_port_, "/ready-probe", "", {}, std::chrono::milliseconds(500)).status != 0;
      },
      std::chrono::seconds(15));
  if (!up || !agent_.Running()) {
    throw std::runtime_error("ferry-agent did not start; log:\n" + ReadFile(dir_.path() / "agent.log"));
  }
}

void Pipeline::StartControlPlane() {
  // The log is appended across restarts: only what this start writes counts.
  const size_t log_seen = ReadFile(dir_.path() / "controlplane.log").size();
  controlplane_ = Process::Start({FERRY_CONTROLPLANE_BIN, "run", "--config", cp_config_.string()},
                                 dir_.path() / "controlplane.log");
  // Ready when its store exists and the process is still alive a moment on:
  // the subscription itself is persistent in the broker.
  bool up = WaitUntil(
      [&] {
        return !controlplane_.Running() ||
               ReadFile(dir_.path() / "controlplane.log").find("event=controlplane_started", log_seen) !=
                   std::string::npos;
      },
      std::chrono::seconds(15));
  if (!up || !controlplane_.Running()) {
    throw std::runtime_error("ferry-controlplane did not start; log:\n" + ReadFile(dir_.path() / "controlplane.log"));
  }
  // The subscription is only persistent once it exists: on a first start (or
  // after a broker lost its state) batches published before the control
  // plane has subscribed are dropped by the broker and come again only after
  // the agent's ack_timeout. With a broker up, also wait for the connection
  // (it subscribes right then), so tests do not pay that timeout by chance.
  // Not an error if it does not come: a test may start it with the broker down.
  if (broker_->Running()) {
    WaitUntil(
        [&] {
          return !controlplane_.Running() ||
                 ReadFile(dir_.path() / "controlplane.log").find("event=mqtt_connected", log_seen) != std::string::npos;
        },
        std::chrono::seconds(5));
  }
}

HttpResponse Pipeline::PostIdoc(const std::string& body, const std::string& content_type,
                                std::map<std::string, std::string> headers) {
  headers["Content-Type"] = content_type;
  return HttpRequest("POST", agent_port_, "/sap/idoc", body, headers, std::chrono::seconds(20));
}

uint64_t Pipeline::QueueDepth(const std::filesystem::path& store_dir, const std::string& queue,
                              std::vector<std::string>* records) {
  store::StoreOptions options;
  options.dir = store_dir;
  options.read_only = true;
  options.databases = store::DurableQueue::DatabasesFor(queue);
  auto s = store::Store::Open(options);
  if (!s.ok() && s.status().code() == StatusCode::kNotFound) return 0;  // not created yet
  if (!s.ok()) throw std::runtime_error("cannot open " + store_dir.string() + ": " + s.status().ToString());
  auto q = store::DurableQueue::Open(**s, {queue, 0});
  if (!q.ok()) throw std::runtime_error("cannot open queue " + queue + ": " + q.status().ToString());
  // Count by reading: the committed truth, independent of counters.
  uint64_t n = 0, after = 0;
  for (;;) {
    auto recs = (*q)->ReadAfter(after, 10000, SIZE_MAX);
    if (!recs.ok()) throw std::runtime_error("cannot read queue " + queue + ": " + recs.status().ToString());
    if (recs->empty()) break;
    n += recs->size();
    after = recs->back().seq;
    if (records) {
      for (auto& r : *recs) records->push_back(std::move(r.data));
    }
  }
  return n;
}

uint64_t Pipeline::AgentOutboxDepth() { return QueueDepth(dir_.path() / "agent" / "store", "outbox"); }
uint64_t Pipeline::ControlPlaneQueueDepth() { return QueueDepth(dir_.path() / "cp" / "store", "delivery"); }
std::vector<std::string> Pipeline::AgentOutboxDocnums() {
  std::vector<std::string> records, docnums;
  QueueDepth(dir_.path() / "agent" / "store", "outbox", &records);
  for (const auto& r : records) {
    ferry::v1::Event e;
    docnums.push_back(e.ParseFromString(r) ? e.idoc().docnum() : "(unparsable)");
  }
  return docnums;
}

uint64_t Pipeline::DeadLetterCount() { return QueueDepth(dir_.path() / "cp" / "store", "dlq"); }

namespace {

// Runs `command`; returns its standard output, and its standard error in
// `error` (or appended to the output when `error` is null).
std::string RunCommand(const std::string& command, int* exit_code, std::string* error, const TempDir& dir) {
  const std::filesystem::path err_file = dir.path() / "cli.stderr";
  ShellRun run = RunShell(command + " 2>" + err_file.string());
  if (run.exit_code == -1) throw std::runtime_error("could not run " + command);
  if (exit_code) *exit_code = run.exit_code;
  std::string out = std::move(run.out);
  const std::string err = ReadFile(err_file);
  if (error) {
    *error = err;
  } else {
    out += err;
  }
  return out;
}

}  // namespace

std::string Pipeline::RunControlPlaneCli(const std::string& args, int* exit_code) {
  return RunCommand(std::string(FERRY_CONTROLPLANE_BIN) + " " + args + " --config " + cp_config_.string(), exit_code,
                    nullptr, dir_);
}

std::string Pipeline::RunAgentCli(const std::string& args, int* exit_code, std::string* error) {
  return RunCommand(std::string(FERRY_AGENT_BIN) + " " + args + " --config " + agent_config_.string(), exit_code, error,
                    dir_);
}

}  // namespace ferry::testing
