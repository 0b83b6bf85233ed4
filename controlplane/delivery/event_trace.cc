#include "controlplane/delivery/event_trace.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "common/store/proto_records.h"
#include "common/util/clock.h"
#include "common/util/ids.h"
#include "common/util/utf8.h"
#include "common/wire/down_command.h"

namespace ferry::controlplane {
namespace {

using ferry::v1::EventTrace;
using ferry::v1::TraceStep;

constexpr size_t kMaxIndexPart = 200;
constexpr size_t kMaxPending = 100'000;  // steps waiting for a flush
constexpr size_t kPrunePerFlush = 5'000;
constexpr std::string_view kTimePrefix{"t\0", 2};

std::string_view WithoutLeadingZeros(std::string_view s) {
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  return s;
}

// "DEBMAS:0000610002" -> "0000610002"; also after '/' and '|' (a mapped
// event's key is "connector|" and its document's key).
std::string_view LastPart(std::string_view key) {
  const size_t separator = key.find_last_of(":/|");
  return separator == std::string_view::npos ? key : key.substr(separator + 1);
}

// "x" NUL value NUL: every entry of one value, whatever its event.
std::string Prefix(char kind, std::string_view value) {
  std::string key(1, kind);
  key += '\0';
  key.append(value.substr(0, kMaxIndexPart));
  key += '\0';
  return key;
}

std::string TimeKey(int64_t unix_ms, std::string_view event_id) {
  return std::string(kTimePrefix) + store::EncodeU64Key(static_cast<uint64_t>(std::max<int64_t>(0, unix_ms))) +
         std::string(event_id.substr(0, kMaxIndexPart));
}

// Every index key of a trace. A value holding NUL (it cannot be told from
// the separator) is not indexed.
std::vector<std::string> IndexKeys(const EventTrace& trace) {
  std::vector<std::string> keys;
  const std::string id = trace.event_id().substr(0, kMaxIndexPart);
  auto add = [&](char kind, std::string_view value) {
    if (!value.empty() && value.find('\0') == std::string_view::npos) keys.push_back(Prefix(kind, value) + id);
  };
  add('d', WithoutLeadingZeros(trace.docnum()));
  add('k', trace.business_key());
  add('v', WithoutLeadingZeros(LastPart(trace.business_key())));
  keys.push_back(TimeKey(trace.stored_unix_ms(), id));
  return keys;
}

// The event ids under `prefix`, newest first, up to `limit` in `ids` (no
// id twice).
Status CollectNewestFirst(MDB_txn* txn, MDB_dbi index, const std::string& prefix, size_t limit,
                          std::vector<std::string>& ids) {
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn, index, &cursor); rc != MDB_SUCCESS) return store::LmdbStatus(rc, "trace cursor");
  // Just past the last key of the prefix, then back.
  const std::string after = prefix + '\xff';
  MDB_val k = store::ToVal(after), v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  rc = rc == MDB_SUCCESS ? mdb_cursor_get(cursor, &k, &v, MDB_PREV) : mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  for (; rc == MDB_SUCCESS && ids.size() < limit; rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)) {
    const std::string_view key = store::FromVal(k);
    if (!key.starts_with(prefix)) break;
    std::string id(key.substr(prefix.size()));
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  mdb_cursor_close(cursor);
  return rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? Status::Ok() : store::LmdbStatus(rc, "trace index");
}

}  // namespace

EventTrace EventTraceLog::Begin(const ferry::v1::Event& event, int64_t sent_unix_ms, int64_t stored_unix_ms) {
  EventTrace trace;
  trace.set_event_id(event.event_id());
  trace.set_agent_id(event.agent_id());
  trace.set_docnum(event.idoc().docnum());
  trace.set_mestyp(event.idoc().mestyp());
  trace.set_idoctyp(event.idoc().idoctyp());
  trace.set_business_key(event.business_key());
  trace.set_connector(event.connector());
  trace.set_flow_id(event.flow_id());
  trace.set_bundle_version(event.bundle_version());
  trace.set_raw_event_id(event.raw_event_id());
  trace.set_stored_unix_ms(stored_unix_ms);
  trace.set_outcome("in_delivery");
  auto step = [&](int64_t unix_ms, const char* what, std::string detail) {
    TraceStep* s = trace.add_steps();
    s->set_unix_ms(unix_ms);
    s->set_step(what);
    s->set_detail(std::move(detail));
  };
  // A CRM record the agent could not run into SAP is dead-lettered as the
  // command it was: on its way down.
  if (event.content_type() == wire::kDownCommandContentType) trace.set_direction("down");
  if (event.received_unix_ms() > 0) step(event.received_unix_ms(), "received", "at agent " + event.agent_id());
  if (sent_unix_ms > 0) step(sent_unix_ms, "sent", "by agent " + event.agent_id());
  std::string stored = "by the control plane";
  if (!event.mapping_error().empty()) stored += "; the agent could not map it";
  if (!event.decode_error().empty()) stored += "; it does not decode";
  step(stored_unix_ms, "stored", stored);
  return trace;
}

EventTrace EventTraceLog::BeginDown(const ferry::v1::DownCommand& command, int64_t stored_unix_ms) {
  EventTrace trace;
  trace.set_event_id(command.command_id());
  trace.set_direction("down");
  trace.set_mestyp(command.object());
  trace.set_idoctyp(command.crm());
  trace.set_business_key(wire::DownBusinessKey(command.channel(), command.record_id()));
  trace.set_connector(command.crm());
  trace.set_stored_unix_ms(stored_unix_ms);
  trace.set_outcome("in_delivery");
  TraceStep* s = trace.add_steps();
  s->set_unix_ms(stored_unix_ms);
  s->set_step("committed");
  s->set_detail("from channel " + command.channel() + " (" + command.crm() + " " + command.object() + " " +
                command.record_id() + ")" + (command.read_first() ? "; to be read whole first" : ""));
  return trace;
}

std::optional<TraceStep> EventTraceLog::DownAnswer(const ferry::v1::Event& event, int64_t stored_unix_ms) {
  if (event.source() != "down" || event.raw_event_id().empty()) return std::nullopt;
  TraceStep step;
  step.set_unix_ms(stored_unix_ms);
  if (event.mapping_error().empty()) {
    step.set_step("answered");
    step.set_detail("SAP's answer goes to " + event.connector() + " as event " + event.event_id());
  } else {
    step.set_step("dead_lettered");
    step.set_detail(event.mapping_error() + " (event " + event.event_id() + ")");
  }
  return step;
}

Status EventTraceLog::Put(MDB_txn* txn, const EventTrace& trace) const {
  if (trace.event_id().empty()) return Status::Ok();
  const MDB_dbi events = store_.Db(kEventsDb), index = store_.Db(kIndexDb);
  MDB_val k = store::ToVal(trace.event_id()), v;
  const int found = mdb_get(txn, events, &k, &v);
  if (found == MDB_SUCCESS) return Status::Ok();  // sent again: the first trace stays
  if (found != MDB_NOTFOUND) return store::LmdbStatus(found, "trace");
  if (Status s = store::WriteProto(txn, events, trace.event_id(), trace, "trace"); !s.ok()) return s;
  for (const std::string& key : IndexKeys(trace)) {
    MDB_val ik = store::ToVal(key), empty{0, nullptr};
    if (int rc = mdb_put(txn, index, &ik, &empty, 0); rc != MDB_SUCCESS) return store::LmdbStatus(rc, "trace index");
  }
  puts_since_prune_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

Status EventTraceLog::AddStep(MDB_txn* txn, std::string_view event_id, const TraceStep& step) const {
  return AddStepTo(txn, event_id, step, nullptr);
}

Status EventTraceLog::AddDownStep(MDB_txn* txn, std::string_view command_id, const TraceStep& step,
                                  std::string_view agent_id) const {
  return AddStepTo(txn, command_id, step, &agent_id);
}

Status EventTraceLog::AddStepTo(MDB_txn* txn, std::string_view event_id, const TraceStep& step,
                                const std::string_view* down_agent) const {
  const MDB_dbi events = store_.Db(kEventsDb);
  EventTrace trace;
  Status read = store::ReadProto(txn, events, event_id, trace, "trace");
  if (read.code() == StatusCode::kNotFound) return Status::Ok();
  if (!read.ok()) return read;
  if (down_agent != nullptr) {
    if (trace.direction() != "down") return Status::Ok();
    if (!trace.agent_id().empty() && trace.agent_id() != *down_agent) return Status::Ok();
  }
  if (static_cast<size_t>(trace.steps_size()) >= kMaxSteps) {
    // The first steps (received, sent, stored, the first attempt) and the
    // latest ones tell the story: an attempt in between gives way.
    auto* steps = trace.mutable_steps();
    // A down command's resends give way as attempts do.
    const bool down = trace.direction() == "down";
    auto victim = std::find_if(steps->begin() + 4, steps->end(), [down](const TraceStep& s) {
      return s.step() == "attempt" || (down && s.step() == "sent");
    });
    steps->erase(victim == steps->end() ? steps->begin() + 3 : victim);
    trace.set_steps_dropped(trace.steps_dropped() + 1);
  }
  TraceStep& added = *trace.add_steps();
  added = step;
  // Details quote CRMs, proxies and agents: a string field must stay UTF-8,
  // or the trace no longer parses.
  added.set_detail(Utf8Prefix(step.detail(), kMaxDetailBytes));
  // The agent that committed a down command is the only one whose answers
  // about it are taken (AddDownStep).
  if (trace.agent_id().empty() && !step.agent_id().empty()) trace.set_agent_id(step.agent_id());
  added.clear_agent_id();
  if (trace.direction() == "down") {
    // A down command's steps come from two writers (the noted ones are
    // flushed up to a second late, an agent's answer is written at once),
    // all on the control plane's clock: kept in time order.
    auto* steps = trace.mutable_steps();
    for (int i = steps->size() - 1; i > 0 && steps->Get(i - 1).unix_ms() > steps->Get(i).unix_ms(); --i) {
      steps->SwapElements(i - 1, i);
    }
  }
  if (step.step() == "delivered") {
    trace.set_outcome("delivered");
    trace.set_record_id(step.detail());
  } else if (step.step() == "answered") {
    // Into SAP; its answer travels on as an event of its own. A refusal
    // is answered too (SAP's message to the CRM), and stays dead-lettered.
    if (trace.outcome() != "dead_lettered") trace.set_outcome("delivered");
  } else if (step.step() == "dead_lettered") {
    trace.set_outcome("dead_lettered");
  } else if (step.step() == "replayed") {
    trace.set_outcome("in_delivery");
  } else if (step.step() == "discarded") {
    trace.set_outcome("discarded");
  }
  if (!step.connector().empty()) trace.set_connector(step.connector());
  return store::WriteProto(txn, events, event_id, trace, "trace");
}

void EventTraceLog::NoteStep(std::string event_id, std::string_view what, std::string_view detail,
                             std::string_view agent_id) {
  TraceStep step;
  step.set_unix_ms(NowUnixMs());
  step.set_step(std::string(what));
  step.set_detail(std::string(detail));
  step.set_agent_id(std::string(agent_id));
  Note(std::move(event_id), std::move(step));
}

void EventTraceLog::Note(std::string event_id, TraceStep step) {
  std::lock_guard lock(mu_);
  if (pending_.size() >= kMaxPending) {
    ++dropped_;
    return;
  }
  pending_.emplace_back(std::move(event_id), std::move(step));
}

void EventTraceLog::Flush() {
  auto steps = std::make_shared<std::vector<std::pair<std::string, TraceStep>>>();
  uint64_t dropped = 0;
  {
    std::lock_guard lock(mu_);
    steps->swap(pending_);
    std::swap(dropped, dropped_);
  }
  if (dropped > 0) spdlog::warn("event=trace_steps_dropped count={} reason=\"the store did not keep up\"", dropped);
  if (steps->empty() && puts_since_prune_.load(std::memory_order_relaxed) == 0) return;
  puts_since_prune_.store(0, std::memory_order_relaxed);
  store_.Write(
      [this, steps](store::WriteTxn& txn) {
        for (const auto& [event_id, step] : *steps) {
          if (Status s = AddStep(txn.txn(), event_id, step); !s.ok()) return s;
        }
        return Prune(txn.txn());
      },
      [count = steps->size()](const Status& s) {
        if (!s.ok()) spdlog::warn("event=trace_flush_failed steps={} error=\"{}\"", count, s.message());
      });
}

Status EventTraceLog::Prune(MDB_txn* txn) const {
  const MDB_dbi events = store_.Db(kEventsDb), index = store_.Db(kIndexDb);
  MDB_stat stat;
  if (int rc = mdb_stat(txn, events, &stat); rc != MDB_SUCCESS) return store::LmdbStatus(rc, "trace stat");
  if (stat.ms_entries <= max_events_) return Status::Ok();
  const size_t excess = std::min<size_t>(stat.ms_entries - max_events_, kPrunePerFlush);
  // The oldest first; collected before anything is deleted, so no cursor
  // walks a database that changes under it.
  std::vector<std::string> oldest;
  MDB_cursor* cursor = nullptr;
  if (int rc = mdb_cursor_open(txn, index, &cursor); rc != MDB_SUCCESS) return store::LmdbStatus(rc, "trace cursor");
  MDB_val k = store::ToVal(kTimePrefix), v;
  for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE); rc == MDB_SUCCESS && oldest.size() < excess;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    if (!store::FromVal(k).starts_with(kTimePrefix)) break;
    oldest.emplace_back(store::FromVal(k));
  }
  mdb_cursor_close(cursor);
  for (const std::string& time_key : oldest) {
    const std::string_view event_id = std::string_view(time_key).substr(kTimePrefix.size() + 8);
    EventTrace trace;
    std::vector<std::string> keys{time_key};
    if (store::ReadProto(txn, events, event_id, trace, "trace").ok()) keys = IndexKeys(trace);
    keys.push_back(time_key);
    for (const std::string& key : keys) {
      MDB_val ik = store::ToVal(key);
      if (int rc = mdb_del(txn, index, &ik, nullptr); rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
        return store::LmdbStatus(rc, "trace index");
      }
    }
    MDB_val ek = store::ToVal(event_id);
    if (int rc = mdb_del(txn, events, &ek, nullptr); rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      return store::LmdbStatus(rc, "trace");
    }
  }
  return Status::Ok();
}

Result<EventTrace> EventTraceLog::Get(std::string_view event_id) const {
  if (!store::Declared(store_, kEventsDb)) return Status::NotFound("no trace of event " + std::string(event_id));
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  EventTrace trace;
  Status s = store::ReadProto(read.txn(), store_.Db(kEventsDb), event_id, trace, "trace");
  if (s.code() == StatusCode::kNotFound) return Status::NotFound("no trace of event " + std::string(event_id));
  if (!s.ok()) return s;
  return trace;
}

Result<EventTraceLog::Found> EventTraceLog::Search(std::string_view text, size_t limit) const {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty())
    return Status::InvalidArgument("q: say what to look for (an IDoc number, business key or event id)");
  if (text.size() > kMaxIndexPart || text.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("q: at most " + std::to_string(kMaxIndexPart) + " characters");
  }
  limit = std::clamp<size_t>(limit, 1, kMaxResults);
  Found found;
  if (!store::Declared(store_, kEventsDb)) return found;
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  const MDB_dbi events = store_.Db(kEventsDb), index = store_.Db(kIndexDb);
  std::vector<std::string> ids;
  auto look = [&](char kind, std::string_view value, const char* as) -> Status {
    const size_t before = ids.size();
    Status s = CollectNewestFirst(read.txn(), index, Prefix(kind, value), limit, ids);
    if (s.ok() && ids.size() > before) found.matched_as.emplace_back(as);
    return s;
  };
  if (IsUuidText(text)) {
    EventTrace trace;
    Status s = store::ReadProto(read.txn(), events, text, trace, "trace");
    if (s.ok()) {
      found.traces.push_back(std::move(trace));
      found.matched_as.emplace_back("event id");
      return found;
    }
    if (s.code() != StatusCode::kNotFound) return s;
  }
  const std::string_view unpadded = WithoutLeadingZeros(text);
  const bool digits = text.find_first_not_of("0123456789") == std::string_view::npos;
  if (digits) {
    if (Status s = look('d', unpadded, "IDoc number"); !s.ok()) return s;
  } else {
    if (Status s = look('k', text, "business key"); !s.ok()) return s;
  }
  if (Status s = look('v', unpadded, "key value"); !s.ok()) return s;
  for (const std::string& id : ids) {
    EventTrace trace;
    Status s = store::ReadProto(read.txn(), events, id, trace, "trace");
    if (s.code() == StatusCode::kNotFound) continue;  // pruned between index and record: gone
    if (!s.ok()) return s;
    found.traces.push_back(std::move(trace));
  }
  std::stable_sort(found.traces.begin(), found.traces.end(), [](const EventTrace& a, const EventTrace& b) {
    return a.stored_unix_ms() != b.stored_unix_ms() ? a.stored_unix_ms() > b.stored_unix_ms()
                                                    : a.event_id() > b.event_id();
  });
  if (found.traces.size() > limit) found.traces.resize(limit);
  return found;
}

}  // namespace ferry::controlplane
