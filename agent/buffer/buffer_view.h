#pragma once
// BufferView: field IT's read-only view of an agent's store — the events
// waiting in the outbox and the history of those that left it, each with
// its state and, once the control plane reported it, its delivery outcome.
//
// It reads through LMDB read transactions, so it works beside a running
// agent (never blocking its writer) and on a stopped one. Which pending
// events are in flight only the running agent knows; the caller passes
// them in.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

// pending: in the outbox; in-flight: published, no Ack yet; sent: the
// control plane has it, no outcome yet; delivered; dead-letter: refused and
// not retried; retried: a dead letter enqueued again under a new id;
// skipped, purged: taken out of the outbox by field IT.
enum class EventState { kPending, kInFlight, kSent, kDelivered, kDeadLetter, kRetried, kSkipped, kPurged };
const char* StateName(EventState state);
std::optional<EventState> ParseState(const std::string& name);

struct EventView {
  uint64_t seq = 0;
  EventState state = EventState::kPending;
  ferry::v1::Event event;
  int64_t enqueued_unix_ms = 0;
  int64_t sent_unix_ms = 0;  // from the history; 0: unknown
  int64_t left_unix_ms = 0;  // 0: still in the outbox
  std::string note;          // skip or purge: who and why
  std::string retried_as;    // the event id of its retry
  std::optional<ferry::v1::Delivery> report;
};

struct ViewFilter {
  std::optional<EventState> state;
  std::string message_type;  // MESTYP (DEBMAS) or an S/4 entity set (A_BusinessPartner)
  std::string sender;        // SNDPRN
  std::string business_key;
  std::string docnum;  // leading zeros optional
  std::string event_id;
  std::set<std::string> event_ids;  // any of these
  int64_t since_unix_ms = 0;        // received at or after
  int64_t until_unix_ms = 0;        // received before; 0: no bound
  bool Matches(const EventView& view) const;
};

// What `status` shows of the store, from counts LMDB keeps: it reads no
// event, so it costs the same with ten events or ten million.
struct BufferSummary {
  uint64_t pending = 0;  // events in the outbox
  uint64_t pending_bytes = 0;
  int64_t oldest_enqueued_unix_ms = 0;
  uint64_t history = 0;       // events kept after they left the outbox
  uint64_t reports = 0;       // delivery outcomes the control plane reported
  uint64_t dead_letters = 0;  // reported dead-lettered and not retried
};

class BufferView {
 public:
  explicit BufferView(const store::Store& store) : store_(store) {}

  // Matching events, oldest first: the history, then the outbox. With
  // `total`, every event is read to count the matches; without, reading
  // stops one match past the page and `more` says whether there was one.
  Result<std::vector<EventView>> List(const ViewFilter& filter, const std::set<uint64_t>& in_flight, size_t offset,
                                      size_t limit, size_t* total = nullptr, bool* more = nullptr) const;
  // The events with these agent sequences, read by key (outbox or history);
  // sequences found in neither are left out.
  Result<std::vector<EventView>> At(const std::vector<uint64_t>& seqs, const std::set<uint64_t>& in_flight) const;
  // The one event with this id, every event of an IDoc (by its number), or
  // every event of a business key (DEBMAS:100001, A_BusinessPartner:1000746).
  Result<std::vector<EventView>> Find(const std::string& what, const std::set<uint64_t>& in_flight) const;
  Result<BufferSummary> Summarize(const store::QueueStats& outbox) const;
  // The document a mapped event was made from, from the raw buffer (kept
  // for store.raw_retention); empty when it has been pruned or never was.
  std::string RawDocument(const ferry::v1::Event& mapped) const;

 private:
  const store::Store& store_;
};

// "0000000000410001" and "410001" name the same IDoc.
std::string StripLeadingZeros(const std::string& text);

}  // namespace ferry::agent
