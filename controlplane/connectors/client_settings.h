#pragma once
// The HTTP settings every connector section has, read one way:
//   timeout      per request (at least 100ms)
//   ca_file      trust anchors instead of the system store (must exist)
//   https_proxy  http://HOST:PORT of a proxy that tunnels with CONNECT
//                (the TLS session stays end to end with the target)

#include <chrono>
#include <filesystem>
#include <string>

#include "common/config/config_node.h"
#include "common/http/http_client.h"

namespace ferry::controlplane {

// The path of a secret file under `key` (or a systemd `credential:NAME`),
// read once now so that check-config catches a missing or empty one; the
// connectors read it again at each use, so a rotated secret needs no restart.
std::filesystem::path SecretFileSetting(config::ConfigNode& node, const std::string& key, bool required);

// A required URL under `key` (an error on the node when absent or malformed).
http::Url RequiredUrlSetting(config::ConfigNode& node, const std::string& key);

void ReadClientSettings(config::ConfigNode& node, http::HttpClientOptions& client,
                        std::chrono::milliseconds default_timeout);

}  // namespace ferry::controlplane
