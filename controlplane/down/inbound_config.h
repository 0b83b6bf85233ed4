#pragma once
// The control plane's `inbound:` settings: the HTTPS listener CRMs send
// their records to, on their way down to SAP (docs/down.md).
//
//   inbound:
//     listen: 0.0.0.0:8445            # empty (the default): no listener
//     hosts: [crm-in.example.com]     # its certificate from the fleet's CA, or ...
//     cert_file: ""                   # ... a certificate the CRMs trust (a public CA's)
//     key_file: ""
//     max_body: 1MiB                  # larger requests are answered 413 unread
//     channels:
//       - name: salesforce-orders     # https://<host>:8445/inbound/v1/salesforce-orders
//         kind: webhook               # one of inbound_channels.cc
//         crm: salesforce             # down flows match it as idoc_type
//         agents: { sap: S4P }        # the labels of the agents serving the SAP system
//         ...                         # the kind's own keys

#include <memory>
#include <string>
#include <vector>

#include "common/config/config_node.h"
#include "controlplane/down/inbound_channel.h"

namespace ferry::controlplane {

struct ConfiguredChannel {
  InboundChannelOptions options;
  std::shared_ptr<const InboundChannel> channel;
};

struct InboundOptions {
  std::string host;  // empty: no listener
  uint16_t port = 8445;
  std::vector<std::string> hosts;
  std::string cert_file, key_file;
  uint64_t max_body_bytes = 1 << 20;
  std::vector<ConfiguredChannel> channels;

  const ConfiguredChannel* Find(std::string_view name) const;
};

void ReadInboundSettings(config::ConfigNode node, InboundOptions& out);

}  // namespace ferry::controlplane
