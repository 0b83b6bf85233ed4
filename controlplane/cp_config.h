#pragma once
// The control plane's configuration file (YAML). Reference with every key
// and its default: packaging/config/controlplane.yaml and README.md.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/transport/mqtt/mqtt_tunnel.h"
#include "common/transport/websocket/ws_listener_tunnel.h"
#include "controlplane/alerts/alerts_config.h"
#include "controlplane/console/console_config.h"
#include "controlplane/delivery/connector.h"
#include "controlplane/delivery/delivery_engine.h"
#include "controlplane/down/down_commands.h"
#include "controlplane/down/inbound_config.h"
#include "controlplane/fleet/fleet_config.h"
#include "controlplane/flows/flow_distributor.h"

namespace ferry::controlplane {

struct ControlPlaneConfig {
  std::string id;
  std::filesystem::path data_dir;
  std::string log_level = "info";
  uint64_t map_size_bytes = 8ull << 30;
  uint64_t queue_max_bytes = 2ull << 30;
  uint64_t dead_letter_max_bytes = 0;  // 0 until loaded: a quarter of map_size by default
  std::chrono::milliseconds dedup_retention{std::chrono::hours(24 * 7)};
  transport::MqttOptions mqtt;  // empty broker_url: no broker (websocket agents only)
  // The direct tunnel's listener; empty host: none.
  transport::WebSocketListenerOptions websocket;
  std::vector<std::string> websocket_hosts;  // for the certificate the control plane issues itself
  // The shared-subscription group. A client that joins it takes a share of
  // the agents' batches (the broker drops those it may not read), so its
  // name is a secret: empty in the file means one derived from the CA key,
  // the same for every instance sharing that CA.
  std::string shared_group;
  DeliveryOptions delivery;
  // Every connector configured under `connectors:`; events go to the one
  // their flow names, raw IDocs to delivery.default (delivery.connector).
  std::vector<std::pair<std::string, std::unique_ptr<ConnectorBuilder>>> connectors;
  FlowsOptions flows;
  FleetOptions fleet;
  ConsoleOptions console;
  AlertsOptions alerts;
  InboundOptions inbound;
  DownOptions down;
};

Result<ControlPlaneConfig> LoadControlPlaneConfig(const std::filesystem::path& file);

}  // namespace ferry::controlplane
