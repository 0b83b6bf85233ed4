#pragma once
// EventHistory: what became of events after they left the outbox.
//
// When the control plane acknowledges a batch, when field IT skips an event
// or purges a set, the events move from the outbox to the "history"
// database in the same transaction that deletes them, keyed by their agent
// sequence, with the times they were committed, last sent and left. The
// delivery outcome arrives later in "reports" (by event id). History is kept
// for `store.history_retention`, so `queue show` and `trace` still find an
// IDoc after it was delivered, and within `store.history_max_bytes`: the
// history is for looking back and never grows without bound.

#include <lmdb.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

class EventHistory {
 public:
  static constexpr const char* kDb = "history";

  // How events left the outbox.
  struct Departure {
    std::string left_as;  // "acked", "skipped" or "purged"
    std::string note;     // who and why, for skipped and purged
    int64_t sent_unix_ms = 0;
    int64_t left_unix_ms = 0;
  };

  EventHistory(store::Store& store, store::DurableQueue& outbox);
  // Waits for the prune rounds still queued on the store's writer: each
  // round commits and queues the next one, so a barrier write alone could
  // let one run after the history is gone.
  ~EventHistory();

  // Copies the outbox records `seqs` into the history within `txn`; run it
  // before they are deleted. Records already gone are ignored.
  Status RecordInTxn(store::WriteTxn& txn, const std::vector<uint64_t>& seqs, const Departure& departure) const;
  // Marks the entry of `seq` (event `event_id`) as retried under
  // `new_event_id`: no longer an open dead letter.
  Status MarkRetriedInTxn(store::WriteTxn& txn, uint64_t seq, const std::string& event_id,
                          const std::string& new_event_id) const;
  // Deletes, oldest first, entries that left before `cutoff_unix_ms` and,
  // while the history takes more than `max_bytes` of the store, younger
  // ones too (asynchronously, in transactions of a bounded size).
  void Prune(int64_t cutoff_unix_ms, uint64_t max_bytes);
  // What the history takes in the store (its pages), in bytes.
  static uint64_t BytesInTxn(MDB_txn* txn, MDB_dbi db);

  static std::string Key(uint64_t seq);
  // A stored value: the serialized HistoryEntry in the queue's record
  // encoding (zstd above a size), like the outbox it came from.
  static std::string Encode(const ferry::v1::HistoryEntry& entry);
  static bool Decode(std::string_view value, ferry::v1::HistoryEntry& entry);

 private:
  store::Store& store_;
  store::DurableQueue& outbox_;
  // Prune rounds queued and not yet committed; no new round is queued once
  // stopping_ is set (both touched on the writer thread and the owner's).
  std::atomic<int> rounds_pending_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace ferry::agent
