#include "agent/agent_config.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <optional>

#include "agent/identity/enrollment_files.h"
#include "agent/sources/all_sources.h"
#include "common/config/config_node.h"
#include "common/crypto/ed25519.h"
#include "common/log/log.h"
#include "common/transport/topics.h"
#include "common/transport/tunnel_plugin.h"

namespace ferry::agent {

namespace {

void ReadUplink(config::ConfigNode node, AgentConfig& c, transport::TunnelDefaults defaults) {
  const auto& tunnels = transport::AllTunnels();
  const std::string name = node.String("transport", std::string(tunnels.front().name));
  std::string names;
  const transport::TunnelFactory* factory = nullptr;
  for (const auto& t : tunnels) {
    names += (names.empty() ? "'" : ", '") + std::string(t.name) + "'";
    if (t.name == name) factory = &t;
  }
  defaults.client_id = "ferry-agent-" + c.agent_id;
  defaults.subscriptions = {transport::topics::DownAcks(c.agent_id),
                            transport::topics::DownReports(c.agent_id),
                            transport::topics::DownBundle(c.agent_id),
                            transport::topics::DownRenew(c.agent_id),
                            transport::topics::DownCommands(c.agent_id),
                            transport::topics::DownRequests(c.agent_id),
                            std::string(transport::topics::kControlPlanePresence)};
  if (factory) {
    c.tunnel = factory->parse(node, defaults);
  } else {
    node.Error("transport", "must be one of " + names + " (got '" + name + "')");
  }
  c.batch_max_events = static_cast<size_t>(node.Int("batch_max_events", 256, 1, 10000));
  c.batch_max_bytes = node.Bytes("batch_max_bytes", c.batch_max_bytes);
  if (c.batch_max_bytes < 1024 || c.batch_max_bytes > (64u << 20)) {
    node.Error("batch_max_bytes", "must be between 1KiB and 64MiB");
  }
  c.inflight_batches = static_cast<size_t>(node.Int("inflight_batches", 32, 1, 1000));
  c.ack_timeout = node.Duration("ack_timeout", c.ack_timeout);
  if (c.ack_timeout.count() < 100) node.Error("ack_timeout", "must be at least 100ms");
  c.heartbeat_interval = node.Duration("heartbeat_interval", c.heartbeat_interval);
  if (c.heartbeat_interval.count() < 100) node.Error("heartbeat_interval", "must be at least 100ms");
  std::string compression = node.String("compression", "zstd");
  if (compression != "zstd" && compression != "none") {
    node.Error("compression", "must be 'zstd' or 'none' (got '" + compression + "')");
  }
  c.encoding.compress = compression == "zstd";
}

}  // namespace

Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& file) {
  auto loaded = config::ConfigFile::Load(file);
  if (!loaded.ok()) return loaded.status();
  config::ConfigNode root = loaded->Root();
  AgentConfig c;

  auto agent = root.Section("agent");
  c.data_dir = agent.RequiredString("data_dir");
  // An enrolled agent takes its id, broker, keys and labels from its
  // enrollment; the file may still name them, and then must agree.
  std::optional<Enrollment> enrollment;
  transport::TunnelDefaults tunnel_defaults;
  if (!c.data_dir.empty()) {
    auto read = ReadEnrollment(c.data_dir);
    if (!read.ok()) agent.Error("data_dir", read.status().message());
    if (read.ok()) enrollment = *read;
  }
  if (enrollment) {
    const EnrollmentPaths paths = EnrollmentPathsIn(c.data_dir);
    c.agent_id = agent.String("id", enrollment->agent_id);
    if (c.agent_id != enrollment->agent_id) {
      agent.Error("id", "is '" + c.agent_id + "' but this agent is enrolled as '" + enrollment->agent_id +
                            "' (remove agent.id, or enroll again)");
    }
    tunnel_defaults.urls = enrollment->broker_urls;
    tunnel_defaults.tls.cert_file = tunnel_defaults.tls.key_file = paths.identity.string();
    tunnel_defaults.tls.ca_file = paths.ca.string();
    c.identity_file = paths.identity;
    c.labels = enrollment->labels;
  } else {
    c.agent_id = agent.RequiredString("id");
  }
  if (!c.agent_id.empty() && !transport::topics::IsValidAgentId(c.agent_id)) {
    agent.Error("id", "must be 1-64 characters of A-Z a-z 0-9 . _ - (it is part of MQTT topics)");
  }
  if (agent.Has("labels")) c.labels = agent.StringMap("labels");

  auto flows = root.Section("flows");
  std::string enrolled_bundle_key;
  if (enrollment && std::filesystem::exists(EnrollmentPathsIn(c.data_dir).bundle_key)) {
    enrolled_bundle_key = EnrollmentPathsIn(c.data_dir).bundle_key.string();
  }
  c.flows_trusted_key_file = flows.String("trusted_key_file", enrolled_bundle_key);
  if (!c.flows_trusted_key_file.empty()) {
    // Checked here so that check-config catches a wrong or missing key.
    auto key = crypto::VerifyKey::LoadPemFile(c.flows_trusted_key_file);
    if (!key.ok()) flows.Error("trusted_key_file", std::string(key.status().message()));
  }

  c.log_level = log::ReadLogLevel(root);

  auto store = root.Section("store");
  c.map_size_bytes = store.Bytes("map_size", c.map_size_bytes);
  c.outbox_max_bytes = store.Bytes("max_bytes", c.outbox_max_bytes);
  if (c.outbox_max_bytes == 0) store.Error("max_bytes", "must be above 0");
  // LMDB needs room beyond the payload bytes for pages, keys and indexes.
  if (c.outbox_max_bytes > c.map_size_bytes / 2) {
    store.Error("max_bytes", "must be at most half of store.map_size (" + std::to_string(c.map_size_bytes) + " bytes)");
  }

  c.dedup_retention = store.Duration("dedup_retention", c.dedup_retention);
  if (c.dedup_retention < std::chrono::hours(1)) store.Error("dedup_retention", "must be at least 1h");
  c.report_retention = store.Duration("report_retention", c.report_retention);
  if (c.report_retention < std::chrono::hours(1)) store.Error("report_retention", "must be at least 1h");
  c.history_retention = store.Duration("history_retention", c.history_retention);
  if (c.history_retention < std::chrono::hours(1)) store.Error("history_retention", "must be at least 1h");
  c.raw_retention = store.Duration("raw_retention", c.raw_retention);
  if (c.raw_retention < std::chrono::minutes(1)) store.Error("raw_retention", "must be at least 1m");
  c.raw_max_bytes = store.Bytes("raw_max_bytes", std::min<uint64_t>(c.raw_max_bytes, c.map_size_bytes / 4));
  if (c.raw_max_bytes + c.outbox_max_bytes > c.map_size_bytes / 4 * 3) {
    store.Error("raw_max_bytes", "together with store.max_bytes must be at most 3/4 of store.map_size (" +
                                     std::to_string(c.map_size_bytes) + " bytes)");
  }

  c.history_max_bytes = store.Bytes("history_max_bytes", std::min<uint64_t>(c.history_max_bytes, c.map_size_bytes / 8));
  if (c.history_max_bytes < (1u << 20)) store.Error("history_max_bytes", "must be at least 1MiB");
  if (c.raw_max_bytes + c.outbox_max_bytes + c.history_max_bytes > c.map_size_bytes / 8 * 7) {
    store.Error("history_max_bytes",
                "together with store.max_bytes and store.raw_max_bytes must be at most 7/8 of "
                "store.map_size (" +
                    std::to_string(c.map_size_bytes) + " bytes)");
  }

  auto sources = root.Section("sources");
  for (const auto& factory : AllSources()) {
    if (!sources.Has(std::string(factory.name))) {
      sources.Section(std::string(factory.name));  // mark as known
      continue;
    }
    c.sources.emplace_back(std::string(factory.name), factory.parse(sources.Section(std::string(factory.name))));
  }
  if (c.sources.empty()) sources.Error("", "at least one source must be configured (e.g. sources.idoc_http)");

  ReadUplink(root.Section("uplink"), c, tunnel_defaults);

  // The figures are not secret but not protected either: loopback only,
  // unless the operator says otherwise.
  auto metrics = root.Section("metrics");
  const auto address = metrics.ListenAddress("listen", "");
  const bool allow_remote = metrics.Bool("allow_remote", false);
  if (address) {
    if (!boost::asio::ip::make_address(address->host).is_loopback() && !allow_remote) {
      metrics.Error("listen",
                    "must be a loopback address (the metrics are not protected); set metrics.allow_remote: true "
                    "to serve them on " +
                        address->host);
    }
    c.metrics_host = address->host;
    c.metrics_port = address->port;
  }

  c.receipts = ReadReceiptsConfig(root);
  c.down = ReadDownConfig(root);

  Status s = loaded->Finish();
  if (!s.ok()) return s;
  return c;
}

}  // namespace ferry::agent
