#include "common/store/newest_first.h"

#include <string>

#include "common/store/store.h"

namespace ferry::store {

Result<bool> WalkNewestFirst(MDB_txn* txn, MDB_dbi dbi, uint64_t before,
                             const std::function<bool(uint64_t sequence, std::string_view value)>& visit) {
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn, dbi, &cursor); rc != MDB_SUCCESS) return LmdbStatus(rc, "cursor");
  MDB_val k, v;
  int rc;
  if (before == 0) {
    rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  } else {
    const std::string key = EncodeU64Key(before);
    k = {key.size(), const_cast<char*>(key.data())};
    rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    // The first at or after `before`: step back to the first before it.
    rc = rc == MDB_SUCCESS ? mdb_cursor_get(cursor, &k, &v, MDB_PREV) : mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  }
  bool stopped = false;
  for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)) {
    const uint64_t sequence = DecodeU64Key(std::string_view(static_cast<const char*>(k.mv_data), k.mv_size));
    if (!visit(sequence, std::string_view(static_cast<const char*>(v.mv_data), v.mv_size))) {
      stopped = true;
      break;
    }
  }
  mdb_cursor_close(cursor);
  if (!stopped && rc != MDB_NOTFOUND) return LmdbStatus(rc, "cursor");
  return !stopped;
}

}  // namespace ferry::store
