#pragma once
// Each event's way through the control plane, for the console's search and
// trace (GET /api/v1/search, /api/v1/trace/ID): when the agent received and
// sent it and the control plane stored it, every delivery attempt with the
// CRM's answer, and what became of it: delivered with the CRM's record id,
// dead-lettered with the reason, replayed, discarded.
//
// Two databases in the control plane's store: "trace.events" (event id ->
// EventTrace) and "trace.index", keys only, which finds an event by
//   "d" NUL IDoc number without leading zeros  NUL event id
//   "k" NUL business key                         NUL event id
//   "v" NUL the business key's last part (after ':', '/' or '|') without
//       leading zeros NUL event id (a customer, material or order number)
//   "t" NUL stored time (8 bytes, big-endian) event id (oldest first: pruning)
// Event ids are UUIDv7, so under one prefix the newest come last.
//
// Bounded: at most `max_events` traces (the oldest go first, a few
// thousand per flush) and kMaxSteps steps per trace (attempts in the
// middle give way, and are counted). Index parts are cut at 200 bytes.
//
// A trace is written in ingest's transaction with its event, and the
// dead-letter actions write their steps in theirs; delivery's steps are
// buffered (Note) and written together at each Flush (every second), so
// tracing adds no commit to delivery. They are informational: a flush that
// fails is logged and its steps dropped, never the events.

#include <lmdb.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

class EventTraceLog {
 public:
  static constexpr const char* kEventsDb = "trace.events";
  static constexpr const char* kIndexDb = "trace.index";
  static constexpr size_t kMaxSteps = 24;
  static constexpr size_t kMaxResults = 100;
  static std::vector<std::string> Databases() { return {kEventsDb, kIndexDb}; }

  EventTraceLog(store::Store& store, uint64_t max_events) : store_(store), max_events_(max_events) {}

  // The first steps of an event the control plane is about to store: when
  // the agent received it and sent it, and now.
  static ferry::v1::EventTrace Begin(const ferry::v1::Event& event, int64_t sent_unix_ms, int64_t stored_unix_ms);
  // The first step of a CRM record's way down (docs/down.md): committed
  // from its inbound channel. Its id is the command's, its direction
  // "down"; the steps that follow are "read" (whole, from the CRM), "sent"
  // (to an agent), "committed_by_agent", and "answered" (SAP's answer on
  // its way back up, as the event in the step's detail) or "dead_lettered".
  static ferry::v1::EventTrace BeginDown(const ferry::v1::DownCommand& command, int64_t stored_unix_ms);
  // For an event an agent sent about a down command (source "down", its
  // raw_event_id the command's id): the step it adds to the command's
  // trace, "answered" (SAP's answer, on its way to the CRM) or
  // "dead_lettered" (SAP refused it, or no down flow mapped it). Empty for
  // any other event.
  static std::optional<ferry::v1::TraceStep> DownAnswer(const ferry::v1::Event& event, int64_t stored_unix_ms);
  // Writes a new trace and its index entries in `txn` (the one storing the
  // event). An event traced already (a resend) keeps its trace.
  Status Put(MDB_txn* txn, const ferry::v1::EventTrace& trace) const;
  // Adds a step to an event's trace in `txn`; an event without one (pruned)
  // is left alone.
  Status AddStep(MDB_txn* txn, std::string_view event_id, const ferry::v1::TraceStep& step) const;
  // AddStep for a step agent `agent_id` reports about a down command:
  // added only to a trace of direction "down" whose agent (the one that
  // committed the command) is that agent, or that names none yet (an
  // agent cannot write into another agent's or another event's story).
  Status AddDownStep(MDB_txn* txn, std::string_view command_id, const ferry::v1::TraceStep& step,
                     std::string_view agent_id) const;
  // Keeps a step for the next Flush. Thread-safe.
  void Note(std::string event_id, ferry::v1::TraceStep step);
  // Note of a step made now: `what`, with `detail` (any bytes: kept as at
  // most kMaxDetailBytes of UTF-8) and the agent it concerns, if any.
  void NoteStep(std::string event_id, std::string_view what, std::string_view detail, std::string_view agent_id = {});
  static constexpr size_t kMaxDetailBytes = 4096;
  // Writes what Note kept, and prunes to max_events; asynchronous.
  void Flush();

  // NotFound when no trace has this id.
  Result<ferry::v1::EventTrace> Get(std::string_view event_id) const;

  struct Found {
    std::vector<ferry::v1::EventTrace> traces;  // newest first
    std::vector<std::string> matched_as;        // "event id", "IDoc number", "business key", "key value"
  };
  // Traces whose event id, IDoc number (leading zeros or not), business
  // key, or the business key's last part (leading zeros or not) is `text`;
  // at most `limit` (up to kMaxResults). InvalidArgument for an empty or
  // overlong text.
  Result<Found> Search(std::string_view text, size_t limit) const;

 private:
  Status Prune(MDB_txn* txn) const;
  // `down_agent` non-null: only into a down trace of that agent (AddDownStep).
  Status AddStepTo(MDB_txn* txn, std::string_view event_id, const ferry::v1::TraceStep& step,
                   const std::string_view* down_agent) const;

  store::Store& store_;
  uint64_t max_events_;
  // Traces written since the last prune (on the store's writer thread).
  mutable std::atomic<uint64_t> puts_since_prune_{0};
  std::mutex mu_;
  std::vector<std::pair<std::string, ferry::v1::TraceStep>> pending_;
  uint64_t dropped_ = 0;  // steps not kept: the store fell behind
};

}  // namespace ferry::controlplane
