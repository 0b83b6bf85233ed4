#pragma once
// The HTTP settings every connector section has, read one way:
//   timeout      per request (at least 100ms)
//   ca_file      trust anchors instead of the system store (must exist)
//   https_proxy  http://HOST:PORT of a proxy that tunnels with CONNECT
//                (the TLS session stays end to end with the target)

#include <chrono>

#include "common/config/config_node.h"
#include "common/http/http_client.h"

namespace ferry::controlplane {

void ReadClientSettings(config::ConfigNode& node, http::HttpClientOptions& client,
                        std::chrono::milliseconds default_timeout);

}  // namespace ferry::controlplane
