#include "controlplane/delivery/dead_letter_actions.h"

#include "common/util/clock.h"
#include "common/util/ids.h"
#include "common/wire/down_command.h"

#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

namespace {

ferry::v1::TraceStep StepNow(const char* what, const std::string& note) {
  ferry::v1::TraceStep step;
  step.set_unix_ms(NowUnixMs());
  step.set_step(what);
  step.set_detail(note);
  return step;
}

}  // namespace

std::string ReplayedTo(const DeadLetterOutcome& outcome) {
  std::string where = "queued for delivery again";
  if (!outcome.to_agents.empty()) {
    where += "; " + std::to_string(outcome.to_agents.size()) + " sent to their agents to map again";
  }
  return where;
}

DeadLetterOutcome DeadLetterActions::Replay(const std::vector<uint64_t>& seqs, const std::string& note) {
  DeadLetterOutcome outcome;
  outcome.status = store_.WriteSync([&](store::WriteTxn& txn) {
    // Decided inside the transaction: a dead letter replayed or discarded
    // meanwhile by another request is skipped, not sent twice.
    outcome.done.clear();
    outcome.skipped.clear();
    outcome.to_agents.clear();
    std::vector<store::AppendItem> items, commands;
    for (uint64_t seq : seqs) {
      auto record = store::DurableQueue::GetInTxn(txn.txn(), dead_letters_.records_db(), seq);
      if (!record.ok()) {
        outcome.skipped.emplace_back(seq, record.status().code() == StatusCode::kNotFound
                                              ? "not a dead letter (replayed or discarded already?)"
                                              : "does not decode: " + record.status().message() + "; discard it");
        continue;
      }
      ferry::v1::DeadLetter dead;
      if (!dead.ParseFromString(record->data)) {
        outcome.skipped.emplace_back(seq, "does not parse; discard it");
        continue;
      }
      if (dead.event().content_type() == wire::kDownCommandContentType) {
        // SAP refused the record, or no down flow mapped it: down again,
        // as a command of its own.
        ferry::v1::DownCommand command;
        if (down_ == nullptr || !command.ParseFromString(dead.event().payload())) {
          outcome.skipped.emplace_back(seq, "its command to SAP does not parse; discard it");
          continue;
        }
        if (std::string refused = down_check_ ? down_check_(command, dead.event().agent_id()) : ""; !refused.empty()) {
          outcome.skipped.emplace_back(seq, refused);
          continue;
        }
        command.set_command_id(NewEventId());
        command.set_replays(command.replays() + 1);
        command.set_received_unix_ms(NowUnixMs());
        commands.push_back({command.SerializeAsString(), ""});
        outcome.done.push_back(seq);
        if (trace_) {
          const auto step = StepNow("sent down to SAP again", note);
          if (Status s = trace_->AddStep(txn.txn(), dead.event().event_id(), step); !s.ok()) return s;
          // The new command's own way, from here.
          ferry::v1::EventTrace again = EventTraceLog::BeginDown(command, NowUnixMs());
          again.mutable_steps(0)->set_detail("replayed from dead letter " + dead.event().event_id());
          if (Status s = trace_->Put(txn.txn(), again); !s.ok()) return s;
        }
        continue;
      }
      if (!dead.event().mapping_error().empty()) {
        if (!send_to_agents_) {
          outcome.skipped.emplace_back(seq, "the agent could not map it: on agent " + dead.event().agent_id() +
                                                ", `ferry-agent queue retry " + dead.event().idoc().docnum() +
                                                "` maps its raw IDoc again");
          continue;
        }
        // It stays a dead letter until its agent says it mapped it again.
        outcome.to_agents.push_back({seq, dead.event().agent_id(), dead.event().event_id(), dead.reason()});
        if (trace_) {
          const auto step = StepNow("sent to its agent to map again", note);
          if (Status s = trace_->AddStep(txn.txn(), dead.event().event_id(), step); !s.ok()) return s;
        }
        continue;
      }
      // No idempotency key: the event was stored under its key before, and
      // this is a deliberate second delivery.
      items.push_back({dead.event().SerializeAsString(), ""});
      outcome.done.push_back(seq);
      if (trace_) {
        if (Status s = trace_->AddStep(txn.txn(), dead.event().event_id(), StepNow("replayed", note)); !s.ok())
          return s;
      }
    }
    if (outcome.done.empty()) return Status::Ok();
    store::AppendOutcome appended;
    if (!items.empty()) {
      if (Status s = delivery_.AppendInTxn(txn, items, appended); !s.ok()) return s;
    }
    if (!commands.empty()) {
      if (Status s = down_->AppendInTxn(txn, commands, appended); !s.ok()) return s;
    }
    return dead_letters_.RemoveInTxn(txn, outcome.done);
  });
  if (outcome.status.ok()) {
    delivery_.NotifyAppended();
    if (down_) down_->NotifyAppended();
    if (!outcome.to_agents.empty()) send_to_agents_(outcome.to_agents, note);
  } else {
    outcome.to_agents.clear();
    // Nothing was written: the queues' in-memory positions and sizes follow
    // the store again.
    outcome.done.clear();
    delivery_.Resync();
    dead_letters_.Resync();
    if (down_) down_->Resync();
  }
  return outcome;
}

DeadLetterOutcome DeadLetterActions::Discard(const std::vector<uint64_t>& seqs, const std::string& note) {
  DeadLetterOutcome outcome;
  outcome.status = store_.WriteSync([&](store::WriteTxn& txn) {
    outcome.done.clear();
    outcome.skipped.clear();
    for (uint64_t seq : seqs) {
      auto record = store::DurableQueue::GetInTxn(txn.txn(), dead_letters_.records_db(), seq);
      if (!record.ok() && record.status().code() == StatusCode::kNotFound) {
        outcome.skipped.emplace_back(seq, "not a dead letter (replayed or discarded already?)");
        continue;
      }
      outcome.done.push_back(seq);  // one that does not decode can be discarded
      ferry::v1::DeadLetter dead;
      if (trace_ && record.ok() && dead.ParseFromString(record->data)) {
        if (Status s = trace_->AddStep(txn.txn(), dead.event().event_id(), StepNow("discarded", note)); !s.ok()) {
          return s;
        }
      }
    }
    return dead_letters_.RemoveInTxn(txn, outcome.done);
  });
  if (!outcome.status.ok()) {
    outcome.done.clear();
    dead_letters_.Resync();
  }
  return outcome;
}

}  // namespace ferry::controlplane
