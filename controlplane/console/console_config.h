#pragma once
// The control plane's `console:` settings: the HTTPS listener of the
// console and its API, and how long sign-ins last.
//
//   console:
//     listen: 0.0.0.0:8444          # empty (the default): no console
//     hosts: [cp.example.com]       # names browsers reach it by: its certificate from the fleet's CA
//     cert_file: ""                 # or an operator's certificate (chain) ...
//     key_file: ""                  # ... and key
//     session_lifetime: 8h          # a sign-in lasts at most this long
//     session_idle: 30m             # and ends after this long without a request
//     sign_in_per_minute: 30        # sign-in attempts, all clients together
//     sign_in_per_minute_per_client: 5
//     audit_retention: 365d         # how long the audit log keeps an entry
//     agent_offline_after: 5m       # an agent silent this long is offline (stale after 3 heartbeats)
//     agent_backlog_age: 15m        # an agent whose oldest unsent event is older is degraded
//     max_event_streams: 32         # live-update streams (browser tabs) open at once, of 64 connections
//     web_dir: ""                   # serve the web app from this folder (developing it) instead of the binary
//     trace_max_events: 1000000     # events whose trace the control plane keeps for search (oldest go first)

#include <chrono>
#include <string>
#include <vector>

#include "common/config/config_node.h"
#include "controlplane/console/agent_health.h"

namespace ferry::controlplane {

struct ConsoleOptions {
  std::string host;  // empty: no console
  uint16_t port = 8444;
  std::vector<std::string> hosts;
  std::string cert_file;
  std::string key_file;
  std::chrono::seconds session_lifetime{8 * 3600};
  std::chrono::seconds session_idle{30 * 60};
  int sign_in_per_minute = 30;
  int sign_in_per_minute_per_client = 5;
  std::chrono::milliseconds audit_retention{365LL * 24 * 3600 * 1000};
  AgentThresholds agents;
  size_t max_event_streams = 32;
  std::string web_dir;
  uint64_t trace_max_events = 1'000'000;
};

void ReadConsoleSettings(config::ConfigNode node, ConsoleOptions& out);

}  // namespace ferry::controlplane
