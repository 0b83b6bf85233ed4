#pragma once
// Reads the MQTT connection settings both binaries share (agent: `uplink:`,
// control plane: `mqtt:`): broker, client_id, username, password_file,
// tls.{ca_file,cert_file,key_file,verify_peer}, insecure, keep_alive, reconnect_min,
// reconnect_max. Errors go to the ConfigNode.

#include <string>

#include "common/config/config_node.h"
#include "common/transport/mqtt/mqtt_tunnel.h"
#include "common/transport/tunnel_plugin.h"

namespace ferry::transport {

// Whether a broker URL is plain text (tcp://, mqtt://).
bool IsPlainText(const std::string& broker_url);

// Values already in `out` are the defaults of the keys they belong to
// (broker, tls.*): a broker is required only when `out` has none. A plain
// text broker is refused unless `insecure: true` is set.
void ReadMqttSettings(config::ConfigNode& node, const std::string& default_client_id, MqttOptions& out);

// The agent's MQTT tunnel (uplink.transport: mqtt): the keys above, with
// the enrolled broker and identity as defaults.
TunnelFactory MqttTunnelFactory();

}  // namespace ferry::transport
