#pragma once
// DurableQueue: an ordered, size-limited FIFO of opaque records in a Store.
//
// Records get increasing sequence numbers; readers page through them in
// order; a consumer deletes records once it is done with them (acked,
// delivered). Appends may carry an idempotency key: a record whose key was
// appended before (even if since deleted) is not stored again and is reported
// as a duplicate, inside the same transaction, so the check is exact.
//
// Layout (docs/storage-format.md): database "q.<name>" maps an 8-byte
// big-endian sequence to [8-byte little-endian enqueue time ms][codec byte]
// [record, zstd-compressed when that is smaller] (record_codec.h);
// "k.<name>" maps an idempotency key to [8-byte sequence][8-byte time ms];
// meta keys "q.<name>.next" and "q.<name>.bytes" hold the counters.
//
// Append → ResourceExhausted when the byte limit would be exceeded (the
// whole append is refused: back-pressure), otherwise the Store's codes.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/store.h"

namespace ferry::store {

struct QueueRecord {
  uint64_t seq = 0;
  int64_t enqueued_unix_ms = 0;
  std::string data;
  // Non-empty when the stored bytes do not decode (a flipped byte, a torn
  // frame): "corrupt record at q.<name>/<seq>: why", and `data` holds the
  // bytes as stored. Readers move such a record aside (dead letter) rather
  // than stop the queue behind it.
  std::string corrupt;
};

struct AppendItem {
  std::string data;
  std::string idempotency_key;  // empty: no duplicate check
  bool encoded = false;         // data already holds the stored body (EncodeItems)
};

struct AppendOutcome {
  Status status;
  // One entry per item: the sequence assigned, or the sequence the earlier
  // record with the same key had (duplicate[i] true).
  std::vector<uint64_t> seqs;
  std::vector<bool> duplicate;
};

struct QueueStats {
  uint64_t depth = 0;
  uint64_t bytes = 0;                   // stored (compressed) bytes: what max_bytes limits
  int64_t oldest_enqueued_unix_ms = 0;  // 0 when empty
};

struct QueueOptions {
  std::string name;
  uint64_t max_bytes = 0;  // 0: unlimited (the store's map size still applies)
};

class DurableQueue {
 public:
  // The store must have been opened with DatabasesFor(name) declared.
  static Result<std::unique_ptr<DurableQueue>> Open(Store& store, QueueOptions options);
  static std::vector<std::string> DatabasesFor(const std::string& name);

  // Compresses items into their stored form on the calling thread, so the
  // writer thread does not (Append does this itself).
  static void EncodeItems(std::vector<AppendItem>& items);

  using AppendDone = std::function<void(AppendOutcome)>;
  // Durable when `done` runs (on the store's writer thread). `also` runs in
  // the same transaction after the append (e.g. a source's checkpoint).
  void Append(std::vector<AppendItem> items, AppendDone done, WriteFn also = nullptr);
  AppendOutcome AppendSync(std::vector<AppendItem> items);

  // Deletes records by sequence; unknown sequences are ignored. `extra` runs
  // in the same transaction (e.g. move to a dead-letter store).
  // `extra` runs in the same transaction before the records are deleted, so
  // it can still read them (GetInTxn), e.g. to keep them elsewhere.
  void Remove(std::vector<uint64_t> seqs, DoneFn done, WriteFn extra = nullptr);
  // Deletes within the caller's transaction (the queue's counters follow on
  // commit).
  Status RemoveInTxn(WriteTxn& txn, const std::vector<uint64_t>& seqs) { return DoRemove(txn, seqs); }
  // A record as seen by `txn`; NotFound when absent.
  static Result<QueueRecord> GetInTxn(MDB_txn* txn, MDB_dbi records_db, uint64_t seq);
  MDB_dbi records_db() const { return records_db_; }
  Status RemoveSync(std::vector<uint64_t> seqs);
  // Appends inside a write that is already running (e.g. moving a record to
  // a dead-letter queue in the same transaction as its removal). When that
  // write's group fails, call Resync() from its done callback.
  Status AppendInTxn(WriteTxn& txn, const std::vector<AppendItem>& items, AppendOutcome& out) {
    return DoAppend(txn, items, out);
  }
  void Resync() { (void)Load(); }
  // Runs the on-append callback; for writers that used AppendInTxn.
  void NotifyAppended() {
    if (on_append_) on_append_();
  }
  // Deletes idempotency keys older than `cutoff_unix_ms`.
  void PruneKeys(int64_t cutoff_unix_ms, DoneFn done);

  // Records with seq > after_seq, in order, up to the limits (at least one
  // record when any exists). A record that does not decode is returned
  // with `corrupt` set, never as an error that would stop the reader.
  Result<std::vector<QueueRecord>> ReadAfter(uint64_t after_seq, size_t max_records, size_t max_bytes) const;
  // Records with seq < before_seq, newest first, up to the same limits
  // (UINT64_MAX: from the newest).
  Result<std::vector<QueueRecord>> ReadBefore(uint64_t before_seq, size_t max_records, size_t max_bytes) const;
  Result<QueueRecord> Get(uint64_t seq) const;
  // The sequence of the newest record stored (0: none), from any thread.
  uint64_t LastSeq() const;
  QueueStats Stats() const;
  // The committed stored bytes alone, without a read transaction (so from
  // inside a write too).
  uint64_t bytes() const { return bytes_; }
  // Records appended (committed) since this process opened the queue.
  uint64_t appended_since_open() const { return appended_; }
  uint64_t max_bytes() const { return options_.max_bytes; }
  const std::string& name() const { return options_.name; }

  // Called on the writer thread after each durable append.
  void SetOnAppend(std::function<void()> fn) { on_append_ = std::move(fn); }

 private:
  DurableQueue(Store& store, QueueOptions options);
  Result<std::vector<QueueRecord>> Read(uint64_t from_seq, bool newest_first, size_t max_records,
                                        size_t max_bytes) const;
  QueueRecord DecodeStored(uint64_t seq, std::string_view value) const;
  // Reads the committed counters (next sequence, depth, bytes) back.
  Status Load();
  Status DoAppend(WriteTxn& txn, const std::vector<AppendItem>& items, AppendOutcome& out);
  Status DoRemove(WriteTxn& txn, const std::vector<uint64_t>& seqs);

  Store& store_;
  QueueOptions options_;
  MDB_dbi records_db_ = 0;  // set by Open, never changed after
  MDB_dbi keys_db_ = 0;
  MDB_dbi meta_db_ = 0;
  std::string next_key_;
  std::string bytes_key_;
  // Mirrors of the committed counters; changed only on the writer thread,
  // after commit, read from anywhere.
  std::atomic<uint64_t> depth_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> appended_{0};  // records committed since Open
  // Writer-thread view, including uncommitted work of the current group.
  uint64_t next_seq_ = 1;
  uint64_t pending_bytes_ = 0;
  std::function<void()> on_append_;
};

}  // namespace ferry::store
