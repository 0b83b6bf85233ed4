#include "controlplane/console/console_config.h"

namespace ferry::controlplane {

void ReadConsoleSettings(config::ConfigNode node, ConsoleOptions& out) {
  if (auto address = node.ListenAddress("listen", "")) {
    out.host = address->host;
    out.port = address->port;
  }
  out.hosts = node.StringList("hosts");
  out.cert_file = node.String("cert_file", "");
  out.key_file = node.String("key_file", "");
  if (out.cert_file.empty() != out.key_file.empty()) node.Error("key_file", "cert_file and key_file go together");
  if (!out.host.empty() && out.hosts.empty() && out.cert_file.empty()) {
    node.Error("hosts", "name at least one host browsers reach the console by (or give cert_file and key_file)");
  }
  const auto lifetime = node.Duration("session_lifetime", out.session_lifetime);
  const auto idle = node.Duration("session_idle", out.session_idle);
  if (lifetime < std::chrono::minutes(1)) node.Error("session_lifetime", "must be at least 1m");
  if (idle < std::chrono::minutes(1)) node.Error("session_idle", "must be at least 1m");
  out.session_lifetime = std::chrono::duration_cast<std::chrono::seconds>(lifetime);
  out.session_idle = std::chrono::duration_cast<std::chrono::seconds>(idle);
  out.sign_in_per_minute = static_cast<int>(node.Int("sign_in_per_minute", out.sign_in_per_minute, 1, 6000));
  out.sign_in_per_minute_per_client =
      static_cast<int>(node.Int("sign_in_per_minute_per_client", out.sign_in_per_minute_per_client, 1, 6000));
  out.audit_retention = node.Duration("audit_retention", out.audit_retention);
  if (out.audit_retention < std::chrono::hours(24)) node.Error("audit_retention", "must be at least 1d");
  out.agents.offline_after = node.Duration("agent_offline_after", out.agents.offline_after);
  if (out.agents.offline_after < std::chrono::seconds(1)) node.Error("agent_offline_after", "must be at least 1s");
  out.agents.backlog_age = node.Duration("agent_backlog_age", out.agents.backlog_age);
  if (out.agents.backlog_age < std::chrono::seconds(1)) node.Error("agent_backlog_age", "must be at least 1s");
  out.max_event_streams = static_cast<size_t>(node.Int("max_event_streams", out.max_event_streams, 1, 48));
  out.web_dir = node.String("web_dir", "");
  out.trace_max_events = static_cast<uint64_t>(
      node.Int("trace_max_events", static_cast<int64_t>(out.trace_max_events), 1000, 100'000'000));
}

}  // namespace ferry::controlplane
