#include "common/transport/websocket/ws_frame.h"

namespace ferry::transport {

namespace {
// Topics are ferry/v1/agents/{id of at most 64}/{dir}/{name}: far below this.
constexpr size_t kMaxTopicBytes = 256;
}  // namespace

std::string EncodeFrame(const std::string& topic, std::string payload, bool retained, size_t headroom) {
  ferry::v1::TunnelFrame frame;
  frame.set_topic(topic);
  frame.set_payload(std::move(payload));
  frame.set_retained(retained);
  std::string out(headroom + frame.ByteSizeLong(), '\0');
  frame.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(out.data() + headroom));
  return out;
}

Result<ferry::v1::TunnelFrame> DecodeFrame(std::string_view bytes) {
  ferry::v1::TunnelFrame frame;
  // proto3 checks the topic's UTF-8 while parsing.
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::InvalidArgument("not a ferry.v1.TunnelFrame");
  }
  if (frame.topic().empty() || frame.topic().size() > kMaxTopicBytes) {
    return Status::InvalidArgument("frame topic is empty or longer than " + std::to_string(kMaxTopicBytes) + " bytes");
  }
  return frame;
}

}  // namespace ferry::transport
