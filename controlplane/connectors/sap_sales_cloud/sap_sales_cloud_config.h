#pragma once
// SAP Sales Cloud / Service Cloud Version 2 connector configuration
// (docs/protocols.md §B.4; the API is not confirmed from public docs).
//
//   connectors:
//     sap_sales_cloud:
//       base_url: https://TENANT.REGION.crm.cloud.sap   # the V2 API is under /sap/c4c/api/v1
//       auth: basic                    # basic (default) or oauth
//       # auth: basic — the communication arrangement's user
//       user: FERRY_COMM_USER
//       password_file: /etc/ferry/sap-sales-cloud.secret   # read at every request
//       # auth: oauth — client credentials at the tenant's Identity Authentication (IAS)
//       token_url: https://TENANT.accounts.ondemand.com/oauth2/token
//       client_id: ...
//       client_secret_file: credential:sap-sales-cloud-secret
//       timeout: 30s
//       rate_per_s: 0                  # requests per second at most (0: no limit)
//       ca_file: ...                   # optional; default: the system store

#include <filesystem>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct SapSalesCloudConfig {
  enum class Auth { kBasic, kOAuth };
  http::Url base;  // base_url; its target is the API root, e.g. "/sap/c4c/api/v1"
  Auth auth = Auth::kBasic;
  std::string user;
  std::filesystem::path password_file;
  http::Url token_url;
  std::string client_id;
  std::filesystem::path client_secret_file;
  int64_t rate_per_s = 0;
  http::HttpClientOptions client;
};

ConnectorFactory SapSalesCloudConnectorFactory();

}  // namespace ferry::controlplane
