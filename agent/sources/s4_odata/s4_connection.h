#pragma once
// How the agent reaches an S/4HANA system's OData services: host, client,
// logon, TLS, proxy, timeout. Shared by the OData poller and the business
// event source (which reads the entity an event names), so both are
// configured, and log on, the same way.
//
//   url: https://s4.plant.local:44300     # scheme, host, port; no path
//   insecure: false                       # true allows http://
//   client: "100"                         # sap-client
//   user: FERRY_COMM                      # Basic logon, or
//   password_file: /etc/ferry/s4.password
//   tls: {ca_file, cert_file, key_file}   # cert_file/key_file: X.509 logon
//   https_proxy: http://proxy:3128
//   https_proxy_password_file: ...
//   timeout: 60s                          # per request
//   gone_codes: [/IWBEP/CM_MGW_RT/020]    # a 404's codes that mean "no such entity"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/sources/s4_odata/odata_names.h"
#include "common/config/config_node.h"
#include "common/http/http_client.h"
#include "common/transport/https_proxy.h"

namespace ferry::agent {

struct S4Connection {
  std::string url;  // "https://host:port", no path, no trailing '/'
  std::string client;
  std::string user;
  std::string password;  // secret: never logged
  std::string ca_file, cert_file, key_file;
  transport::HttpsProxy proxy;
  std::chrono::milliseconds timeout{60000};
  // Gateway error codes of a 404 that mean "no such entity" (a deletion, a
  // lookup's null); any other 404 says nothing about the entity.
  std::vector<std::string> gone_codes{"/IWBEP/CM_MGW_RT/020"};

  // The HTTP client's settings for this system.
  http::HttpClientOptions ClientOptions() const;
  // "Basic …" for a password logon; empty with a client certificate.
  std::string Authorization() const;
  // "&sap-client=100", or empty.
  std::string ClientParameter() const { return client.empty() ? "" : "&sap-client=" + client; }
};

// Reads the keys above from `node`, reporting every mistake on it.
S4Connection ReadS4Connection(config::ConfigNode& node);

// `url` with the connection's client as sap-client, unless it names one
// already (a link SAP gave) or the connection has none.
std::string WithClient(const S4Connection& connection, std::string url);

// One OData service of the S/4 system, as an entity set's configuration
// names it:
//   service: API_BUSINESS_PARTNER   # its name (flows match it as idoc_type)
//   odata_version: 2                # 2 (SAP Gateway, the default) or 4
//   service_path: /sap/opu/odata4/sap/api_salesorder/srvd_a2x/sap/salesorder/0001
//                                   # V2 default: /sap/opu/odata/sap/<service>;
//                                   # required for V4 (its paths name a
//                                   # service group, service and version)
struct ODataService {
  std::string name;
  std::string path;  // absolute, no trailing '/'
  bool v4 = false;
};
ODataService ReadODataService(config::ConfigNode& item);

// An answer's Retry-After in seconds, as ms, at most 5 minutes; 0 when
// absent or not a number.
std::chrono::milliseconds RetryAfter(const http::ClientResponse& res);

// SAP Gateway's error text ({"error":{"message":{"value"}}}) from an
// answer's body, escaped for the log, or the start of the body.
std::string GatewayMessage(const std::string& body);

// Whether a 404 says the entity does not exist: SAP Gateway's JSON error
// with one of `gone_codes` (/IWBEP/CM_MGW_RT/020 "Resource not found for
// segment"). A 404 from the Gateway hub (/IWFND/MED/170 "No service
// found"), the ICF's HTML page, a proxy's, or any other code says nothing
// about the entity.
bool SaysEntityIsGone(const http::ClientResponse& res, const std::vector<std::string>& gone_codes);

// The URL to follow a next or delta link S/4 sent in the answer to `from`:
// relative links resolved, `sap-client` kept (SAP's links need not repeat
// it, and without it S/4 would log on to its default client). nullopt when
// it leaves the S/4 host Ferry logs on to, so an answer cannot send the
// credentials elsewhere.
std::optional<std::string> ResolveLink(const S4Connection& connection, const std::string& from,
                                       const std::string& link);

}  // namespace ferry::agent
