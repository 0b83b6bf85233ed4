#pragma once
// The control plane's `fleet:` settings: its CA, the enrollment listener,
// what enrolled agents are told, and whether unenrolled agents are heard.
//
//   fleet:
//     require_enrollment: true        # events from agents not enrolled are refused
//     agent_certificate_lifetime: 30d # how long an agent certificate is valid
//     broker_urls: [ssl://broker.example.com:8883]  # for agents; default mqtt.broker
//     ca_cert_file: ""                # an operator's CA (chain up to the root) ...
//     ca_key_file: ""                 # ... and its key; default: a CA of our own
//     enrollment:
//       listen: 0.0.0.0:8443          # empty: no enrollment listener
//       hosts: [cp.example.com]       # names agents reach it by (its certificate)
//       max_per_minute: 30            # enrollment attempts, all clients together
//       max_per_minute_per_client: 10 # and from one client address

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/config/config_node.h"
#include "controlplane/fleet/fleet_pki.h"

namespace ferry::controlplane {

struct FleetOptions {
  PkiOptions pki;
  bool require_enrollment = true;
  std::vector<std::string> broker_urls;
  std::string enrollment_host;  // empty: no listener
  uint16_t enrollment_port = 8443;
  std::vector<std::string> enrollment_hosts;
  int enrollment_per_minute = 30;
  int enrollment_per_minute_per_client = 10;
};

// `data_dir` is the control plane's; the PKI lives in data_dir/pki.
// `default_urls`: what agents are told when broker_urls is not set (the
// TLS broker, the control plane's own WebSocket listener). Errors go to
// the node.
void ReadFleetSettings(config::ConfigNode node, const std::filesystem::path& data_dir,
                       const std::vector<std::string>& default_urls, FleetOptions& out);

}  // namespace ferry::controlplane
