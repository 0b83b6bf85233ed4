#pragma once
// Small files written whole: keys, certificates, revocation lists, the
// agent's enrollment. Readers (mosquitto, Paho, another process) see the old
// file or the new one, never half of one.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry {

// Writes `data` to a new file beside `path` with `mode`, flushes it to disk
// and renames it over `path`. Unavailable when the disk is full,
// FailedPrecondition for other file-system errors; nothing is left behind.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view data, mode_t mode);

// The whole file, if it is not larger than `max_bytes`. NotFound when it
// does not exist, FailedPrecondition when it cannot be read or is too large.
Result<std::string> ReadSmallFile(const std::filesystem::path& path, size_t max_bytes = 1 << 20);

}  // namespace ferry
