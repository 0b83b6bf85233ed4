#pragma once
// A DownCommand (event.proto) that failed at the agent travels up as the
// payload of the event the control plane dead-letters, with this content
// type, so that replaying the dead letter sends the command down again.

#include <cstddef>

namespace ferry::wire {

inline constexpr const char* kDownCommandContentType = "application/x-ferry-down-command";

// The largest CRM record that goes down: the inbound listener takes no
// larger body, and the agent runs no larger record.
inline constexpr size_t kMaxDownRecordBytes = 8u << 20;

}  // namespace ferry::wire
