#include "common/store/checkpoints.h"

namespace ferry::store {

Status Checkpoints::PutInTxn(WriteTxn& txn, std::string_view name, std::string_view value) const {
  if (name.empty() || name.size() > 511) return Status::InvalidArgument("checkpoint name must be 1-511 bytes");
  MDB_val key{name.size(), const_cast<char*>(name.data())};
  MDB_val data{value.size(), const_cast<char*>(value.data())};
  return LmdbStatus(mdb_put(txn.txn(), db_, &key, &data, 0), "checkpoint put");
}

Result<std::optional<std::string>> Checkpoints::Get(std::string_view name) const {
  ReadTxn txn = store_.BeginRead();
  if (!txn.ok()) return Status::Unavailable("cannot read the store");
  MDB_val key{name.size(), const_cast<char*>(name.data())};
  MDB_val data;
  const int rc = mdb_get(txn.txn(), db_, &key, &data);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return LmdbStatus(rc, "checkpoint get");
  return std::optional<std::string>(std::string(static_cast<const char*>(data.mv_data), data.mv_size));
}

}  // namespace ferry::store
