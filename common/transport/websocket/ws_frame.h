#pragma once
// The direct tunnel's unit: one binary WebSocket message holding a
// ferry.v1.TunnelFrame (topic, payload, retained). Both ends decode with the
// same checks: a frame that does not parse, or whose topic is not valid
// UTF-8 or is longer than a topic can be, is refused with the reason.

#include <string>
#include <string_view>

#include "common/status.h"
#include "ferry/v1/tunnel.pb.h"

namespace ferry::transport {

// WebSocket subprotocol both ends name in the upgrade.
inline constexpr const char* kTunnelSubprotocol = "ferry.v1";
// Where the control plane accepts the tunnel.
inline constexpr const char* kTunnelPath = "/ferry/v1/tunnel";

// The encoded frame, after `headroom` bytes left free at the front (where
// libwebsockets writes the WebSocket header, so the frame is sent from
// this buffer as it is). The payload is moved in, not copied.
std::string EncodeFrame(const std::string& topic, std::string payload, bool retained, size_t headroom = 0);
Result<ferry::v1::TunnelFrame> DecodeFrame(std::string_view bytes);

}  // namespace ferry::transport
