#pragma once
// Tunnel plug-ins: each tunnel folder (mqtt/, websocket/) provides a
// TunnelFactory that reads its settings from the agent's `uplink:` section
// into a TunnelBuilder, and is listed once in all_tunnels.cc;
// `uplink.transport` names the one to use.

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_node.h"
#include "common/status.h"
#include "common/transport/tls_options.h"
#include "common/transport/tunnel.h"

namespace ferry::transport {

// What the agent knows before reading the section: from its enrollment
// (where to connect, its identity and the fleet's CA) and its id.
struct TunnelDefaults {
  std::string client_id;
  std::vector<std::string> urls;  // enrolled endpoints, preferred first
  TlsOptions tls;
  // The topics this agent receives on (MQTT subscribes to them).
  std::vector<std::string> subscriptions;
};

// A validated tunnel configuration, ready to build the running tunnel.
class TunnelBuilder {
 public:
  virtual ~TunnelBuilder() = default;
  virtual Result<std::shared_ptr<Tunnel>> Build(boost::asio::any_io_executor executor) const = 0;
  // Where it connects (for the log, status and a changed-config check).
  virtual std::string Endpoint() const = 0;
};

struct TunnelFactory {
  std::string_view name;  // the value of uplink.transport
  // Reads and validates the section; errors go to the ConfigNode.
  std::function<std::unique_ptr<TunnelBuilder>(config::ConfigNode& section, const TunnelDefaults& defaults)> parse;
};

// Every tunnel plug-in, in one explicit list; the first is the default.
const std::vector<TunnelFactory>& AllTunnels();

}  // namespace ferry::transport
