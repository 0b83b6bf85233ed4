#pragma once
// PollWatermarks: each polled channel's newest change committed, per
// object, in its own database ("poll.watermarks"; docs/storage-format.md).
// Key: "<channel>/<object>"; value: the change's Unix time in
// milliseconds, 8 bytes big-endian. Written in the transaction that commits
// the commands of the changes it covers.

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/store/checkpoints.h"
#include "common/store/store.h"

namespace ferry::controlplane {

class PollWatermarks {
 public:
  static constexpr const char* kDb = "poll.watermarks";

  explicit PollWatermarks(store::Store& store) : values_(store, kDb) {}

  // nullopt when none was committed; an error when the store cannot be
  // read (a pass must not take that for a first one and start again).
  Result<std::optional<int64_t>> Get(const std::string& channel, const std::string& object) const;
  Status Put(store::WriteTxn& txn, const std::string& channel, const std::string& object, int64_t unix_ms) const;

 private:
  store::Checkpoints values_;  // the same short named values as a source's checkpoints
};

}  // namespace ferry::controlplane
