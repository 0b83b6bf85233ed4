#pragma once
// DownExecutor: runs the commands in the agent's "down" queue, oldest
// first, one at a time (so commands for one CRM record keep their order):
// maps the CRM record with the running bundle's down flows, has the SAP
// target each flow names create what the flow made, and then, in one
// transaction, removes the command and puts what comes of it in the
// outbox:
//   - the flow's write-back (SAP's document number, or SAP's message) as
//     an event for the CRM connector the flow's `result` names;
//   - for a record SAP refused, or a command no flow could map or no target
//     can run, an event that the control plane dead-letters with the reason
//     (SAP's own message), carrying the command so it can be replayed.
// SAP not answering, 429 and 5xx: the same command is tried again after a
// back-off (1 s to 1 minute), its target's lookup first, so a document SAP
// made before the agent could record it is found and not made again. A
// command waits while the agent has no bundle.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>
#include <string>

#include "agent/down/sap_targets.h"
#include "agent/flows/flow_stage.h"
#include "common/app/pause.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/wire/down_command.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

struct DownExecutorStats {
  std::atomic<uint64_t> created{0};   // documents SAP made (or had, from an earlier attempt)
  std::atomic<uint64_t> refused{0};   // records SAP refused
  std::atomic<uint64_t> unmapped{0};  // commands no flow mapped or no target could run
  std::atomic<uint64_t> skipped{0};   // records no flow's match.when takes (not for SAP)
  std::atomic<uint64_t> retries{0};   // attempts SAP did not answer
};

class DownExecutor : public std::enable_shared_from_this<DownExecutor> {
 public:
  DownExecutor(boost::asio::any_io_executor executor, store::Store& store, store::DurableQueue& down,
               store::DurableQueue& outbox, const FlowStage& flows, SapTargets targets, std::string agent_id);

  void Start();
  void Stop();
  // New commands were committed (any thread).
  void Wake();
  const DownExecutorStats& stats() const { return stats_; }

 private:
  struct Outcome;
  boost::asio::awaitable<void> Run();
  // Runs one command; nullopt: not now (stopped, or waiting for a bundle).
  boost::asio::awaitable<std::optional<Outcome>> Execute(const ferry::v1::DownCommand& command);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  store::DurableQueue& down_;
  store::DurableQueue& outbox_;
  const FlowStage& flows_;
  SapTargets targets_;
  std::string agent_id_;
  app::Pause idle_;   // waiting for commands: new ones end it
  app::Pause pause_;  // a back-off or SAP's Retry-After: only Stop ends it
  std::atomic<bool> stopping_{false};
  DownExecutorStats stats_;
};

}  // namespace ferry::agent
