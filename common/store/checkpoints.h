#pragma once
// Checkpoints: each source's own progress (an OData poller's watermark),
// written in the same transaction as the events it covers, so a crash can
// never separate the two. After a restart a source resumes exactly after
// its last committed events: it neither skips a change nor re-reads one
// that was not committed. The same short named values in a database of
// another name serve other progress (the control plane's poll watermarks).

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/store/store.h"

namespace ferry::store {

class Checkpoints {
 public:
  static constexpr const char* kDb = "checkpoints";
  // The store must have been opened with `db` declared.
  explicit Checkpoints(Store& store, const char* db = kDb) : store_(store), db_(store.Db(db)) {}

  // Names are short (a source and what it tracks, at most 511 bytes, the
  // longest key LMDB takes); InvalidArgument otherwise.
  Status PutInTxn(WriteTxn& txn, std::string_view name, std::string_view value) const;
  // The committed value, nullopt when there is none yet.
  Result<std::optional<std::string>> Get(std::string_view name) const;

 private:
  Store& store_;
  MDB_dbi db_;
};

}  // namespace ferry::store
