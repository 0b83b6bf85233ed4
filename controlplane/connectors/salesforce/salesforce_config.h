#pragma once
// Salesforce connector configuration (docs/connectors.md, "Salesforce").
//
//   connectors:
//     salesforce:
//       login_url: https://acme.my.salesforce.com   # My Domain: where tokens come from
//       client_id: 3MVG9...                         # the connected app's consumer key
//       client_secret_file: /etc/ferry/salesforce.secret   # read at every token request
//       api_version: "62.0"
//       batch: 200               # events per request; their records go in sObject Collections calls
//       rate_per_s: 0           # requests per second at most (0: no limit)
//       timeout: 30s
//       limit_backoff: 15m       # pause after 403 REQUEST_LIMIT_EXCEEDED
//       slow_down_at_percent: 90 # Sforce-Limit-Info usage from which requests are spaced
//       slow_down_delay: 1s      # the spacing
//       ca_file: ...             # optional; default: the system store

#include <chrono>
#include <filesystem>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct SalesforceConfig {
  http::Url token_url;
  std::string client_id;
  std::filesystem::path client_secret_file;
  std::string api_version = "62.0";
  size_t batch = 200;
  std::chrono::milliseconds limit_backoff{std::chrono::minutes(15)};
  double slow_down_at = 0.9;
  std::chrono::milliseconds slow_down_delay{1000};
  http::HttpClientOptions client;
  int64_t rate_per_s = 0;  // requests started per second at most; 0: no limit
};

ConnectorFactory SalesforceConnectorFactory();

}  // namespace ferry::controlplane
