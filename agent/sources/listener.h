#pragma once
// What the HTTP sources' listeners (idoc_http, s4_events) share: where they
// listen, their path and limits, HTTPS with optional client certificates,
// and optional Basic credentials; read from the same keys, set up the same
// way, checked the same way.
//
//   listen: 127.0.0.1:8300
//   path: /sap/idoc
//   max_body: 16MiB
//   retry_after: 30s                   # sent with 503
//   tls:
//     cert_file: …, key_file: …        # HTTPS
//     client_ca_file: …                # a client certificate from this CA
//     client_subjects: ["CN=…"]        # …with one of these subjects
//   basic_auth: {user, password_file}

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_node.h"
#include "common/status.h"

namespace ferry::agent {

struct ListenerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string path;
  uint64_t max_body_bytes = 1u << 20;
  std::chrono::seconds retry_after{30};
  std::string tls_cert_file;  // empty: plain HTTP
  std::string tls_key_file;
  std::string tls_client_ca_file;                // empty: no client certificate asked for
  std::vector<std::string> tls_client_subjects;  // empty: any from the CA
  std::string basic_user;
  std::string basic_password;  // secret: never logged
};

// Reads the keys above into `c`, whose values are the defaults; mistakes go
// to `node`.
void ReadListenerConfig(config::ConfigNode& node, ListenerConfig& c);

// The listener's TLS context; null for plain HTTP. With a client CA, a
// client must present a certificate from it (and, when subjects are
// listed, with one of them; a refused subject is logged with `source`).
Result<std::shared_ptr<boost::asio::ssl::context>> ListenerTls(const ListenerConfig& c, std::string_view source);

// The Authorization header a request must carry ("Basic …"); empty: none.
std::string ExpectedAuthorization(const ListenerConfig& c);
// Whether `given` is `expected`, compared in constant time; true when
// nothing is expected.
bool AuthorizationMatches(std::string_view expected, std::string_view given);

}  // namespace ferry::agent
