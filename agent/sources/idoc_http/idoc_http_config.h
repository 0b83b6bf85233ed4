#pragma once
// Configuration of the IDoc-XML over HTTP source (SAP port type "XML HTTP").
//
//   sources:
//     idoc_http:
//       listen: 0.0.0.0:8300      # host:port
//       path: /sap/idoc           # the SM59 path prefix
//       max_body: 16MiB           # larger requests get 413
//       retry_after: 30s          # sent with 503 when the buffer is full
//       tls:                      # optional; HTTPS (SM59 "SSL: Active")
//         cert_file: /etc/ferry/agent.crt   # certificate chain, PEM
//         key_file: /etc/ferry/agent.key    # its private key, PEM
//       basic_auth:               # optional; SM59 logon user
//         user: SAPIDOC
//         password_file: /etc/ferry/idoc-http.password

#include <chrono>
#include <string>

#include "agent/sources/source.h"

namespace ferry::agent {

struct IdocHttpConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8300;
  std::string path = "/sap/idoc";
  uint64_t max_body_bytes = 16u << 20;
  std::chrono::seconds retry_after{30};
  std::string tls_cert_file;  // empty: plain HTTP
  std::string tls_key_file;
  std::string basic_user;
  std::string basic_password;  // secret: never logged
};

SourceFactory IdocHttpSourceFactory();

}  // namespace ferry::agent
