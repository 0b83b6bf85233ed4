#pragma once
// FlowStage: runs the agent's current flow bundle on every accepted document
// and writes the result to the outbox (docs/flows.md).
//
// In one LMDB transaction per request it stores:
//  - the raw document in the "raw" buffer (kept for inspection and replay,
//    pruned by age), which is also where resends are recognised;
//  - one outbox event per (flow, connector) with the mapped records, or one
//    event with `mapping_error` for a record error or a document no flow
//    matches, which the control plane dead-letters with that reason.
// Documents a flow's drop_when filters produce no event.
//
// Without a bundle, events pass through to the outbox unmapped, as raw
// documents (the control plane's connector then receives the IDoc itself).
// A resend of a document already accepted stores nothing at all, whatever
// the flows are now: each document is mapped once.

#include <atomic>
#include <memory>
#include <mutex>

#include "agent/outbox/outbox.h"
#include "agent/sources/event_sink.h"
#include "common/flows/flow_set.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"

namespace ferry::agent {

struct RunningBundle {
  // Null: no bundle. Documents then pass through unmapped, unless
  // `unavailable` says why the bundle this agent had cannot run (then each
  // document is dead-lettered with that reason rather than sent raw to a
  // target that expects records).
  std::shared_ptr<const flows::FlowSet> flows;
  uint64_t version = 0;
  uint64_t sequence = 0;  // the deployment that installed it
  uint64_t issue = 0;     // its Deployment.issue
  std::string unavailable;
};

struct FlowStageStats {
  std::atomic<uint64_t> mapped{0};     // outbox events with records
  std::atomic<uint64_t> dropped{0};    // filtered by drop_when
  std::atomic<uint64_t> failed{0};     // record errors
  std::atomic<uint64_t> unmatched{0};  // no flow matched
};

class FlowStage : public EventSink {
 public:
  static constexpr const char* kRawQueueName = "raw";

  FlowStage(store::Store& store, Outbox& outbox, store::DurableQueue& raw, const store::Checkpoints& checkpoints);

  using EventSink::Accept;
  void Accept(std::vector<IncomingEvent> events, Checkpoint checkpoint,
              std::function<void(AcceptResult)> done) override;

  // Maps again, with the running bundle, a document whose event could not be
  // mapped (it carries the document in its payload): what a retry of such a
  // dead letter enqueues. FailedPrecondition without a running bundle.
  Result<std::vector<store::AppendItem>> Remap(const ferry::v1::Event& unmapped);

  // Takes effect for documents accepted from now on (any thread).
  void Install(RunningBundle bundle);
  RunningBundle running() const;
  const FlowStageStats& stats() const { return stats_; }

 private:
  // The outbox events one document turns into.
  void Map(const RunningBundle& bundle, const IncomingEvent& in, std::vector<store::AppendItem>& out);
  // The event that dead-letters a document with `reason` at the control plane.
  static ferry::v1::Event Unmappable(const ferry::v1::Event& raw, uint64_t bundle_version, std::string reason,
                                     const std::string& dedup_suffix);

  store::Store& store_;
  Outbox& outbox_;
  store::DurableQueue& raw_;
  const store::Checkpoints& checkpoints_;
  mutable std::mutex mu_;
  RunningBundle running_;
  FlowStageStats stats_;
};

}  // namespace ferry::agent
