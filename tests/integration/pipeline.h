#pragma once
// Pipeline: one complete Ferry installation for a test, made of real parts:
// a mosquitto broker on a free loopback port, a ferry-controlplane process,
// a ferry-agent process, and a webhook receiver, with stores in a temp dir.
// Each piece can be killed, stopped and restarted on its own.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/mosquitto.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/webhook_sink.h"

namespace ferry::testing {

struct PipelineOptions {
  // The fleet as shipped: the broker runs packaging/mosquitto/ferry.conf
  // (mutual TLS, per-agent ACL) with a certificate from the control plane's
  // CA, and every agent is enrolled before it starts. false: an anonymous
  // plain-text broker (insecure: true) and no enrollment check; only for a
  // test about something else that needs it, which says why.
  bool enrolled = true;
  int enrollment_per_minute = 600;             // fleet.enrollment.max_per_minute
  int enrollment_per_minute_per_client = 600;  // fleet.enrollment.max_per_minute_per_client
  std::string agent_certificate_lifetime;      // fleet.agent_certificate_lifetime; empty: the default
  std::string agent_max_bytes = "64MiB";       // outbox limit (back-pressure)
  std::string agent_id = "plant-01";
  std::string delivery_retry_initial = "50ms";
  std::string delivery_retry_max = "2s";
  int delivery_concurrency = 8;
  std::string basic_auth_user;  // empty: no auth
  std::string basic_auth_password;
  std::string max_body = "1MiB";
  // Where the control plane delivers; empty: this pipeline's WebhookSink.
  // Lets a test point at a port nobody listens on yet (target down).
  std::string webhook_url;
  std::string log_level = "debug";
  std::string agent_ack_timeout = "5s";
  std::string agent_map_size = "512MiB";
  std::string cp_map_size = "512MiB";
  std::string cp_max_bytes = "128MiB";
  // A TLS broker: CA, certificate and key it presents. Agent and control
  // plane verify it against broker_tls_ca, or the agent against
  // agent_tls_ca_override when set.
  std::string broker_tls_ca;
  std::string broker_tls_cert;
  std::string broker_tls_key;
  std::string agent_tls_ca_override;
  // HTTPS on the agent's IDoc listener: its certificate and key.
  std::string listener_tls_cert;
  std::string listener_tls_key;
  // Inserted under the listener's `tls:` (6 spaces), e.g. client_ca_file.
  std::string listener_tls_extra_yaml;
  // Inserted under `sources.idoc_http:` (4 spaces), e.g. "    max_connections: 4\n".
  std::string listener_extra_yaml;
  // Inserted under `sources:` (2 spaces) after idoc_http: further sources.
  std::string sources_extra_yaml;
  // Appended to the configuration files as is (top-level YAML sections).
  std::string agent_extra_yaml;
  std::map<std::string, std::string> agent_labels;
  std::string cp_extra_yaml;
  // Inserted under `connectors.webhook:` (4 spaces) and `connectors:` (2 spaces).
  std::string webhook_extra_yaml;
  std::string connectors_extra_yaml;
  // The agent's uplink.transport: "mqtt" through the broker, or "websocket"
  // to the control plane's own listener (which then listens as well).
  std::string transport = "mqtt";
  // false: no broker at all, the control plane serves websocket agents alone.
  bool broker = true;
  // true: the control plane listens for websocket agents also when this
  // agent uses the broker.
  bool cp_listener = false;
  // true (enrolled pipelines): the broker also has the shipped MQTT over
  // WebSockets listener, and an mqtt agent connects to it (wss://).
  bool broker_websockets = false;
  // The agent's uplink.https_proxy (websocket, or mqtt over WebSockets),
  // e.g. http://user@127.0.0.1:3128.
  std::string agent_https_proxy;
  std::string agent_https_proxy_password;
};

// A further agent on the same broker and control plane.
struct ExtraAgent {
  std::string id;
  int port = 0;
  std::filesystem::path config;
  std::filesystem::path log;
  Process process;
};

class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options = {});
  ~Pipeline();

  // Broker, control plane, agent, in that order; each waits until ready.
  void StartAll();
  void StartAgent();
  void StartControlPlane();

  // Starts another agent (own store, port and log) with `extra_yaml`
  // appended to its configuration; waits until its listener answers.
  ExtraAgent& StartExtraAgent(const std::string& id, const std::map<std::string, std::string>& labels,
                              const std::string& extra_yaml);

  // Gives the agent other labels: in its configuration (what it reports,
  // from its next start) and, when enrolled, as the control plane's
  // `agents label` (what bundles are chosen by, from its next heartbeat).
  void SetAgentLabels(std::map<std::string, std::string> labels);
  // Rewrites the agent's configuration for uplink.transport `transport`
  // (from its next start).
  void SetAgentTransport(const std::string& transport);
  // Rewrites the agent's configuration with uplink.tls.ca_file `ca_file`
  // (empty: the enrolled CA again), for its next start.
  void SetAgentCaOverride(const std::string& ca_file);

  HttpResponse PostIdoc(const std::string& body, const std::string& content_type = "text/xml",
                        std::map<std::string, std::string> headers = {});

  // Read from the agent's / control plane's LMDB store by a second process
  // (this one), exactly as field tools do: read-only, concurrent with the
  // daemon.
  uint64_t AgentOutboxDepth();
  uint64_t ControlPlaneQueueDepth();
  uint64_t DeadLetterCount();
  // The IDoc numbers of the events still in the agent's outbox, in order:
  // for failure messages that say what is stuck.
  std::vector<std::string> AgentOutboxDocnums();

  // Runs `ferry-controlplane <args> --config <cp config>`; returns stdout.
  std::string RunControlPlaneCli(const std::string& args, int* exit_code = nullptr);
  // `ferry-agent <args> --config <agent config>`: its standard output; its
  // standard error goes to `error` when given, else it is appended.
  std::string RunAgentCli(const std::string& args, int* exit_code = nullptr, std::string* error = nullptr);

  TempDir& dir() { return dir_; }
  Mosquitto& broker() { return *broker_; }
  int tunnel_port() const { return tunnel_port_; }
  WebhookSink& sink() { return sink_; }
  Process& agent() { return agent_; }
  Process& controlplane() { return controlplane_; }
  int agent_port() const { return agent_port_; }
  const std::filesystem::path& agent_config() const { return agent_config_; }
  const std::filesystem::path& cp_config() const { return cp_config_; }
  std::string idoc_url_path() const { return "/sap/idoc"; }
  // The enrollment listener's port (enrolled pipelines).
  int enrollment_port() const { return enrollment_port_; }
  // Enrolls agent `id` with data folder `data_dir` the way `ferry-agent
  // enroll` does (invited, token redeemed, certificate issued for a key made
  // here, identity written), directly on the control plane's store and CA so
  // that it works whether or not the control plane runs. Once per agent;
  // `labels` are the ones `agents add --labels` would give.
  void EnsureEnrolled(const std::string& id, const std::filesystem::path& data_dir,
                      const std::map<std::string, std::string>& labels = {});
  // An enrollment token for `id` valid for `valid_for` (0: expired at
  // once), made directly on the control plane's store as `agents add` does.
  std::string InviteDirectly(const std::string& id, std::chrono::seconds valid_for);

 private:
  void WriteConfigs();
  // The agent's uplink: section for the chosen transport.
  std::string Uplink() const;
  std::string AgentYaml(const std::string& id, int port, const std::filesystem::path& data_dir,
                        const std::map<std::string, std::string>& labels) const;
  uint64_t QueueDepth(const std::filesystem::path& store_dir, const std::string& queue,
                      std::vector<std::string>* records = nullptr);

  PipelineOptions options_;
  TempDir dir_;
  std::unique_ptr<Mosquitto> broker_;
  int tunnel_port_ = 0;  // the control plane's websocket listener
  WebhookSink sink_;
  Process agent_;
  Process controlplane_;
  int agent_port_ = 0;
  int enrollment_port_ = 0;
  std::vector<std::unique_ptr<ExtraAgent>> extra_agents_;
  std::filesystem::path agent_config_;
  std::filesystem::path cp_config_;
};

// The path of a file in tests/fixtures/idoc/.
std::string ReadFixture(const std::string& name);

// What reached the receiver, by IDoc number, counting only requests it
// answered 2xx (the sender may consider those delivered).
struct Delivery {
  std::string event_id;
  std::string idempotency_key;  // the Idempotency-Key header
};
std::map<std::string, std::vector<Delivery>> DeliveriesByDocnum(const WebhookSink& sink);

}  // namespace ferry::testing
