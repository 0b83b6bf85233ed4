#include "common/store/durable_queue.h"

#include <chrono>
#include <cstring>
#include <future>

#include "common/store/record_codec.h"

namespace ferry::store {
namespace {

constexpr size_t kHeaderBytes = 8;

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void PutLe64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

Status ReadMetaU64(MDB_txn* txn, MDB_dbi db, const std::string& key, uint64_t& out) {
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn, db, &k, &v);
  if (rc == MDB_NOTFOUND) {
    out = 0;
    return Status::Ok();
  }
  if (rc) return LmdbStatus(rc, "read " + key);
  if (v.mv_size != 8) return Status::DataLoss("counter " + key + " has " + std::to_string(v.mv_size) + " bytes");
  out = GetLe64(FromVal(v));
  return Status::Ok();
}

Status WriteMetaU64(MDB_txn* txn, MDB_dbi db, const std::string& key, uint64_t value) {
  std::string buf;
  PutLe64(buf, value);
  MDB_val k = ToVal(key), v = ToVal(buf);
  return LmdbStatus(mdb_put(txn, db, &k, &v, 0), "write " + key);
}

}  // namespace

std::vector<std::string> DurableQueue::DatabasesFor(const std::string& name) { return {"q." + name, "k." + name}; }

DurableQueue::DurableQueue(Store& store, QueueOptions options)
    : store_(store),
      options_(std::move(options)),
      next_key_("q." + options_.name + ".next"),
      bytes_key_("q." + options_.name + ".bytes") {}

Result<std::unique_ptr<DurableQueue>> DurableQueue::Open(Store& store, QueueOptions options) {
  std::unique_ptr<DurableQueue> q(new DurableQueue(store, std::move(options)));
  // The handles are set once, here: the counters are read again after a
  // failed write, on the store's writer thread, while readers use them.
  q->records_db_ = store.Db("q." + q->options_.name);
  q->keys_db_ = store.Db("k." + q->options_.name);
  q->meta_db_ = store.Db("meta");
  const MDB_dbi missing = static_cast<MDB_dbi>(-1);
  if (q->records_db_ == missing || q->meta_db_ == missing) {
    return Status::NotFound("queue " + q->options_.name + " does not exist in " + store.dir().string());
  }
  Status s = q->Load();
  if (!s.ok()) return s;
  return q;
}

Status DurableQueue::Load() {
  ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin read transaction");
  uint64_t next = 0, bytes = 0;
  Status s = ReadMetaU64(read.txn(), meta_db_, next_key_, next);
  if (s.ok()) s = ReadMetaU64(read.txn(), meta_db_, bytes_key_, bytes);
  if (!s.ok()) return s;
  MDB_stat st;
  int rc = mdb_stat(read.txn(), records_db_, &st);
  if (rc) return LmdbStatus(rc, "stat queue " + options_.name);
  next_seq_ = next == 0 ? 1 : next;
  depth_ = st.ms_entries;
  bytes_ = bytes;
  pending_bytes_ = bytes;
  return Status::Ok();
}

void DurableQueue::EncodeItems(std::vector<AppendItem>& items) {
  for (auto& item : items) {
    if (item.encoded) continue;
    item.data = EncodeRecordBody(item.data);
    item.encoded = true;
  }
}

void DurableQueue::Append(std::vector<AppendItem> items, AppendDone done, WriteFn also) {
  EncodeItems(items);
  auto out = std::make_shared<AppendOutcome>();
  auto shared_items = std::make_shared<std::vector<AppendItem>>(std::move(items));
  store_.Write(
      [this, out, shared_items, also = std::move(also)](WriteTxn& txn) {
        Status s = DoAppend(txn, *shared_items, *out);
        return s.ok() && also ? also(txn) : s;
      },
      [this, out, done = std::move(done)](const Status& s) {
        out->status = s;
        if (!s.ok()) {
          out->seqs.clear();
          out->duplicate.clear();
          // The group did not commit: forget what the writer view counted.
          // Load() reads the committed truth back.
          (void)Load();
        }
        // Wake the readers first: once `done` has run, the caller
        // may destroy the queue (AppendSync returns), and nothing
        // here may touch `this` any more.
        if (s.ok() && on_append_) on_append_();
        if (done) done(std::move(*out));
      });
}

AppendOutcome DurableQueue::AppendSync(std::vector<AppendItem> items) {
  std::promise<AppendOutcome> p;
  auto f = p.get_future();
  Append(std::move(items), [&p](AppendOutcome o) { p.set_value(std::move(o)); });
  return f.get();
}

Status DurableQueue::DoAppend(WriteTxn& txn, const std::vector<AppendItem>& raw_items, AppendOutcome& out) {
  const int64_t now = NowUnixMs();
  // Writers inside a running transaction may pass items not yet encoded.
  std::vector<AppendItem> encoded_copy;
  bool all_encoded = true;
  for (const auto& item : raw_items) all_encoded = all_encoded && item.encoded;
  if (!all_encoded) {
    encoded_copy = raw_items;
    EncodeItems(encoded_copy);
  }
  const std::vector<AppendItem>& items = all_encoded ? raw_items : encoded_copy;
  // First decide which items are new: duplicates are answered, not stored,
  // so they must not count against the byte limit either.
  std::vector<int64_t> earlier(items.size(), -1);  // seq of the earlier record, or -1
  uint64_t add_bytes = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& key = items[i].idempotency_key;
    if (!key.empty()) {
      MDB_val k = ToVal(key), v;
      int rc = mdb_get(txn.txn(), keys_db_, &k, &v);
      if (rc == MDB_SUCCESS && v.mv_size >= 8) {
        earlier[i] = static_cast<int64_t>(DecodeU64Key(FromVal(v).substr(0, 8)));
        continue;
      }
      if (rc != MDB_NOTFOUND) return LmdbStatus(rc, "read idempotency key");
      // The same key twice in one append: the second is a duplicate of the first.
      for (size_t j = 0; j < i; ++j) {
        if (earlier[j] < 0 && items[j].idempotency_key == key) {
          earlier[i] = -2 - static_cast<int64_t>(j);  // resolved below
          break;
        }
      }
      if (earlier[i] != -1) continue;
    }
    add_bytes += items[i].data.size();
  }
  if (options_.max_bytes > 0 && add_bytes > 0 && pending_bytes_ + add_bytes > options_.max_bytes) {
    return Status::ResourceExhausted("queue " + options_.name + " is full (" + std::to_string(pending_bytes_) + " of " +
                                     std::to_string(options_.max_bytes) + " bytes used)");
  }
  uint64_t next = next_seq_;
  uint64_t stored_bytes = 0, stored_count = 0;
  std::string value;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    if (earlier[i] >= 0 || earlier[i] <= -2) {
      uint64_t seq =
          earlier[i] >= 0 ? static_cast<uint64_t>(earlier[i]) : out.seqs[static_cast<size_t>(-2 - earlier[i])];
      out.seqs.push_back(seq);
      out.duplicate.push_back(true);
      continue;
    }
    if (!item.idempotency_key.empty()) {
      std::string key_value = EncodeU64Key(next);
      PutLe64(key_value, static_cast<uint64_t>(now));
      MDB_val k = ToVal(item.idempotency_key), nv = ToVal(key_value);
      int rc = mdb_put(txn.txn(), keys_db_, &k, &nv, 0);
      if (rc) return LmdbStatus(rc, "write idempotency key");
    }
    value.clear();
    value.reserve(kHeaderBytes + item.data.size());
    PutLe64(value, static_cast<uint64_t>(now));
    value.append(item.data);
    std::string key = EncodeU64Key(next);
    MDB_val k = ToVal(key), v = ToVal(value);
    // Sequences only grow, so APPEND lets LMDB skip the search.
    int rc = mdb_put(txn.txn(), records_db_, &k, &v, MDB_APPEND);
    if (rc) return LmdbStatus(rc, "append record");
    out.seqs.push_back(next);
    out.duplicate.push_back(false);
    ++next;
    ++stored_count;
    stored_bytes += item.data.size();
  }
  if (stored_count == 0) return Status::Ok();
  Status s = WriteMetaU64(txn.txn(), meta_db_, next_key_, next);
  if (s.ok()) s = WriteMetaU64(txn.txn(), meta_db_, bytes_key_, pending_bytes_ + stored_bytes);
  if (!s.ok()) return s;
  next_seq_ = next;
  pending_bytes_ += stored_bytes;
  txn.OnCommit([this, stored_count, stored_bytes] {
    depth_ += stored_count;
    bytes_ += stored_bytes;
    appended_ += stored_count;
  });
  return Status::Ok();
}

void DurableQueue::Remove(std::vector<uint64_t> seqs, DoneFn done, WriteFn extra) {
  auto shared = std::make_shared<std::vector<uint64_t>>(std::move(seqs));
  store_.Write(
      [this, shared, extra = std::move(extra)](WriteTxn& txn) {
        if (extra) {
          Status s = extra(txn);
          if (!s.ok()) return s;
        }
        return DoRemove(txn, *shared);
      },
      [this, done = std::move(done)](const Status& s) {
        if (!s.ok()) (void)Load();
        if (done) done(s);
      });
}

Status DurableQueue::RemoveSync(std::vector<uint64_t> seqs) {
  std::promise<Status> p;
  auto f = p.get_future();
  Remove(std::move(seqs), [&p](const Status& s) { p.set_value(s); });
  return f.get();
}

Status DurableQueue::DoRemove(WriteTxn& txn, const std::vector<uint64_t>& seqs) {
  uint64_t removed_bytes = 0, removed_count = 0;
  for (uint64_t seq : seqs) {
    std::string key = EncodeU64Key(seq);
    MDB_val k = ToVal(key), v;
    int rc = mdb_get(txn.txn(), records_db_, &k, &v);
    if (rc == MDB_NOTFOUND) continue;
    if (rc) return LmdbStatus(rc, "read record");
    removed_bytes += v.mv_size >= kHeaderBytes ? v.mv_size - kHeaderBytes : 0;
    rc = mdb_del(txn.txn(), records_db_, &k, nullptr);
    if (rc) return LmdbStatus(rc, "delete record");
    ++removed_count;
  }
  if (removed_count == 0) return Status::Ok();
  uint64_t remaining = pending_bytes_ >= removed_bytes ? pending_bytes_ - removed_bytes : 0;
  Status s = WriteMetaU64(txn.txn(), meta_db_, bytes_key_, remaining);
  if (!s.ok()) return s;
  pending_bytes_ = remaining;
  txn.OnCommit([this, removed_count, removed_bytes] {
    depth_ -= std::min<uint64_t>(depth_, removed_count);
    bytes_ -= std::min<uint64_t>(bytes_, removed_bytes);
  });
  return Status::Ok();
}

void DurableQueue::PruneKeys(int64_t cutoff_unix_ms, DoneFn done) {
  store_.Write(
      [this, cutoff_unix_ms](WriteTxn& txn) {
        MDB_cursor* cur = nullptr;
        int rc = mdb_cursor_open(txn.txn(), keys_db_, &cur);
        if (rc) return LmdbStatus(rc, "open key cursor");
        MDB_val k, v;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
          if (v.mv_size >= 16 && static_cast<int64_t>(GetLe64(FromVal(v).substr(8, 8))) < cutoff_unix_ms) {
            mdb_cursor_del(cur, 0);
          }
        }
        mdb_cursor_close(cur);
        return Status::Ok();
      },
      std::move(done));
}

QueueRecord DurableQueue::DecodeStored(uint64_t seq, std::string_view value) const {
  QueueRecord rec;
  rec.seq = seq;
  auto where = [&] { return "corrupt record at q." + options_.name + "/" + std::to_string(rec.seq) + ": "; };
  if (value.size() < kHeaderBytes) {
    rec.corrupt = where() + "shorter than its header";
    rec.data = std::string(value);
    return rec;
  }
  rec.enqueued_unix_ms = static_cast<int64_t>(GetLe64(value));
  auto data = DecodeRecordBody(value.substr(kHeaderBytes));
  if (data.ok()) {
    rec.data = std::move(data.value());
  } else {
    rec.corrupt = where() + data.status().message();
    rec.data = std::string(value.substr(kHeaderBytes));
  }
  return rec;
}

Result<std::vector<QueueRecord>> DurableQueue::Read(uint64_t from_seq, bool newest_first, size_t max_records,
                                                    size_t max_bytes) const {
  ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin read transaction");
  MDB_cursor* cur = nullptr;
  int rc = mdb_cursor_open(read.txn(), records_db_, &cur);
  if (rc) return LmdbStatus(rc, "open queue cursor");
  std::vector<QueueRecord> out;
  std::string start = EncodeU64Key(from_seq);
  MDB_val k = ToVal(start), v;
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
  if (newest_first) {
    // SET_RANGE found the first key >= from_seq (or none): step back to the
    // last one below it.
    rc = rc == MDB_SUCCESS ? mdb_cursor_get(cur, &k, &v, MDB_PREV) : mdb_cursor_get(cur, &k, &v, MDB_LAST);
  }
  size_t bytes = 0;
  for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &k, &v, newest_first ? MDB_PREV : MDB_NEXT)) {
    std::string_view value = FromVal(v);
    if (!out.empty() && (out.size() >= max_records || bytes + value.size() > max_bytes)) break;
    bytes += value.size();
    out.push_back(DecodeStored(DecodeU64Key(FromVal(k)), value));
  }
  mdb_cursor_close(cur);
  return out;
}

Result<std::vector<QueueRecord>> DurableQueue::ReadAfter(uint64_t after_seq, size_t max_records,
                                                         size_t max_bytes) const {
  return Read(after_seq + 1, /*newest_first=*/false, max_records, max_bytes);
}

Result<std::vector<QueueRecord>> DurableQueue::ReadBefore(uint64_t before_seq, size_t max_records,
                                                          size_t max_bytes) const {
  if (before_seq == 0) return std::vector<QueueRecord>{};
  return Read(before_seq, /*newest_first=*/true, max_records, max_bytes);
}

Result<QueueRecord> DurableQueue::Get(uint64_t seq) const {
  ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin read transaction");
  return GetInTxn(read.txn(), records_db_, seq);
}

Result<QueueRecord> DurableQueue::GetInTxn(MDB_txn* txn, MDB_dbi records_db, uint64_t seq) {
  std::string key = EncodeU64Key(seq);
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn, records_db, &k, &v);
  if (rc) return LmdbStatus(rc, "record " + std::to_string(seq));
  std::string_view value = FromVal(v);
  if (value.size() < kHeaderBytes) return Status::DataLoss("record shorter than its header");
  auto data = DecodeRecordBody(value.substr(kHeaderBytes));
  if (!data.ok()) return data.status();
  return QueueRecord{seq, static_cast<int64_t>(GetLe64(value)), std::move(data.value()), {}};
}

uint64_t DurableQueue::LastSeq() const {
  ReadTxn read = store_.BeginRead();
  MDB_cursor* cur = nullptr;
  if (!read.ok() || mdb_cursor_open(read.txn(), records_db_, &cur) != MDB_SUCCESS) return 0;
  MDB_val k, v;
  uint64_t last = 0;
  if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == MDB_SUCCESS && k.mv_size == 8) {
    for (size_t i = 0; i < 8; ++i) last = (last << 8) | static_cast<const uint8_t*>(k.mv_data)[i];
  }
  mdb_cursor_close(cur);
  return last;
}

QueueStats DurableQueue::Stats() const {
  QueueStats stats;
  stats.depth = depth_;
  stats.bytes = bytes_;
  if (stats.depth == 0) return stats;
  // Only the oldest record's header: no copy, no decompression.
  ReadTxn read = store_.BeginRead();
  MDB_cursor* cur = nullptr;
  if (!read.ok() || mdb_cursor_open(read.txn(), records_db_, &cur) != MDB_SUCCESS) return stats;
  MDB_val k, v;
  if (mdb_cursor_get(cur, &k, &v, MDB_FIRST) == MDB_SUCCESS && v.mv_size >= kHeaderBytes) {
    stats.oldest_enqueued_unix_ms = static_cast<int64_t>(GetLe64(FromVal(v)));
  }
  mdb_cursor_close(cur);
  return stats;
}

}  // namespace ferry::store
