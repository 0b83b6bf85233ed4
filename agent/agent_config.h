#pragma once
// The agent's configuration file (YAML). Reference with every key and its
// default: packaging/config/agent.yaml and README.md "Configuration".

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/down/down_config.h"
#include "agent/receipts/receipt_sender.h"
#include "agent/sources/source.h"
#include "common/status.h"
#include "common/transport/tunnel_plugin.h"
#include "common/wire/batch_codec.h"

namespace ferry::agent {

struct AgentConfig {
  std::string agent_id;
  std::filesystem::path data_dir;
  // The enrolled identity (key and certificate), when the agent enrolled.
  std::filesystem::path identity_file;
  std::string log_level = "info";
  uint64_t map_size_bytes = 4ull << 30;
  uint64_t outbox_max_bytes = 1ull << 30;  // back-pressure threshold
  // How long an accepted IDoc number is remembered, so a resend is
  // recognised (SAP operators resend status-02 IDocs by hand, days later).
  std::chrono::milliseconds dedup_retention{std::chrono::hours(24 * 30)};
  // How long delivery reports from the control plane are kept.
  std::chrono::milliseconds report_retention{std::chrono::hours(24 * 7)};
  // How long events are kept after they left the outbox (queue show, trace).
  std::chrono::milliseconds history_retention{std::chrono::hours(24 * 7)};
  // How long raw documents are kept after mapping, for inspection and replay.
  std::chrono::milliseconds raw_retention{std::chrono::hours(24 * 7)};
  // The oldest raw documents go beyond this; default 1GiB or a quarter of
  // the map size, whichever is less.
  uint64_t raw_max_bytes = 1ull << 30;
  uint64_t history_max_bytes = 512ull << 20;
  // Labels the control plane selects flow deployments by (env, site, ...).
  std::map<std::string, std::string> labels;
  // The control plane's Ed25519 public key; empty: flow deployments are refused.
  std::filesystem::path flows_trusted_key_file;
  std::vector<std::pair<std::string, std::unique_ptr<SourceBuilder>>> sources;
  // The tunnel to the control plane (uplink.transport and its settings).
  std::unique_ptr<transport::TunnelBuilder> tunnel;
  size_t batch_max_events = 256;
  uint64_t batch_max_bytes = 1u << 20;
  size_t inflight_batches = 32;
  std::chrono::milliseconds ack_timeout{30000};
  std::chrono::milliseconds heartbeat_interval{10000};
  // metrics.listen: the /metrics listener; empty host: none.
  std::string metrics_host;
  uint16_t metrics_port = 0;
  wire::BatchEncoding encoding;
  // receipts: STATUS IDocs back to SAP; none when absent.
  std::optional<ReceiptsConfig> receipts;
  // down: the SAP targets of down flows; without it no command is taken.
  std::optional<DownConfig> down;
};

// Reads and validates the file; InvalidArgument lists every problem with
// file, line and key.
Result<AgentConfig> LoadAgentConfig(const std::filesystem::path& file);

}  // namespace ferry::agent
