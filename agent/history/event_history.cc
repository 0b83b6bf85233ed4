#include "agent/history/event_history.h"

#include <spdlog/spdlog.h>

#include "agent/uplink/uplink.h"
#include "common/store/record_codec.h"

namespace ferry::agent {

EventHistory::EventHistory(store::Store& store, store::DurableQueue& outbox) : store_(store), outbox_(outbox) {}

std::string EventHistory::Key(uint64_t seq) { return store::EncodeU64Key(seq); }

std::string EventHistory::Encode(const ferry::v1::HistoryEntry& entry) {
  return store::EncodeRecordBody(entry.SerializeAsString());
}

bool EventHistory::Decode(std::string_view value, ferry::v1::HistoryEntry& entry) {
  auto body = store::DecodeRecordBody(value);
  return body.ok() && entry.ParseFromString(*body);
}

Status EventHistory::RecordInTxn(store::WriteTxn& txn, const std::vector<uint64_t>& seqs,
                                 const Departure& departure) const {
  const MDB_dbi db = store_.Db(kDb);
  ferry::v1::HistoryEntry entry;
  for (uint64_t seq : seqs) {
    auto record = store::DurableQueue::GetInTxn(txn.txn(), outbox_.records_db(), seq);
    if (!record.ok()) {
      if (record.status().code() == StatusCode::kNotFound) continue;  // acked twice, or skipped meanwhile
      return record.status();
    }
    entry.Clear();
    if (!entry.mutable_event()->ParseFromString(record->data)) {
      // Never a reason to keep an acknowledged event in the outbox.
      spdlog::warn("event=history_skipped seq={} reason=\"outbox record is not an event\"", seq);
      continue;
    }
    entry.mutable_event()->set_agent_sequence(seq);
    entry.set_enqueued_unix_ms(record->enqueued_unix_ms);
    entry.set_sent_unix_ms(departure.sent_unix_ms);
    entry.set_left_unix_ms(departure.left_unix_ms);
    entry.set_left_as(departure.left_as);
    entry.set_note(departure.note);
    const std::string key = Key(seq);
    const std::string value = Encode(entry);
    MDB_val k = store::ToVal(key), v = store::ToVal(value);
    if (int rc = mdb_put(txn.txn(), db, &k, &v, 0)) return store::LmdbStatus(rc, "store history entry");
  }
  return Status::Ok();
}

Status EventHistory::MarkRetriedInTxn(store::WriteTxn& txn, uint64_t seq, const std::string& event_id,
                                      const std::string& new_event_id) const {
  const MDB_dbi db = store_.Db(kDb);
  const std::string key = Key(seq);
  MDB_val k = store::ToVal(key), v;
  if (int rc = mdb_get(txn.txn(), db, &k, &v)) return store::LmdbStatus(rc, "history entry " + std::to_string(seq));
  ferry::v1::HistoryEntry entry;
  if (!Decode(store::FromVal(v), entry)) {
    return Status::DataLoss("history entry " + std::to_string(seq) + " does not parse");
  }
  // Two retries of one dead letter racing (CLI with the agent stopped):
  // the second one fails instead of sending the event twice.
  if (!entry.retried_as().empty()) return Status::AlreadyExists("already retried as " + entry.retried_as());
  entry.set_retried_as(new_event_id);
  const std::string value = Encode(entry);
  v = store::ToVal(value);
  if (int rc = mdb_put(txn.txn(), db, &k, &v, 0)) return store::LmdbStatus(rc, "update history entry");
  MDB_val id = store::ToVal(event_id);
  const int rc = mdb_del(txn.txn(), store_.Db(Uplink::kDeadLettersDb), &id, nullptr);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) return store::LmdbStatus(rc, "close dead letter");
  return Status::Ok();
}

namespace {

uint64_t BytesOf(const MDB_stat& st) {
  return (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) * static_cast<uint64_t>(st.ms_psize);
}

}  // namespace

uint64_t EventHistory::BytesInTxn(MDB_txn* txn, MDB_dbi db) {
  MDB_stat st;
  if (mdb_stat(txn, db, &st) != MDB_SUCCESS) return 0;
  return BytesOf(st);
}

EventHistory::~EventHistory() {
  stopping_ = true;
  while (rounds_pending_ > 0) (void)store_.WriteSync([](store::WriteTxn&) { return Status::Ok(); });
}

void EventHistory::Prune(int64_t cutoff_unix_ms, uint64_t max_bytes) {
  // Each round deletes at most this many entries, so one transaction never
  // dirties more than a few megabytes of pages; the next round follows.
  constexpr size_t kPerRound = 2000;
  ++rounds_pending_;
  store_.Write(
      [this, cutoff_unix_ms, max_bytes](store::WriteTxn& txn) {
        const MDB_dbi db = store_.Db(kDb);
        MDB_stat st;
        if (int rc = mdb_stat(txn.txn(), db, &st)) return store::LmdbStatus(rc, "history stat");
        const uint64_t size = BytesOf(st);
        // Over the cap: how many of the oldest entries to drop, at the
        // average size an entry takes in pages (overflow pages included).
        uint64_t over = 0;
        if (size > max_bytes && st.ms_entries > 0) {
          const uint64_t per_entry = std::max<uint64_t>(1, size / st.ms_entries);
          over = (size - max_bytes + per_entry - 1) / per_entry;
        }
        MDB_cursor* cur = nullptr;
        if (int rc = mdb_cursor_open(txn.txn(), db, &cur)) return store::LmdbStatus(rc, "history cursor");
        MDB_val k, v;
        ferry::v1::HistoryEntry entry;
        size_t deleted = 0;
        // Entries are in sequence order, which is nearly departure order:
        // stop at the first one young enough once the size is within bounds.
        int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
        for (; rc == MDB_SUCCESS && deleted < kPerRound; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
          const bool parsed = Decode(store::FromVal(v), entry);
          if (parsed && entry.left_unix_ms() >= cutoff_unix_ms && over == 0) break;
          if (over > 0) --over;
          mdb_cursor_del(cur, 0);
          ++deleted;
        }
        mdb_cursor_close(cur);
        if (deleted == kPerRound) {
          txn.OnCommit([this, cutoff_unix_ms, max_bytes] {
            if (!stopping_) Prune(cutoff_unix_ms, max_bytes);
          });
        }
        if (deleted > 0 && size > max_bytes) {
          spdlog::info("event=history_capped deleted={} bytes={} max_bytes={}", deleted, size, max_bytes);
        }
        return Status::Ok();
      },
      [this](const Status& s) {
        if (!s.ok()) spdlog::error("event=history_prune_failed error=\"{}\"", s.ToString());
        --rounds_pending_;  // last: the history may be gone right after
      });
}

}  // namespace ferry::agent
