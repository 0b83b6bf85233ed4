#include "controlplane/down/poll_watermarks.h"

namespace ferry::controlplane {
namespace {

std::string KeyOf(const std::string& channel, const std::string& object) { return channel + "/" + object; }

}  // namespace

Result<std::optional<int64_t>> PollWatermarks::Get(const std::string& channel, const std::string& object) const {
  store::ReadTxn txn = store_.BeginRead();
  if (!txn.ok()) return Status::Unavailable("the store cannot be read");
  const std::string key = KeyOf(channel, object);
  MDB_val k = store::ToVal(key), v;
  const int rc = mdb_get(txn.txn(), store_.Db(kDb), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<int64_t>();
  if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "reading a poll watermark");
  if (v.mv_size != 8) return Status::DataLoss("the poll watermark of " + key + " is not 8 bytes");
  return std::optional<int64_t>(static_cast<int64_t>(store::DecodeU64Key(store::FromVal(v))));
}

Status PollWatermarks::Put(store::WriteTxn& txn, const std::string& channel, const std::string& object,
                           int64_t unix_ms) const {
  const std::string key = KeyOf(channel, object);
  const std::string value = store::EncodeU64Key(static_cast<uint64_t>(unix_ms));
  MDB_val k = store::ToVal(key), v = store::ToVal(value);
  return store::LmdbStatus(mdb_put(txn.txn(), store_.Db(kDb), &k, &v, 0), "putting a poll watermark");
}

}  // namespace ferry::controlplane
