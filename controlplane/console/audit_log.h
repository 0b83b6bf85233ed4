#pragma once
// The console's audit log: who did what, when, to which target, with the
// record before and after, for every change made through the console or the
// API (and every sign-in). In the control plane's store ("console.audit",
// sequence -> ferry.v1.AuditEntry); entries older than the retention are
// pruned.

#include <lmdb.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

class AuditLog {
 public:
  static constexpr const char* kDb = "console.audit";
  static constexpr size_t kMaxPage = 500;

  explicit AuditLog(store::Store& store) : store_(store) {}

  // Adds `entry` (its sequence and time are set here) inside a write
  // transaction, so a change and its entry are committed together.
  Status Append(MDB_txn* txn, ferry::v1::AuditEntry entry) const;
  // Adds it in a transaction of its own, without waiting for the commit.
  void Record(ferry::v1::AuditEntry entry) const;

  struct Page {
    std::vector<ferry::v1::AuditEntry> entries;  // newest first
    uint64_t next_before = 0;                    // pass as `before` for the next page; 0: no more
  };
  // Up to `limit` (at most kMaxPage) entries older than sequence `before`
  // (0: from the newest), of `user` when not empty.
  Result<Page> List(uint64_t before, size_t limit, const std::string& user) const;
  // Drops entries older than `cutoff_unix_ms`.
  void Prune(int64_t cutoff_unix_ms) const;

 private:
  store::Store& store_;
};

}  // namespace ferry::controlplane
