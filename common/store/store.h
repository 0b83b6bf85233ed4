#pragma once
// Store: one LMDB environment with a single writer thread that commits in
// groups.
//
// Every mutation is a WriteFn submitted with Write(). The writer thread takes
// all work that is waiting, runs each piece in its own nested transaction (so
// one failing piece rolls back alone), commits the group once, which fsyncs,
// and only then tells each submitter the outcome. Many concurrent producers
// therefore share one fsync, and each learns when *its* data is durable.
//
// Readers use ReadTxn from any thread, and from other processes: LMDB readers
// never block the writer (the agent CLI reads a running daemon's store).
//
// Failure codes: Open → InvalidArgument (bad path), DataLoss (unknown format
// version), Unavailable (cannot open or lock). Write's done callback →
// the WriteFn's own Status, ResourceExhausted (map full), Unavailable (disk
// full or I/O error at commit; nothing of the group was stored).

#include <lmdb.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"

namespace ferry::store {

// Version of the record layout documented in docs/storage-format.md.
inline constexpr uint32_t kFormatVersion = 1;

struct StoreOptions {
  std::filesystem::path dir;
  uint64_t map_size_bytes = 1ull << 30;
  bool read_only = false;
  // Named databases this process uses; opened (and created) at Open().
  std::vector<std::string> databases;
  // Test hook below the queue: called before each group commit; a non-OK
  // status fails the whole group as a real commit error would.
  std::function<Status()> fault_before_commit;
};

// A write transaction handed to a WriteFn; valid only during the call.
class WriteTxn {
 public:
  MDB_txn* txn() const { return txn_; }
  // Runs after the group containing this write is durably committed.
  void OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }

 private:
  friend class Store;
  MDB_txn* txn_ = nullptr;
  std::vector<std::function<void()>> on_commit_;
};

using WriteFn = std::function<Status(WriteTxn&)>;
using DoneFn = std::function<void(const Status&)>;

// A read-only snapshot; abort on destruction.
class ReadTxn {
 public:
  ReadTxn(ReadTxn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  ReadTxn(const ReadTxn&) = delete;
  ~ReadTxn() {
    if (txn_) mdb_txn_abort(txn_);
  }
  MDB_txn* txn() const { return txn_; }
  bool ok() const { return txn_ != nullptr; }

 private:
  friend class Store;
  explicit ReadTxn(MDB_txn* txn) : txn_(txn) {}
  MDB_txn* txn_;
};

struct StoreStats {
  uint64_t commits = 0;  // group commits performed
  uint64_t writes = 0;   // WriteFns run
  uint64_t queued = 0;   // writes waiting for the writer (not those it is committing)
  uint64_t map_size_bytes = 0;
  uint64_t used_bytes = 0;  // pages in use × page size
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();  // finishes all submitted writes, then stops the writer

  // Queues `work` for the next group commit; `done` runs on the writer
  // thread after the commit, so it must be quick (post elsewhere).
  void Write(WriteFn work, DoneFn done);
  // Write() and wait for durability.
  Status WriteSync(WriteFn work);
  // Waits until every write asked for so far, and every write their done
  // callbacks asked for in turn, has committed and been answered. What
  // those writes refer to may be destroyed after it, not before: an
  // owner's teardown drains its store first. Not from the writer thread.
  void Drain();

  ReadTxn BeginRead() const;
  // Handle of a database declared in StoreOptions::databases (or "meta").
  MDB_dbi Db(std::string_view name) const;
  bool read_only() const { return options_.read_only; }
  const std::filesystem::path& dir() const { return options_.dir; }
  StoreStats Stats() const;

 private:
  struct PendingWrite {
    WriteFn work;
    DoneFn done;
  };

  explicit Store(StoreOptions options);
  Status OpenEnv();
  void WriterLoop();
  void CommitGroup(std::deque<PendingWrite>& group);

  StoreOptions options_;
  MDB_env* env_ = nullptr;
  std::map<std::string, MDB_dbi, std::less<>> dbs_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingWrite> pending_;
  bool stopping_ = false;
  bool committing_ = false;          // the writer holds a group, its answers not all given yet
  std::condition_variable idle_cv_;  // pending_ empty and nothing committing: Drain's wait
  uint64_t commits_ = 0;
  uint64_t writes_ = 0;
  std::thread writer_;
};

// Maps an LMDB return code to a Status with context.
Status LmdbStatus(int rc, std::string_view what);

// Big-endian u64 keys sort numerically under LMDB's default byte order.
std::string EncodeU64Key(uint64_t value);
uint64_t DecodeU64Key(std::string_view key);

inline MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

}  // namespace ferry::store
