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
// and a record that does not decode (discard it instead). An event the
// agent could not map goes back to its agent instead (SetAgentRemap), which
// maps its raw IDoc again with the bundle it runs now, as `ferry-agent queue
// retry` does; the dead letter stays until the agent says it did
// (agent_replays.h). Without that hook such an event is skipped. A CRM
// record SAP refused (or no down flow could map) goes down again: its
// command, under a new id, joins the down queue (SetDownQueue) in the
// transaction that removes the dead letter.
//
// Discard removes dead letters for good; what they were goes to the audit
// log with the reason, written by the caller.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "controlplane/delivery/event_trace.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

// A dead letter the agent could not map, to be mapped again there.
struct AgentRemap {
  uint64_t seq = 0;  // in the dead-letter queue
  std::string agent_id;
  std::string event_id;
  std::string reason;  // why it was dead-lettered
};

struct DeadLetterOutcome {
  Status status;                                          // of the transaction
  std::vector<uint64_t> done;                             // replayed or discarded
  std::vector<std::pair<uint64_t, std::string>> skipped;  // with the reason
  std::vector<AgentRemap> to_agents;                      // replays sent to their agents
};

// Where a replay sent the dead letters, in words, for the audit log.
std::string ReplayedTo(const DeadLetterOutcome& outcome);

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
  // Told, once a replay is committed, of the dead letters to map again at
  // their agents, with the replay's note.
  using AgentRemapFn = std::function<void(std::vector<AgentRemap> remaps, const std::string& note)>;
  void SetAgentRemap(AgentRemapFn send) { send_to_agents_ = std::move(send); }
  // The queue down commands go back to, and the check that a dead-lettered
  // command is one its agent may have held (it names a channel routed to
  // that agent): the payload came from the agent, so replaying it must not
  // let an agent send commands to another SAP system. The check returns
  // why not, or empty.
  using DownCheck = std::function<std::string(const ferry::v1::DownCommand& command, const std::string& agent_id)>;
  void SetDownQueue(store::DurableQueue* down, DownCheck check) {
    down_ = down;
    down_check_ = std::move(check);
  }

 private:
  store::Store& store_;
  store::DurableQueue& delivery_;
  store::DurableQueue& dead_letters_;
  const EventTraceLog* trace_ = nullptr;
  AgentRemapFn send_to_agents_;
  store::DurableQueue* down_ = nullptr;
  DownCheck down_check_;
};

}  // namespace ferry::controlplane
