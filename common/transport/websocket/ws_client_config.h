#pragma once
// The agent's direct WebSocket tunnel (uplink.transport: websocket):
//
//   uplink:
//     transport: websocket
//     url: wss://controlplane.example.com:8443   # the control plane's tunnel listener
//     https_proxy: http://ferry@proxy.plant.local:3128   # optional; user@ for Basic
//     https_proxy_password_file: /etc/ferry/proxy.password   # with a user in https_proxy
//     keep_alive: 10s        # ping when quiet this long; dead after twice that
//     reconnect_min: 250ms
//     reconnect_max: 30s
//     max_message: 16MiB     # above this a message from the control plane closes the connection
//     tls: {ca_file, cert_file, key_file}   # default: the enrolled identity and fleet CA
//
// Errors go to the ConfigNode.

#include "common/transport/tunnel_plugin.h"
#include "common/transport/websocket/ws_client_tunnel.h"

namespace ferry::transport {

void ReadWebSocketSettings(config::ConfigNode& node, WebSocketClientOptions& out);
TunnelFactory WebSocketTunnelFactory();

}  // namespace ferry::transport
