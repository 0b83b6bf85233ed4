#include "agent/buffer/buffer_view.h"

#include <lmdb.h>

#include <map>

#include "agent/flows/flow_stage.h"
#include "agent/history/event_history.h"
#include "agent/outbox/outbox.h"
#include "agent/uplink/uplink.h"
#include "common/store/record_codec.h"

namespace ferry::agent {
namespace {

constexpr MDB_dbi kMissing = static_cast<MDB_dbi>(-1);
constexpr size_t kQueueHeaderBytes = 8;  // the enqueue time before each outbox record

uint64_t GetLe64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
  return v;
}

uint64_t GetBe64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

// Walks one database in key order; `visit` returns false to stop.
template <typename Visit>
Status Walk(MDB_txn* txn, MDB_dbi db, Visit visit) {
  if (db == kMissing) return Status::Ok();
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn, db, &cur)) return store::LmdbStatus(rc, "open cursor");
  MDB_val k, v;
  int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (!visit(store::FromVal(k), store::FromVal(v))) break;
  }
  mdb_cursor_close(cur);
  return Status::Ok();
}

class Reader {
 public:
  Reader(const store::Store& store, const std::set<uint64_t>& in_flight)
      : store_(store), in_flight_(in_flight), read_(store.BeginRead()) {}

  Status ok() const { return read_.ok() ? Status::Ok() : Status::Unavailable("cannot begin a read transaction"); }

  std::optional<ferry::v1::Delivery> Report(const std::string& event_id) {
    const MDB_dbi db = store_.Db(Uplink::kReportsDb);
    if (db == kMissing) return std::nullopt;
    MDB_val k = store::ToVal(event_id), v;
    if (mdb_get(read_.txn(), db, &k, &v) != MDB_SUCCESS) return std::nullopt;
    ferry::v1::Delivery d;
    if (!d.ParseFromArray(v.mv_data, static_cast<int>(v.mv_size))) return std::nullopt;
    return d;
  }

  // An event of the history, from its stored key and value.
  std::optional<EventView> FromHistory(std::string_view key, std::string_view value) {
    ferry::v1::HistoryEntry entry;
    if (!EventHistory::Decode(value, entry)) return std::nullopt;
    EventView view;
    view.seq = GetBe64(key);
    view.event = std::move(*entry.mutable_event());
    view.enqueued_unix_ms = entry.enqueued_unix_ms();
    view.sent_unix_ms = entry.sent_unix_ms();
    view.left_unix_ms = entry.left_unix_ms();
    view.note = entry.note();
    view.retried_as = entry.retried_as();
    view.report = Report(view.event.event_id());
    // An outcome the control plane reported wins: an event skipped with the
    // agent stopped may have been at the control plane already.
    if (!view.report && entry.left_as() == "skipped") {
      view.state = EventState::kSkipped;
    } else if (!view.report && entry.left_as() == "purged") {
      view.state = EventState::kPurged;
    } else if (!view.report) {
      view.state = EventState::kSent;
    } else {
      const bool dead = view.report->outcome() == ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED;
      view.state = !dead                     ? EventState::kDelivered
                   : view.retried_as.empty() ? EventState::kDeadLetter
                                             : EventState::kRetried;
    }
    return view;
  }

  // An event of the outbox, from its stored key and value.
  std::optional<EventView> FromOutbox(std::string_view key, std::string_view value) {
    if (value.size() < kQueueHeaderBytes) return std::nullopt;
    auto body = store::DecodeRecordBody(value.substr(kQueueHeaderBytes));
    EventView view;
    if (!body.ok() || !view.event.ParseFromString(*body)) return std::nullopt;
    view.seq = GetBe64(key);
    view.event.set_agent_sequence(view.seq);
    view.enqueued_unix_ms = static_cast<int64_t>(GetLe64(value));
    view.state = in_flight_.count(view.seq) ? EventState::kInFlight : EventState::kPending;
    return view;
  }

  // The event with this sequence, from the history or the outbox.
  std::optional<EventView> At(uint64_t seq) {
    const std::string key = store::EncodeU64Key(seq);
    MDB_val k = store::ToVal(key), v;
    if (const MDB_dbi db = store_.Db(EventHistory::kDb);
        db != kMissing && mdb_get(read_.txn(), db, &k, &v) == MDB_SUCCESS) {
      return FromHistory(key, store::FromVal(v));
    }
    if (const MDB_dbi db = store_.Db(std::string("q.") + Outbox::kQueueName);
        db != kMissing && mdb_get(read_.txn(), db, &k, &v) == MDB_SUCCESS) {
      return FromOutbox(key, store::FromVal(v));
    }
    return std::nullopt;
  }

  // Every event, history first, then the outbox; `visit` returns false to
  // stop. A state filter needs only one of the two.
  template <typename Visit>
  Status Each(Visit visit, bool history = true, bool outbox = true) {
    bool go_on = true;
    const MDB_dbi history_db = history ? store_.Db(EventHistory::kDb) : kMissing;
    Status s = Walk(read_.txn(), history_db, [&](std::string_view key, std::string_view value) {
      if (auto view = FromHistory(key, value)) go_on = visit(std::move(*view));
      return go_on;
    });
    if (!s.ok() || !go_on || !outbox) return s;
    return Walk(read_.txn(), store_.Db(std::string("q.") + Outbox::kQueueName),
                [&](std::string_view key, std::string_view value) {
                  if (auto view = FromOutbox(key, value)) go_on = visit(std::move(*view));
                  return go_on;
                });
  }

 private:
  const store::Store& store_;
  const std::set<uint64_t>& in_flight_;
  store::ReadTxn read_;
};

}  // namespace

const char* StateName(EventState state) {
  switch (state) {
    case EventState::kPending:
      return "pending";
    case EventState::kInFlight:
      return "in-flight";
    case EventState::kSent:
      return "sent";
    case EventState::kDelivered:
      return "delivered";
    case EventState::kDeadLetter:
      return "dead-letter";
    case EventState::kRetried:
      return "retried";
    case EventState::kSkipped:
      return "skipped";
    case EventState::kPurged:
      return "purged";
  }
  return "unknown";
}

std::optional<EventState> ParseState(const std::string& name) {
  for (EventState s : {EventState::kPending, EventState::kInFlight, EventState::kSent, EventState::kDelivered,
                       EventState::kDeadLetter, EventState::kRetried, EventState::kSkipped, EventState::kPurged}) {
    if (name == StateName(s)) return s;
  }
  return std::nullopt;
}

std::string StripLeadingZeros(const std::string& text) {
  const size_t first = text.find_first_not_of('0');
  return first == std::string::npos ? (text.empty() ? text : "0") : text.substr(first);
}

bool ViewFilter::Matches(const EventView& view) const {
  const ferry::v1::Event& e = view.event;
  if (state && *state != view.state) return false;
  if (!message_type.empty() && e.idoc().mestyp() != message_type && e.s4().entity_set() != message_type) return false;
  if (!sender.empty() && e.idoc().sndprn() != sender) return false;
  // A mapped event's key carries its connector ("salesforce|DEBMAS:…"):
  // field IT looks it up by the document's own key.
  if (!business_key.empty() && e.business_key() != business_key &&
      (e.connector().empty() || e.business_key() != e.connector() + "|" + business_key)) {
    return false;
  }
  if (!docnum.empty() && StripLeadingZeros(e.idoc().docnum()) != StripLeadingZeros(docnum)) return false;
  if (!event_id.empty() && e.event_id() != event_id) return false;
  if (!event_ids.empty() && !event_ids.count(e.event_id())) return false;
  if (since_unix_ms > 0 && e.received_unix_ms() < since_unix_ms) return false;
  if (until_unix_ms > 0 && e.received_unix_ms() >= until_unix_ms) return false;
  return true;
}

Result<std::vector<EventView>> BufferView::List(const ViewFilter& filter, const std::set<uint64_t>& in_flight,
                                                size_t offset, size_t limit, size_t* total, bool* more) const {
  Reader reader(store_, in_flight);
  if (Status s = reader.ok(); !s.ok()) return s;
  std::vector<EventView> out;
  size_t matched = 0;
  const bool waiting = filter.state == EventState::kPending || filter.state == EventState::kInFlight;
  const bool left = filter.state && !waiting;
  Status s = reader.Each(
      [&](EventView view) {
        if (!filter.Matches(view)) return true;
        if (matched++ >= offset && out.size() < limit) out.push_back(std::move(view));
        // Without a total, one match past the page says whether there is more.
        return total != nullptr || matched <= offset + limit;
      },
      /*history=*/!waiting, /*outbox=*/!left);
  if (!s.ok()) return s;
  if (total) *total = matched;
  if (more) *more = matched > offset + out.size();
  return out;
}

Result<std::vector<EventView>> BufferView::At(const std::vector<uint64_t>& seqs,
                                              const std::set<uint64_t>& in_flight) const {
  Reader reader(store_, in_flight);
  if (Status s = reader.ok(); !s.ok()) return s;
  std::vector<EventView> out;
  for (uint64_t seq : seqs) {
    if (auto view = reader.At(seq)) out.push_back(std::move(*view));
  }
  return out;
}

Result<std::vector<EventView>> BufferView::Find(const std::string& what, const std::set<uint64_t>& in_flight) const {
  ViewFilter filter;
  // A business key always has a ':' (TYPE:KEY), an event id (a UUID) never.
  if (what.find(':') != std::string::npos) {
    filter.business_key = what;
  } else if (what.find('-') != std::string::npos) {
    filter.event_id = what;
  } else {
    filter.docnum = what;
  }
  return List(filter, in_flight, 0, SIZE_MAX);
}

std::string BufferView::RawDocument(const ferry::v1::Event& mapped) const {
  const MDB_dbi keys = store_.Db(std::string("k.") + FlowStage::kRawQueueName);
  const MDB_dbi records = store_.Db(std::string("q.") + FlowStage::kRawQueueName);
  if (keys == kMissing || records == kMissing || mapped.dedup_key().empty()) return {};
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return {};
  // The raw document's key is the mapped event's without the one suffix
  // FlowStage appended ("#<flow>..."; an S/4 key holds a '#' of its own).
  ferry::v1::Event raw_keys;
  raw_keys.set_dedup_key(mapped.dedup_key().substr(0, mapped.dedup_key().rfind('#')));
  if (mapped.has_s4()) *raw_keys.mutable_s4() = mapped.s4();
  const std::string key = Outbox::IdempotencyKey(raw_keys);
  MDB_val k = store::ToVal(key), v;
  if (mdb_get(read.txn(), keys, &k, &v) != MDB_SUCCESS || v.mv_size < 8) return {};
  auto record = store::DurableQueue::GetInTxn(read.txn(), records, GetBe64(store::FromVal(v)));
  ferry::v1::Event raw;
  if (!record.ok() || !raw.ParseFromString(record->data)) return {};
  return raw.payload();
}

Result<BufferSummary> BufferView::Summarize(const store::QueueStats& outbox) const {
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  BufferSummary sum;
  sum.pending = outbox.depth;
  sum.pending_bytes = outbox.bytes;
  sum.oldest_enqueued_unix_ms = outbox.oldest_enqueued_unix_ms;
  auto entries = [&](MDB_dbi db) -> uint64_t {
    MDB_stat st;
    return db != kMissing && mdb_stat(read.txn(), db, &st) == MDB_SUCCESS ? st.ms_entries : 0;
  };
  sum.history = entries(store_.Db(EventHistory::kDb));
  sum.reports = entries(store_.Db(Uplink::kReportsDb));
  sum.dead_letters = entries(store_.Db(Uplink::kDeadLettersDb));
  return sum;
}

}  // namespace ferry::agent
