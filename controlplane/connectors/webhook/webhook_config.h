#pragma once
// Generic webhook connector configuration.
//
//   connectors:
//     webhook:
//       url: https://hooks.example.com/ferry   # http:// only for loopback tests
//       timeout: 30s                           # per request
//       ca_file: /etc/ferry/webhook-ca.pem     # optional; default: system store
//       signing_secret_file: /etc/ferry/webhook.secret  # optional: sign each request (HMAC-SHA256)

#include <chrono>
#include <filesystem>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct WebhookConfig {
  http::Url url;
  std::string url_text;
  http::HttpClientOptions client;
  // Empty: requests are not signed. Read again for every request, so a
  // rotated secret needs no restart.
  std::filesystem::path signing_secret_file;
};

ConnectorFactory WebhookConnectorFactory();

}  // namespace ferry::controlplane
