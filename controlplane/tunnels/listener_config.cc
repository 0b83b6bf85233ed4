#include "controlplane/tunnels/listener_config.h"

namespace ferry::controlplane {

void ReadWebSocketListenerSettings(config::ConfigNode node, transport::WebSocketListenerOptions& out,
                                   std::vector<std::string>& hosts) {
  if (auto address = node.ListenAddress("listen", "", /*required=*/true)) {
    out.host = address->host;
    out.port = address->port;
  }
  hosts = node.StringList("hosts");
  out.cert_file = node.String("cert_file", "");
  out.key_file = node.String("key_file", "");
  if (out.cert_file.empty() != out.key_file.empty()) node.Error("key_file", "cert_file and key_file go together");
  if (hosts.empty() && out.cert_file.empty()) {
    node.Error("hosts", "name at least one host agents reach the tunnel by (or give cert_file and key_file)");
  }
  const auto idle = node.Duration("idle_timeout", std::chrono::seconds(20));
  if (idle < std::chrono::seconds(2) || idle > std::chrono::hours(1))
    node.Error("idle_timeout", "must be between 2s and 1h");
  out.idle_timeout = std::chrono::duration_cast<std::chrono::seconds>(idle);
  out.max_message_bytes = node.Bytes("max_message", out.max_message_bytes);
  if (out.max_message_bytes < (64u << 10) || out.max_message_bytes > (256u << 20)) {
    node.Error("max_message", "must be between 64KiB and 256MiB");
  }
  out.max_connections = static_cast<size_t>(node.Int("max_connections", 10000, 1, 1000000));
}

}  // namespace ferry::controlplane
