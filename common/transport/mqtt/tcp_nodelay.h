#pragma once
// Paho C opens its broker socket without TCP_NODELAY and does not expose the
// descriptor. With Nagle's algorithm on, a small MQTT packet (an Ack, a
// PUBACK followed by a publish) waits for the peer's delayed ACK, which adds
// up to 40 ms per hop on Linux. After each connect we find this process's
// TCP sockets whose peer is the broker's port and switch Nagle off on them.

#include <cstdint>

namespace ferry::transport {

// Returns how many sockets were changed.
int DisableNagleOnSocketsToPort(uint16_t peer_port);

}  // namespace ferry::transport
