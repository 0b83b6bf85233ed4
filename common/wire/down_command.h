#pragma once
// A DownCommand (event.proto) that failed at the agent travels up as the
// payload of the event the control plane dead-letters, with this content
// type, so that replaying the dead letter sends the command down again.

#include <cstddef>
#include <string>
#include <string_view>

namespace ferry::wire {

inline constexpr const char* kDownCommandContentType = "application/x-ferry-down-command";

// The largest CRM record that goes down: the inbound listener takes no
// larger body, and the agent runs no larger record.
inline constexpr size_t kMaxDownRecordBytes = 8u << 20;

// The business key of a CRM record on its way down and of what comes of
// it: "down|<channel>|<record id>". Its last part is the record's id, so a
// search for the id finds the record's traces.
inline std::string DownBusinessKey(std::string_view channel, std::string_view record_id) {
  std::string key = "down|";
  key.append(channel).append("|").append(record_id);
  return key;
}

}  // namespace ferry::wire
