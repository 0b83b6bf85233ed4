#pragma once
// Replaying a dead letter an agent could not map: the control plane cannot
// map it (the agent keeps the raw IDoc and runs the flows), so the replay
// goes down to the agent as an AgentCommand on down/commands; the agent
// maps the raw IDoc again with the bundle it runs now, enqueues what that
// makes as a new event, and answers on up/commands.
//
// The dead letter stays in the queue until that answer: an agent that is
// offline, or a command the broker lost, leaves it there to be replayed
// again (the agent retries a dead letter once and answers a repeat with
// the event it was retried as). An answer removes a dead letter only if it
// is one the answering agent could not map and names its event id, so an
// agent can neither clear another agent's dead letters nor a CRM's
// refusals. Every step goes to the event's trace.

#include <boost/asio/any_io_executor.hpp>

#include <string>
#include <vector>

#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/transport/tunnel.h"
#include "controlplane/delivery/dead_letter_actions.h"
#include "controlplane/delivery/event_trace.h"

namespace ferry::controlplane {

class AgentReplays {
 public:
  static constexpr size_t kMaxResultBytes = 1 << 20;
  static constexpr size_t kMaxPerCommand = 1000;

  AgentReplays(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::Store& store,
               store::DurableQueue& dead_letters, const EventTraceLog* trace)
      : executor_(executor), tunnel_(tunnel), store_(store), dead_letters_(dead_letters), trace_(trace) {}

  // From any thread: one command per agent (up to kMaxPerCommand dead
  // letters each), published from the event loop.
  void Send(std::vector<AgentRemap> remaps, const std::string& requested_by);
  // A message on ferry/v1/agents/{agent_id}/up/commands (the broker lets
  // only that agent publish there).
  void OnResult(const std::string& agent_id, const std::string& payload);

 private:
  boost::asio::any_io_executor executor_;
  transport::Tunnel& tunnel_;
  store::Store& store_;
  store::DurableQueue& dead_letters_;
  const EventTraceLog* trace_;
};

}  // namespace ferry::controlplane
