#include "agent/buffer/buffer_editor.h"

#include <future>

#include "agent/outbox/outbox.h"
#include "common/util/clock.h"
#include "common/util/ids.h"

namespace ferry::agent {

BufferEditor::BufferEditor(store::Store& store, store::DurableQueue& outbox, const EventHistory& history, Remap remap)
    : store_(store), outbox_(outbox), history_(history), remap_(std::move(remap)) {}

Status BufferEditor::Commit(const store::WriteFn& work) {
  std::promise<Status> committed;
  std::future<Status> result = committed.get_future();
  store_.Write(work, [this, &committed](const Status& s) {
    // A failed transaction leaves the queue's writer-side counters ahead of
    // what is stored: read them again (on the writer thread, where they live).
    if (!s.ok()) outbox_.Resync();
    committed.set_value(s);
  });
  return result.get();
}

Result<EditOutcome> BufferEditor::Retry(const std::vector<EventView>& targets) {
  EditOutcome outcome;
  std::vector<store::AppendItem> items;
  struct Mark {
    uint64_t seq;
    std::string old_id, new_id;
  };
  std::vector<Mark> marks;
  for (const EventView& view : targets) {
    const std::string& id = view.event.event_id();
    if (view.state == EventState::kRetried) {
      outcome.refused.push_back(id + ": already retried as " + view.retried_as);
      outcome.retried_as.emplace_back(id, view.retried_as);
      continue;
    }
    if (view.state != EventState::kDeadLetter) {
      outcome.refused.push_back(id + ": not a dead letter (" + StateName(view.state) + ")");
      continue;
    }
    const std::string retry_tag = "#retry:" + NewEventId();
    std::vector<store::AppendItem> again;
    if (!view.event.mapping_error().empty()) {
      if (!remap_) {
        outcome.refused.push_back(id + ": it could not be mapped, and mapping it again needs the running agent");
        continue;
      }
      auto mapped = remap_(view.event);
      if (!mapped.ok()) {
        outcome.refused.push_back(id + ": " + mapped.status().message());
        continue;
      }
      // Only what the failed flow makes: the other flows' records of this
      // IDoc were delivered already and must not be sent again.
      for (store::AppendItem& item : *mapped) {
        ferry::v1::Event e;
        if (!e.ParseFromString(item.data)) continue;
        const bool same_flow = view.event.flow_id().empty() || e.flow_id() == view.event.flow_id();
        if (same_flow) again.push_back(std::move(item));
      }
    } else {
      ferry::v1::Event copy = view.event;
      copy.set_event_id(NewEventId());
      copy.clear_agent_sequence();
      again.push_back({copy.SerializeAsString(), Outbox::IdempotencyKey(copy)});
    }
    std::string first_new_id;
    for (store::AppendItem& item : again) {
      ferry::v1::Event e;
      if (e.ParseFromString(item.data) && first_new_id.empty()) first_new_id = e.event_id();
      if (e.event_id().size()) outcome.new_ids.push_back(e.event_id());
      // Its own idempotency key: the original's is taken.
      item.idempotency_key += retry_tag;
    }
    if (first_new_id.empty()) first_new_id = "(nothing: the flows now drop it)";
    marks.push_back({view.seq, id, first_new_id});
    outcome.changed.push_back(id);
    outcome.retried_as.emplace_back(id, first_new_id);
    for (store::AppendItem& item : again) items.push_back(std::move(item));
  }
  if (marks.empty()) return outcome;
  store::AppendOutcome appended;
  Status s = Commit([&](store::WriteTxn& txn) {
    if (!items.empty()) {
      if (Status a = outbox_.AppendInTxn(txn, items, appended); !a.ok()) return a;
    }
    for (const Mark& m : marks) {
      if (Status s = history_.MarkRetriedInTxn(txn, m.seq, m.old_id, m.new_id); !s.ok()) return s;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  outbox_.NotifyAppended();
  return outcome;
}

Result<EditOutcome> BufferEditor::Remove(const std::vector<EventView>& targets, const std::string& how,
                                         const std::string& note, uint64_t published_through) {
  EditOutcome outcome;
  std::vector<uint64_t> seqs;
  for (const EventView& view : targets) {
    const std::string& id = view.event.event_id();
    if (view.state == EventState::kInFlight) {
      outcome.refused.push_back(id + ": in flight to the control plane; it may already be there");
    } else if (view.state != EventState::kPending) {
      outcome.refused.push_back(id + ": not pending (" + std::string(StateName(view.state)) + ")");
    } else if (view.seq <= published_through) {
      outcome.refused.push_back(id +
                                ": published to the control plane before (by this run of the agent or the one "
                                "before it), so it may be there already; it is acknowledged soon");
    } else {
      seqs.push_back(view.seq);
      outcome.changed.push_back(id);
    }
  }
  if (seqs.empty()) return outcome;
  const EventHistory::Departure departure{how, note, 0, NowUnixMs()};
  Status s = Commit([&](store::WriteTxn& txn) {
    if (Status r = history_.RecordInTxn(txn, seqs, departure); !r.ok()) return r;
    return outbox_.RemoveInTxn(txn, seqs);
  });
  if (!s.ok()) return s;
  return outcome;
}

}  // namespace ferry::agent
