#pragma once
// AuditLog: every change field IT makes to an agent's buffer, one JSON
// object per line in `<data_dir>/audit.log`, appended and fsync'd before the
// command reports success:
//   {"unix_ms":…,"time":"2026-11-22T20:15:03Z","uid":0,"user":"root",
//    "command":"retry","reason":"…","changed":[ids],"refused":["id: why"],
//    "new_ids":[ids],"via":"agent"|"cli"}
// The user is the peer of the control socket (SO_PEERCRED) or, with the
// agent stopped, the CLI's own.

#include <filesystem>
#include <string>

#include "agent/buffer/buffer_editor.h"
#include "common/status.h"

namespace ferry::agent {

struct AuditEntry {
  uid_t uid = 0;
  std::string command;
  std::string reason;
  std::string via;
  EditOutcome outcome;
};

Status AppendAudit(const std::filesystem::path& file, const AuditEntry& entry);

}  // namespace ferry::agent
