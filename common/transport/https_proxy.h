#pragma once
// The plant's HTTP proxy for a tunnel: both tunnels ask it to CONNECT to
// their endpoint and speak TLS end to end through it, with Basic
// credentials when it wants them. Read once from the uplink section, so
// `https_proxy` and `https_proxy_password_file` mean the same for every
// tunnel; each tunnel library wants it spelled its own way.
//
//   uplink:
//     https_proxy: http://ferry@proxy.plant.local:3128   # user@ for Basic
//     https_proxy_password_file: /etc/ferry/proxy.password

#include <string>

namespace ferry::config {
class ConfigNode;
}

namespace ferry::transport {

struct HttpsProxy {
  std::string address;   // host:port
  std::string user;      // empty: no credentials
  std::string password;  // never logged

  bool empty() const { return address.empty(); }
  // libwebsockets: [user:password@]host:port, taken as it stands.
  std::string ForLibwebsockets() const;
  // Paho: [user:password@]host:port with the credentials percent-encoded
  // (Paho decodes %XX, and an '@' or ':' in them would otherwise split
  // the string in the wrong place).
  std::string ForPaho() const;
  // What logs may say about it: the address, and whether a user is set.
  std::string ForLogs() const;
};

// Reads https_proxy and https_proxy_password_file from `node`, reporting
// every mistake on the node; empty when no proxy is configured.
HttpsProxy ReadHttpsProxy(config::ConfigNode& node);

}  // namespace ferry::transport
