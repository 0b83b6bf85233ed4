#pragma once
// Reads the MQTT connection settings both binaries share (agent: `uplink:`,
// control plane: `mqtt:`): broker, client_id, username, password_file,
// tls.{ca_file,cert_file,key_file,verify_peer}, insecure, keep_alive, reconnect_min,
// reconnect_max, and for the agent https_proxy and its password file. Errors go to the ConfigNode.

#include <string>

#include "common/config/config_node.h"
#include "common/transport/https_proxy.h"
#include "common/transport/mqtt/mqtt_tunnel.h"
#include "common/transport/tunnel_plugin.h"

namespace ferry::transport {

// Whether a broker URL is plain text (tcp://, mqtt://, ws://).
bool IsPlainText(const std::string& broker_url);
// Whether it is MQTT over WebSockets (ws://, wss://).
bool IsMqttOverWebSockets(const std::string& broker_url);

// Values already in `out` are the defaults of the keys they belong to
// (broker, tls.*): a broker is required only when `out` has none. A plain
// text broker is refused unless `insecure: true` is set. With
// `allow_proxy` (the agent), https_proxy and https_proxy_password_file are
// read too; they need a wss:// broker.
void ReadMqttSettings(config::ConfigNode& node, const std::string& default_client_id, MqttOptions& out,
                      bool allow_proxy = false);

// The agent's MQTT tunnel (uplink.transport: mqtt): the keys above, with
// the enrolled broker and identity as defaults.
TunnelFactory MqttTunnelFactory();

}  // namespace ferry::transport
