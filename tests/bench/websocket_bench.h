#pragma once
// The direct WebSocket tunnel's figures beside the MQTT ones: end-to-end
// latency at 1,000 IDocs/s and the drain of a backlog through the tunnel
// (agent to control plane, no broker), and the baseline they are read
// against: the socket itself, a TLS WebSocket with mutual TLS on loopback.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace ferry::testing::bench {

// Messages of `size` bytes per second from a Beast client to a Beast
// server over a TLS WebSocket on loopback (client certificate required,
// as on the tunnel): what the wire alone carries on this machine.
double WebSocketRawPerSecond(const std::filesystem::path& dir, int messages, size_t size);

}  // namespace ferry::testing::bench
