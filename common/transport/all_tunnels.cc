#include "common/transport/mqtt/mqtt_config.h"
#include "common/transport/tunnel_plugin.h"
#include "common/transport/websocket/ws_client_config.h"

namespace ferry::transport {

const std::vector<TunnelFactory>& AllTunnels() {
  static const std::vector<TunnelFactory> kTunnels = {
      MqttTunnelFactory(),
      WebSocketTunnelFactory(),
  };
  return kTunnels;
}

}  // namespace ferry::transport
