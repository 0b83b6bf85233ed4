#pragma once
// Protobuf messages as LMDB values: the read, write and scan every
// registry of records (flow bundles, agent identities) needs.

#include <google/protobuf/message_lite.h>
#include <lmdb.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/store/store.h"

namespace ferry::store {

// Whether the store was opened with `db` declared. A read-only opener of a
// store that never had the database gets an invalid handle from Store::Db;
// such a store simply has no records yet.
inline bool Declared(const Store& store, const char* db) { return store.Db(db) != static_cast<MDB_dbi>(-1); }

// NotFound when absent, DataLoss when the value does not parse; `what`
// names the record in messages.
Status ReadProto(MDB_txn* txn, MDB_dbi dbi, std::string_view key, google::protobuf::MessageLite& out,
                 const std::string& what);
Status WriteProto(MDB_txn* txn, MDB_dbi dbi, std::string_view key, const google::protobuf::MessageLite& msg,
                  const std::string& what);

// Every record of `db`, in key order; DataLoss when one does not parse.
template <typename T>
Result<std::vector<T>> ReadAllProtos(const Store& store, const char* db) {
  std::vector<T> out;
  if (!Declared(store, db)) return out;
  ReadTxn read = store.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(read.txn(), store.Db(db), &cursor);
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, std::string("open cursor on ") + db);
  MDB_val k, v;
  Status status;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    T item;
    if (!item.ParseFromArray(v.mv_data, static_cast<int>(v.mv_size))) {
      status = Status::DataLoss(std::string("an entry of ") + db + " does not parse");
      break;
    }
    out.push_back(std::move(item));
  }
  mdb_cursor_close(cursor);
  if (!status.ok()) return status;
  if (rc != MDB_NOTFOUND && rc != MDB_SUCCESS) return LmdbStatus(rc, std::string("read ") + db);
  return out;
}

}  // namespace ferry::store
