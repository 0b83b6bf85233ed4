#pragma once
// A DownCommand (event.proto) that failed at the agent travels up as the
// payload of the event the control plane dead-letters, with this content
// type, so that replaying the dead letter sends the command down again.

namespace ferry::wire {

inline constexpr const char* kDownCommandContentType = "application/x-ferry-down-command";

}  // namespace ferry::wire
