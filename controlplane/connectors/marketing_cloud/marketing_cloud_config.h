#pragma once
// Marketing Cloud connector configuration (docs/protocols.md §B.2).
//
//   connectors:
//     marketing_cloud:
//       auth_url: https://SUBDOMAIN.auth.marketingcloudapis.com   # the tenant's auth host
//       client_id: abc123...                      # the API integration of an installed package
//       client_secret_file: /etc/ferry/marketing-cloud.secret   # read at every token request
//       account_id: "514000123"   # optional: the MID (business unit) to act in
//       batch: 100                # events per request; rows of one data extension go in one rowset call
//       rate_per_s: 0             # requests per second at most (0: no limit)
//       timeout: 30s
//       ca_file: ...              # optional; default: the system store

#include <filesystem>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct MarketingCloudConfig {
  http::Url token_url;  // auth_url + /v2/token
  std::string client_id;
  std::filesystem::path client_secret_file;
  std::string account_id;  // empty: the package's default business unit
  size_t batch = 100;
  int64_t rate_per_s = 0;  // requests started per second at most; 0: no limit
  http::HttpClientOptions client;
};

ConnectorFactory MarketingCloudConnectorFactory();

}  // namespace ferry::controlplane
