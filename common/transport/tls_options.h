#pragma once
#include <string>

namespace ferry::transport {

// TLS for a tunnel: on whenever the broker URL is ssl:// or wss://.
struct TlsOptions {
  std::string ca_file;    // trust anchors; empty: the system store
  std::string cert_file;  // client certificate (mutual TLS), optional
  std::string key_file;   // its private key
  bool verify_peer = true;
};

}  // namespace ferry::transport
