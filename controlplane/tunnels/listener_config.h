#pragma once
// The control plane's WebSocket tunnel listener (section `websocket:`):
//
//   websocket:
//     listen: 0.0.0.0:8443      # where agents connect (wss://<host>:8443)
//     hosts: [cp.example.com]   # names agents dial: a certificate from the fleet's CA is issued for them
//     cert_file: /etc/ferry/tunnel.crt   # or a certificate of your own (with key_file)
//     key_file: /etc/ferry/tunnel.key
//     idle_timeout: 20s         # ping after half of it; a silent agent is dropped after all of it
//     max_message: 16MiB        # a larger message from an agent closes its connection
//     max_connections: 10000
//
// Agents must present a certificate from the fleet's CA (fleet.pki); no
// other client certificate and no plain text are accepted. Without an
// `mqtt:` section the control plane serves agents over this listener alone.

#include "common/config/config_node.h"
#include "common/transport/websocket/ws_listener_tunnel.h"

namespace ferry::controlplane {

// `hosts` gets the names for a certificate the control plane issues itself
// (when cert_file and key_file are not given).
void ReadWebSocketListenerSettings(config::ConfigNode node, transport::WebSocketListenerOptions& out,
                                   std::vector<std::string>& hosts);

}  // namespace ferry::controlplane
