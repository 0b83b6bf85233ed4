#pragma once
// Paging a log kept under sequence keys (8 bytes big-endian) newest first,
// as the console's lists do: from the newest key below `before` (0: from
// the newest of all) towards the oldest, while `visit(sequence, value)`
// returns true.

#include <lmdb.h>

#include <cstdint>
#include <functional>
#include <string_view>

#include "common/status.h"

namespace ferry::store {

// True when the walk reached the oldest record (nothing older remains),
// false when `visit` stopped it first.
Result<bool> WalkNewestFirst(MDB_txn* txn, MDB_dbi dbi, uint64_t before,
                             const std::function<bool(uint64_t sequence, std::string_view value)>& visit);

}  // namespace ferry::store
