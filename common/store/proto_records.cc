#include "common/store/proto_records.h"

namespace ferry::store {

Status ReadProto(MDB_txn* txn, MDB_dbi dbi, std::string_view key, google::protobuf::MessageLite& out,
                 const std::string& what) {
  MDB_val k = ToVal(key), v;
  const int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return Status::NotFound(what + " not found");
  if (rc != MDB_SUCCESS) return LmdbStatus(rc, "read " + what);
  if (!out.ParseFromArray(v.mv_data, static_cast<int>(v.mv_size))) return Status::DataLoss(what + " does not parse");
  return Status::Ok();
}

Status WriteProto(MDB_txn* txn, MDB_dbi dbi, std::string_view key, const google::protobuf::MessageLite& msg,
                  const std::string& what) {
  std::string bytes = msg.SerializeAsString();
  MDB_val k = ToVal(key), v = ToVal(bytes);
  return LmdbStatus(mdb_put(txn, dbi, &k, &v, 0), "write " + what);
}

}  // namespace ferry::store
