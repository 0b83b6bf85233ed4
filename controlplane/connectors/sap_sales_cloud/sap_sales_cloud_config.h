#pragma once
// SAP Sales Cloud / Service Cloud Version 2 connector configuration
// (docs/protocols.md §B.4; the API is not confirmed from public docs).
//
//   connectors:
//     sap_sales_cloud:
//       base_url: https://TENANT.REGION.crm.cloud.sap   # the V2 API is under /sap/c4c/api/v1
//       user: FERRY_COMM_USER          # the communication arrangement's user (HTTP Basic)
//       password_file: /etc/ferry/sap-sales-cloud.secret   # read at every request
//       timeout: 30s
//       rate_per_s: 0                  # requests per second at most (0: no limit)
//       ca_file: ...                   # optional; default: the system store
//
// Only HTTP Basic is supported; OAuth 2.0 through the tenant's IAS is not yet.

#include <filesystem>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct SapSalesCloudConfig {
  http::Url base;  // base_url; its target is the API root, e.g. "/sap/c4c/api/v1"
  std::string user;
  std::filesystem::path password_file;
  int64_t rate_per_s = 0;
  http::HttpClientOptions client;
};

ConnectorFactory SapSalesCloudConnectorFactory();

}  // namespace ferry::controlplane
