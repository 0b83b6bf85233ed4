#pragma once
// Ingest: takes event batches from agents off the tunnel, commits them to the
// delivery queue, and only then acknowledges them to the agent (which then
// deletes them from its outbox). Events are keyed by agent id + event id, so
// a batch the agent sends again is acknowledged without storing duplicates.
//
// Per-key order across batches: agent sequences are contiguous, so a batch
// that starts beyond the last sequence stored for its agent means an earlier
// batch was lost in between (a crash after the broker's PUBACK, a refused
// batch). Such a batch is refused, the agent rewinds to its oldest
// unacknowledged event, and the events are stored in the agent's order. The
// last stored sequence per agent is kept in the store, in the same
// transaction as the events, so this holds across restarts.
//
// The gap check runs inside the write transaction, against the position
// that transaction would extend, so batches the agent has in flight at once
// cannot overtake one that was refused.
//
// A batch that cannot be stored (queue full, disk failing) or that skips
// ahead is answered with a negative Ack: the agent keeps it and sends it
// again later. Events are decoded one by one (wire::DecodeEvents): an event
// that does not decode is stored as a stand-in that delivery dead-letters
// with the reason, and the batch is acknowledged, so no single event can
// stop an agent's outbox. A batch whose framing is broken is logged and not
// acknowledged; one whose sequences cannot be trusted (0, at or above 2^63,
// not increasing) is refused as malformed.

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <map>
#include <string>

#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/transport/dispatcher.h"
#include "common/transport/tunnel.h"
#include "common/wire/batch_codec.h"
#include "controlplane/delivery/event_trace.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct AgentSeen {
  int64_t last_seen_unix_ms = 0;
  ferry::v1::Heartbeat heartbeat;
  uint64_t events_ingested = 0;
};

class Ingest {
 public:
  // The last stored sequence per agent: key the agent id, value 8 bytes
  // big-endian.
  static constexpr const char* kDb = "ingest.positions";

  Ingest(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::Store& store,
         store::DurableQueue& queue);
  // Registers what ingest handles: event batches and heartbeats.
  void Route(transport::Dispatcher& dispatcher);
  void OnBatch(const std::string& agent_id, const std::string& payload);
  void OnHeartbeat(const std::string& agent_id, const std::string& payload);
  // Called with every heartbeat that parses (the flow distributor reads the
  // agent's labels and flow status from it). Set before the tunnel starts.
  using HeartbeatHandler = std::function<void(const std::string& agent_id, const ferry::v1::Heartbeat&)>;
  void SetHeartbeatHandler(HeartbeatHandler handler) { on_heartbeat_ = std::move(handler); }
  // Each stored event's trace begins in the transaction that stores it.
  void SetTrace(const EventTraceLog* trace) { trace_ = trace; }
  const std::map<std::string, AgentSeen>& agents() const { return agents_; }
  uint64_t batches_rejected() const { return batches_rejected_; }

 private:
  // The agent's last stored sequence (0: none yet), in `txn`.
  Status ReadPosition(store::WriteTxn& txn, const std::string& agent_id, uint64_t& last);
  Status WritePosition(store::WriteTxn& txn, const std::string& agent_id, uint64_t last);
  void Refuse(const std::string& agent_id, uint64_t batch_id, const std::string& reason);

  boost::asio::any_io_executor executor_;
  transport::Tunnel& tunnel_;
  store::Store& store_;
  store::DurableQueue& queue_;
  std::map<std::string, AgentSeen> agents_;
  wire::BatchLimits limits_;
  const EventTraceLog* trace_ = nullptr;
  // Per agent, the first sequence of its oldest batch the store refused
  // since the last one it took. Used only on the store's writer thread.
  // Only an agent the store has no position for needs it: a refused
  // transaction writes nothing, so without it a later, smaller batch of a
  // new agent would be taken ahead of the refused one. Kept in memory: a
  // restarted control plane is noticed by every agent, which then resends
  // from its oldest unacknowledged event.
  std::map<std::string, uint64_t> refused_from_;
  uint64_t batches_rejected_ = 0;
  HeartbeatHandler on_heartbeat_;
};

}  // namespace ferry::controlplane
