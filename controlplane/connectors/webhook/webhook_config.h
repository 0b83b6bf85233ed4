#pragma once
// Generic webhook connector configuration.
//
//   connectors:
//     webhook:
//       url: https://hooks.example.com/ferry   # http:// only for loopback tests
//       timeout: 30s                           # per request
//       ca_file: /etc/ferry/webhook-ca.pem     # optional; default: system store

#include <chrono>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct WebhookConfig {
  http::Url url;
  std::string url_text;
  http::HttpClientOptions client;
};

ConnectorFactory WebhookConnectorFactory();

}  // namespace ferry::controlplane
