#pragma once
// Replaying and discarding dead letters. Runs in the daemon, which holds
// the queues' positions, one write transaction per action (blocking: call
// it off the event loop).
//
// Replay sends each dead letter's event to delivery again: it is appended
// to the delivery queue and removed from the dead-letter queue together, so
// it is never in both and never in neither. Appended behind what is
// queued, it keeps per-key order with newer events of its key. Skipped,
// each with the reason: a sequence that is not (or no longer) a dead letter,
// a record that does not decode (discard it instead), and an event the
// agent could not map (the agent maps its raw IDoc again:
// `ferry-agent queue retry`).
//
// Discard removes dead letters for good; what they were goes to the audit
// log with the reason, written by the caller.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "controlplane/delivery/event_trace.h"

namespace ferry::controlplane {

struct DeadLetterOutcome {
  Status status;                                          // of the transaction
  std::vector<uint64_t> done;                             // replayed or discarded
  std::vector<std::pair<uint64_t, std::string>> skipped;  // with the reason
};

class DeadLetterActions {
 public:
  DeadLetterActions(store::Store& store, store::DurableQueue& delivery, store::DurableQueue& dead_letters)
      : store_(store), delivery_(delivery), dead_letters_(dead_letters) {}

  // `note` (who, and why) goes to each event's trace with the step.
  DeadLetterOutcome Replay(const std::vector<uint64_t>& seqs, const std::string& note = "");
  DeadLetterOutcome Discard(const std::vector<uint64_t>& seqs, const std::string& note = "");
  // Each replay and discard is a step of the event's trace, in the same
  // transaction.
  void SetTrace(const EventTraceLog* trace) { trace_ = trace; }

 private:
  store::Store& store_;
  store::DurableQueue& delivery_;
  store::DurableQueue& dead_letters_;
  const EventTraceLog* trace_ = nullptr;
};

}  // namespace ferry::controlplane
