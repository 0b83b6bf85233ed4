#include "controlplane/console/audit_log.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/store/newest_first.h"
#include "common/store/proto_records.h"
#include "common/util/clock.h"

namespace ferry::controlplane {

using ferry::v1::AuditEntry;

Status AuditLog::Append(MDB_txn* txn, AuditEntry entry) const {
  // The last number given is kept apart from the entries, so numbers are
  // never given twice, even after pruning has emptied the log.
  constexpr std::string_view kLastKey = "console.audit.last";
  const MDB_dbi meta = store_.Db("meta");
  MDB_val k{kLastKey.size(), const_cast<char*>(kLastKey.data())}, v;
  uint64_t last = 0;
  const int rc = mdb_get(txn, meta, &k, &v);
  if (rc == MDB_SUCCESS) {
    last = store::DecodeU64Key(std::string_view(static_cast<const char*>(v.mv_data), v.mv_size));
  } else if (rc != MDB_NOTFOUND) {
    return store::LmdbStatus(rc, "audit last number");
  }
  entry.set_sequence(last + 1);
  entry.set_unix_ms(NowUnixMs());
  const std::string next = store::EncodeU64Key(last + 1);
  MDB_val nv{next.size(), const_cast<char*>(next.data())};
  if (int put = mdb_put(txn, meta, &k, &nv, 0); put != MDB_SUCCESS) return store::LmdbStatus(put, "audit last number");
  return store::WriteProto(txn, store_.Db(kDb), next, entry, "audit entry");
}

void AuditLog::Record(AuditEntry entry) const {
  std::string action = entry.action();
  store_.Write([this, entry = std::move(entry)](store::WriteTxn& txn) { return Append(txn.txn(), entry); },
               [action = std::move(action)](const Status& s) {
                 if (!s.ok()) spdlog::error("event=audit_write_failed action={} error=\"{}\"", action, s.message());
               });
}

Result<AuditLog::Page> AuditLog::List(uint64_t before, size_t limit, const std::string& user) const {
  Page page;
  limit = std::clamp<size_t>(limit, 1, kMaxPage);
  if (!store::Declared(store_, kDb)) return page;
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  Status status;
  // Entries of other users are skipped, but only so many are read for one
  // page, so a filter that matches little cannot make a request scan it all.
  size_t scanned = 0;
  auto reached_oldest =
      store::WalkNewestFirst(read.txn(), store_.Db(kDb), before, [&](uint64_t, std::string_view value) {
        if (page.entries.size() >= limit || scanned++ >= 50 * kMaxPage) return false;
        AuditEntry entry;
        if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          status = Status::DataLoss("an audit entry does not parse");
          return false;
        }
        page.next_before = entry.sequence();
        if (user.empty() || entry.user() == user) page.entries.push_back(std::move(entry));
        return true;
      });
  if (!reached_oldest.ok()) return reached_oldest.status();
  if (*reached_oldest) page.next_before = 0;
  if (!status.ok()) return status;
  return page;
}

void AuditLog::Prune(int64_t cutoff_unix_ms) const {
  store_.Write(
      [this, cutoff_unix_ms](store::WriteTxn& txn) {
        MDB_cursor* cursor = nullptr;
        if (int rc = mdb_cursor_open(txn.txn(), store_.Db(kDb), &cursor); rc != MDB_SUCCESS) {
          return store::LmdbStatus(rc, "audit cursor");
        }
        MDB_val k, v;
        // Oldest first; at most 10,000 per pass, so one transaction stays small.
        int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
        for (int n = 0; rc == MDB_SUCCESS && n < 10000; ++n) {
          AuditEntry entry;
          if (entry.ParseFromArray(v.mv_data, static_cast<int>(v.mv_size)) && entry.unix_ms() >= cutoff_unix_ms) break;
          mdb_cursor_del(cursor, 0);
          rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
        }
        mdb_cursor_close(cursor);
        return Status::Ok();
      },
      nullptr);
}

}  // namespace ferry::controlplane
