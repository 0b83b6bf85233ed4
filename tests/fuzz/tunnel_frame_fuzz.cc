// Fuzz target: a message of the direct WebSocket tunnel
// (transport::DecodeFrame), which the control plane reads from every agent
// connection and the agent from whatever answers at its tunnel URL.
// Malformed input must give an error, never a crash; what it accepts must
// keep DecodeFrame's promises (a topic of 1 to 256 bytes of valid UTF-8)
// and survive a round trip.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/transport/websocket/ws_frame.h"
#include "common/util/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto frame = ferry::transport::DecodeFrame(bytes);
  if (!frame.ok()) return 0;
  if (frame->topic().empty() || frame->topic().size() > 256) std::abort();
  if (!ferry::IsValidUtf8(frame->topic())) std::abort();
  auto again =
      ferry::transport::DecodeFrame(ferry::transport::EncodeFrame(frame->topic(), frame->payload(), frame->retained()));
  if (!again.ok() || again->topic() != frame->topic() || again->payload() != frame->payload()) std::abort();
  return 0;
}
