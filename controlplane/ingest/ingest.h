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
// A batch that cannot be stored (queue full, disk failing) is answered with
// a negative Ack: the agent keeps it and sends it again later. A malformed
// batch is logged and not acknowledged.

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <map>
#include <string>

#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/transport/tunnel.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct AgentSeen {
  int64_t last_seen_unix_ms = 0;
  ferry::v1::Heartbeat heartbeat;
  uint64_t events_ingested = 0;
};

class Ingest {
 public:
  Ingest(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::Store& store,
         store::DurableQueue& queue);
  void OnMessage(const std::string& topic, std::string payload);
  // Called with every heartbeat that parses (the flow distributor reads the
  // agent's labels and flow status from it). Set before the tunnel starts.
  using HeartbeatHandler = std::function<void(const std::string& agent_id, const ferry::v1::Heartbeat&)>;
  void SetHeartbeatHandler(HeartbeatHandler handler) { on_heartbeat_ = std::move(handler); }
  const std::map<std::string, AgentSeen>& agents() const { return agents_; }
  uint64_t batches_rejected() const { return batches_rejected_; }

 private:
  void OnBatch(const std::string& agent_id, const std::string& payload);
  void OnHeartbeat(const std::string& agent_id, const std::string& payload);
  uint64_t LastStoredSequence(const std::string& agent_id);
  void Refuse(const std::string& agent_id, uint64_t batch_id, const std::string& reason);

  boost::asio::any_io_executor executor_;
  transport::Tunnel& tunnel_;
  store::Store& store_;
  store::DurableQueue& queue_;
  std::map<std::string, AgentSeen> agents_;
  // Highest agent sequence submitted for storage, per agent.
  std::map<std::string, uint64_t> last_sequence_;
  uint64_t batches_rejected_ = 0;
  HeartbeatHandler on_heartbeat_;
};

}  // namespace ferry::controlplane
