#include "common/store/store.h"

#include <cerrno>
#include <cstring>
#include <future>
#include <system_error>

namespace ferry::store {
namespace {

constexpr std::string_view kMetaDb = "meta";
constexpr std::string_view kFormatKey = "format_version";
// Upper bound on writes folded into one commit, so one commit never holds
// producers back for long.
constexpr size_t kMaxGroup = 4096;

}  // namespace

Status LmdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string msg = std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_MAP_FULL:
      return Status::ResourceExhausted(msg + " (store map size reached; raise store.map_size)");
    case ENOSPC:
      return Status::Unavailable(msg + " (disk full)");
    case MDB_NOTFOUND:
      return Status::NotFound(msg);
    case MDB_BAD_VALSIZE:
      return Status::InvalidArgument(msg + " (key too long)");
    case MDB_VERSION_MISMATCH:
    case MDB_INVALID:
    case MDB_CORRUPTED:
      return Status::DataLoss(msg);
    case EACCES:
    case EIO:
    case MDB_READERS_FULL:
    default:
      return Status::Unavailable(msg);
  }
}

std::string EncodeU64Key(uint64_t value) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return key;
}

uint64_t DecodeU64Key(std::string_view key) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8 && i < key.size(); ++i) {
    value = (value << 8) | static_cast<unsigned char>(key[i]);
  }
  return value;
}

Store::Store(StoreOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.dir.empty()) return Status::InvalidArgument("store directory is empty");
  std::unique_ptr<Store> store(new Store(options));
  Status s = store->OpenEnv();
  if (!s.ok()) return s;
  if (!options.read_only) store->writer_ = std::thread([raw = store.get()] { raw->WriterLoop(); });
  return store;
}

Status Store::OpenEnv() {
  std::error_code ec;
  if (!options_.read_only) {
    std::filesystem::create_directories(options_.dir, ec);
    if (ec)
      return Status::InvalidArgument("cannot create store directory " + options_.dir.string() + ": " + ec.message());
  } else if (!std::filesystem::exists(options_.dir / "data.mdb")) {
    return Status::NotFound("no store at " + options_.dir.string());
  }
  int rc = mdb_env_create(&env_);
  if (rc) return LmdbStatus(rc, "mdb_env_create");
  mdb_env_set_maxdbs(env_, 32);
  mdb_env_set_maxreaders(env_, 256);
  if (!options_.read_only) {
    rc = mdb_env_set_mapsize(env_, options_.map_size_bytes);
    if (rc) return LmdbStatus(rc, "mdb_env_set_mapsize");
  }
  // NOTLS: read transactions are not bound to a thread, so any thread of an
  // event loop can hold one. Durability stays at LMDB's default (fsync).
  unsigned flags = MDB_NOTLS;
  if (options_.read_only) flags |= MDB_RDONLY;
  rc = mdb_env_open(env_, options_.dir.c_str(), flags, 0640);
  if (rc) {
    mdb_env_close(env_);
    env_ = nullptr;
    return LmdbStatus(rc, "open store " + options_.dir.string());
  }

  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(env_, nullptr, options_.read_only ? MDB_RDONLY : 0, &txn);
  if (rc) return LmdbStatus(rc, "begin open transaction");
  std::vector<std::string> names = options_.databases;
  names.emplace_back(kMetaDb);
  for (const auto& name : names) {
    MDB_dbi dbi;
    rc = mdb_dbi_open(txn, name.c_str(), options_.read_only ? 0 : MDB_CREATE, &dbi);
    if (rc == MDB_NOTFOUND && options_.read_only) continue;  // never written yet
    if (rc) {
      mdb_txn_abort(txn);
      return LmdbStatus(rc, "open database " + name);
    }
    dbs_[name] = dbi;
  }
  // The format version is written once by the first writer and checked by
  // every opener, so an older build never misreads a newer layout.
  auto meta = dbs_.find(kMetaDb);
  if (meta != dbs_.end()) {
    MDB_val k = ToVal(kFormatKey), v;
    rc = mdb_get(txn, meta->second, &k, &v);
    if (rc == MDB_SUCCESS) {
      std::string found(FromVal(v));
      if (found != std::to_string(kFormatVersion)) {
        mdb_txn_abort(txn);
        return Status::DataLoss("store " + options_.dir.string() + " has format version " + found +
                                "; this build reads version " + std::to_string(kFormatVersion));
      }
    } else if (rc == MDB_NOTFOUND && !options_.read_only) {
      std::string version = std::to_string(kFormatVersion);
      MDB_val nv = ToVal(version);
      rc = mdb_put(txn, meta->second, &k, &nv, 0);
      if (rc) {
        mdb_txn_abort(txn);
        return LmdbStatus(rc, "write format version");
      }
    }
  }
  // Commit even a read-only transaction: database handles opened in an
  // aborted transaction are closed with it.
  rc = mdb_txn_commit(txn);
  return LmdbStatus(rc, "commit open transaction");
}

Store::~Store() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (env_) mdb_env_close(env_);
}

void Store::Write(WriteFn work, DoneFn done) {
  if (options_.read_only) {
    if (done) done(Status::FailedPrecondition("store is open read-only"));
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      if (done) done(Status::Unavailable("store is shutting down"));
      return;
    }
    pending_.push_back({std::move(work), std::move(done)});
  }
  cv_.notify_one();
}

Status Store::WriteSync(WriteFn work) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Write(std::move(work), [&promise](const Status& s) { promise.set_value(s); });
  return future.get();
}

void Store::Drain() {
  if (options_.read_only) return;
  // A group's done callbacks run before the writer says it is idle, so a
  // write one of them asks for is pending by then, and waited for too.
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return pending_.empty() && !committing_; });
}

void Store::WriterLoop() {
  for (;;) {
    std::deque<PendingWrite> group;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty() && stopping_) return;
      // Take everything that arrived while the previous commit's fsync ran:
      // that is the group.
      while (!pending_.empty() && group.size() < kMaxGroup) {
        group.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
      committing_ = true;
    }
    CommitGroup(group);
    group.clear();  // what the writes captured goes before anyone is told the store is idle
    {
      std::lock_guard lock(mu_);
      committing_ = false;
    }
    idle_cv_.notify_all();
  }
}

void Store::CommitGroup(std::deque<PendingWrite>& group) {
  std::vector<Status> results(group.size());
  std::vector<std::function<void()>> on_commit;
  MDB_txn* parent = nullptr;
  Status group_status = LmdbStatus(mdb_txn_begin(env_, nullptr, 0, &parent), "begin write transaction");
  if (group_status.ok()) {
    for (size_t i = 0; i < group.size(); ++i) {
      WriteTxn child;
      int rc = mdb_txn_begin(env_, parent, 0, &child.txn_);
      if (rc) {
        results[i] = LmdbStatus(rc, "begin nested transaction");
        continue;
      }
      results[i] = group[i].work(child);
      if (results[i].ok()) {
        rc = mdb_txn_commit(child.txn_);
        results[i] = LmdbStatus(rc, "commit nested transaction");
        if (rc == MDB_SUCCESS) {
          for (auto& fn : child.on_commit_) on_commit.push_back(std::move(fn));
        }
      } else {
        mdb_txn_abort(child.txn_);
      }
    }
    if (options_.fault_before_commit) group_status = options_.fault_before_commit();
    if (group_status.ok()) {
      group_status = LmdbStatus(mdb_txn_commit(parent), "commit");
    } else {
      mdb_txn_abort(parent);
    }
  }
  {
    std::lock_guard lock(mu_);
    ++commits_;
    writes_ += group.size();
  }
  if (group_status.ok()) {
    for (auto& fn : on_commit) fn();
  }
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i].done) group[i].done(group_status.ok() ? results[i] : group_status);
  }
}

ReadTxn Store::BeginRead() const {
  MDB_txn* txn = nullptr;
  if (mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn) != MDB_SUCCESS) txn = nullptr;
  return ReadTxn(txn);
}

MDB_dbi Store::Db(std::string_view name) const {
  auto it = dbs_.find(name);
  // A database not declared at Open() is a programming error, except for a
  // read-only opener looking at a store that never created it.
  if (it == dbs_.end()) return static_cast<MDB_dbi>(-1);
  return it->second;
}

StoreStats Store::Stats() const {
  StoreStats stats;
  {
    std::lock_guard lock(mu_);
    stats.commits = commits_;
    stats.writes = writes_;
    stats.queued = pending_.size();
  }
  MDB_envinfo info;
  MDB_stat st;
  if (mdb_env_info(env_, &info) == MDB_SUCCESS && mdb_env_stat(env_, &st) == MDB_SUCCESS) {
    stats.map_size_bytes = info.me_mapsize;
    stats.used_bytes = (info.me_last_pgno + 1) * static_cast<uint64_t>(st.ms_psize);
  }
  return stats;
}

}  // namespace ferry::store
