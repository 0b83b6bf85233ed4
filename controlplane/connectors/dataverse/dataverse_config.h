#pragma once
// Microsoft Dataverse connector configuration (docs/protocols.md §B.3).
//
//   connectors:
//     dataverse:
//       org_url: https://acme.crm4.dynamics.com   # the environment; Web API at org_url/api/data/v9.2
//       token_url: https://login.microsoftonline.com/<tenant id>/oauth2/v2.0/token
//       client_id: 00000000-0000-0000-0000-000000000000   # the app registration
//       client_secret_file: /etc/ferry/dataverse.secret  # read at every token request
//       batch: 100               # events per request; 1: no $batch, one request per record
//       rate_per_s: 0           # requests per second at most (0: no limit)
//       timeout: 120s            # per request; Dataverse runs one operation up to 2 minutes
//       update_only_objects: accounts, contacts   # entity sets upserted with If-Match: *
//       ca_file: ...             # optional; default: the system store
//
// update_only_objects is a comma-separated list of entity sets whose rows
// Ferry must never create, only update: their upserts carry If-Match: *, and
// a row that does not exist is rejected (404) instead of created. It is set
// per entity set, not per record: a mapped record carries no such choice.

#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

struct DataverseConfig {
  std::string org_url;       // without a trailing '/'; the token scope is org_url + "/.default"
  std::string service_root;  // org_url + "/api/data/v9.2", as written in $batch request lines
  http::Url api;             // service_root, parsed: where requests go
  http::Url token_url;
  std::string client_id;
  std::filesystem::path client_secret_file;
  size_t batch = 100;
  std::set<std::string> update_only_objects;
  http::HttpClientOptions client;
  int64_t rate_per_s = 0;  // requests started per second at most; 0: no limit
};

ConnectorFactory DataverseConnectorFactory();

}  // namespace ferry::controlplane
