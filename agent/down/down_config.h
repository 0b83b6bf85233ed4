#pragma once
// The agent's `down:` section: the SAP targets down flows write to
// (docs/down.md). Without it the agent takes no commands from the control
// plane: a command it cannot execute is refused, and the control plane
// keeps it.
//
//   down:
//     s4_odata:                 # target.connector: s4_odata
//       url: https://s4.plant.local:44300
//       client: "100"
//       user: FERRY_ORDERS      # or tls.cert_file/key_file: X.509 logon
//       password_file: /etc/ferry/s4-orders.password
//       tls: {ca_file, cert_file, key_file}
//       https_proxy: ...
//       timeout: 60s
//     idoc_xml:                 # target.connector: idoc_xml (idoc_xml_target.h)
//       url: https://ecc.plant.local:44300
//       path: /sap/bc/idoc_xml
//       ...                     # the keys of s4_odata

#include <optional>

#include "agent/down/idoc_xml_target.h"
#include "agent/sources/s4_odata/s4_connection.h"
#include "common/config/config_node.h"

namespace ferry::agent {

struct DownConfig {
  std::optional<S4Connection> s4_odata;
  std::optional<IdocXmlEndpoint> idoc_xml;
};

// nullopt when there is no `down` section; mistakes reported on `root`.
std::optional<DownConfig> ReadDownConfig(config::ConfigNode& root);

}  // namespace ferry::agent
