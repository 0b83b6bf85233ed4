#pragma once
// Logging: spdlog to stderr, one line per event, "key=value" context so a
// line can be grepped by IDoc number or agent. Under systemd (JOURNAL_STREAM
// set) each line starts with the syslog priority prefix "<N>" that journald
// reads. Secrets and payloads are never logged. Every line is escaped as a
// whole (EscapeForLog: control characters and bytes that are not UTF-8
// become \xNN), so no value from outside can start a line of its own.

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string_view>

#include "common/config/config_node.h"
#include "common/status.h"

namespace ferry::log {

// The line layout: with `journald`, the priority prefix and no timestamp.
std::unique_ptr<spdlog::formatter> MakeLineFormatter(bool journald);
// `level`: trace, debug, info, warn, error. Unknown → InvalidArgument.
Status Init(std::string_view component, std::string_view level);
bool IsValidLevel(std::string_view level);
Status SetLevel(std::string_view level);
// Reads the `log:` section both binaries share (`log.level`, default info).
std::string ReadLogLevel(config::ConfigNode& root);

// For an event a peer can repeat at will (refused connections, forged or
// stray messages), given its running count: true for the 1st, 2nd, 4th,
// 8th... occurrence. The log shows that it happens and how often (log the
// count), and a flood cannot fill it.
inline bool FirstOrPowerOfTwo(uint64_t count) { return count != 0 && (count & (count - 1)) == 0; }

}  // namespace ferry::log
