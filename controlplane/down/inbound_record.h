#pragma once
// The checks every inbound channel applies to what a CRM sends before it
// is committed: the names that go into commands, topics and logs, and the
// record itself (UTF-8, a JSON object, bounded depth). Kept as sent, so
// its numbers never pass through binary floating point.

#include <string_view>

#include "common/status.h"
#include "controlplane/down/inbound_channel.h"

namespace ferry::controlplane {

inline constexpr size_t kMaxInboundNameBytes = 128;
inline constexpr size_t kMaxInboundJsonDepth = 32;

// 1 to 128 letters, digits, '_', '-', '.' or ':'.
bool IsInboundName(std::string_view s);

// InvalidArgument with the reason a CRM's developer needs.
Result<InboundRecord> ReadInboundRecord(std::string_view object, std::string_view record_id, std::string_view body);

}  // namespace ferry::controlplane
