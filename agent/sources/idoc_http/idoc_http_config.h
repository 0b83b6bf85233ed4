#pragma once
// Configuration of the IDoc-XML over HTTP source (SAP port type "XML HTTP").
//
//   sources:
//     idoc_http:
//       listen: 0.0.0.0:8300      # host:port
//       path: /sap/idoc           # the SM59 path prefix
//       max_body: 16MiB           # larger requests get 413
//       max_depth: 100            # element nesting; deeper bodies get 400
//       retry_after: 30s          # sent with 503 when the buffer is full
//       max_connections: 64       # more at once get 503 and are closed
//       idle_timeout: 60s         # keep-alive connection without a request
//       header_timeout: 10s       # first byte of a request to its last header
//       body_timeout: 60s         # headers to the end of the body
//       tls:                      # optional; HTTPS (SM59 "SSL: Active")
//         cert_file: /etc/ferry/agent.crt   # certificate chain, PEM
//         key_file: /etc/ferry/agent.key    # its private key, PEM
//         client_ca_file: /etc/ferry/sap-ca.pem   # optional: SAP must present a
//                                                 # certificate from this CA
//         client_subjects:                        # optional: and one of these
//           - CN=PE1CLNT100,O=ACME                # subjects (RFC 2253)
//       basic_auth:               # optional; SM59 logon user
//         user: SAPIDOC
//         password_file: /etc/ferry/idoc-http.password

#include <chrono>
#include <string>
#include <vector>

#include "agent/sources/listener.h"
#include "agent/sources/source.h"

namespace ferry::agent {

struct IdocHttpConfig : ListenerConfig {
  IdocHttpConfig() {
    port = 8300;
    path = "/sap/idoc";
    max_body_bytes = 16u << 20;
  }
  size_t max_depth = 100;
  size_t max_connections = 64;
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{60};
};

SourceFactory IdocHttpSourceFactory();

}  // namespace ferry::agent
