#pragma once
// DownCommands: the control plane's durable queue of CRM records on their
// way down to SAP ("down" in the store), and their way to the agents.
//
// Accept commits the records of one notification as DownCommands in one
// transaction (a notification sent again under the same delivery id is
// committed once) and only then answers. The sender routes each command
// to the agent that serves its channel's SAP system: among the admitted
// agents whose labels include the channel's `agents` labels and that were
// heard from within `offline_after`, the first by id, so all the commands
// of a channel take one way while that agent is up, and keep their order.
// It publishes them on down/requests, and again every `resend_after`
// until the agent answers on up/requests that it has committed them; only
// then are they removed. A command no agent serves waits (and is counted
// as unrouted), as does everything while the broker is away; the agent
// keeps each command id once, so resending cannot run a command twice.
//
// An acknowledgement removes only commands sent to the agent that gives
// it: no agent can clear another's.
//
// Order per CRM record: a command is not sent while an earlier command for
// the same record waits for its acknowledgement, so a lost or refused
// message cannot let a newer one overtake it. At most `max_in_flight`
// commands wait for one agent's acknowledgement; the rest wait here. After
// the tunnel reconnects, everything unacknowledged is sent again at once,
// and so is an agent's with each of its heartbeats (it sends one when it
// connects, and a command published while it was away may be gone).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/transport/tunnel.h"
#include "controlplane/delivery/event_trace.h"
#include "controlplane/down/inbound_config.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

inline constexpr const char* kDownQueue = "down";

struct DownOptions {
  std::chrono::milliseconds resend_after{30000};
  std::chrono::milliseconds offline_after{5 * 60 * 1000};
  size_t max_batch = 100;
  size_t max_batch_bytes = 1 << 20;
  size_t max_in_flight = 1000;  // per agent
};

// An agent the sender may route to.
struct RoutableAgent {
  std::string agent_id;
  std::map<std::string, std::string> labels;
  int64_t last_seen_unix_ms = 0;
};

struct DownStats {
  uint64_t depth = 0;     // commands not yet committed by an agent
  uint64_t unrouted = 0;  // of those, waiting for an agent (last pass)
  uint64_t unread = 0;    // of those, waiting to be read whole from the CRM (last pass)
  uint64_t accepted_total = 0;
  uint64_t sent_total = 0;  // publishes, resends included
  uint64_t committed_total = 0;
};

class DownCommands : public std::enable_shared_from_this<DownCommands> {
 public:
  using AgentsFn = std::function<std::vector<RoutableAgent>()>;

  DownCommands(boost::asio::any_io_executor executor, store::Store& store, store::DurableQueue& queue,
               transport::Tunnel& tunnel, const InboundOptions& inbound, DownOptions options, AgentsFn agents);

  // From the event loop: commits the notification's records; `done` gets
  // their command ids (those of the first commit, for a delivery id seen
  // before), or ResourceExhausted when the queue is full, or the store's
  // error, on the event loop.
  // `also` runs in the same transaction, after the records are appended
  // (which of them were committed before is in the outcome): what it
  // writes (a poller's watermark) commits with them or not at all.
  void Accept(const InboundChannelOptions& channel, InboundNotification notification,
              std::function<void(Result<std::vector<std::string>>)> done,
              std::function<Status(store::WriteTxn&, const store::AppendOutcome&)> also = {});

  void Start();
  void Stop();
  // A message on up/requests.
  void OnAck(const std::string& agent_id, const std::string& payload);
  // Something changed (a command committed, an agent came back): send
  // what waits now. Any thread; passes asked for at once are run once.
  void Poke();
  // The tunnel is connected again: what was sent before may be lost.
  void OnReconnect();
  // A heartbeat from `agent_id`, which sends one whenever it connects:
  // what it has not acknowledged may have gone while it was away (any
  // thread).
  void OnAgentHeard(const std::string& agent_id);
  DownStats Stats() const;
  // Each command's way is traced there (EventTraceLog::BeginDown): set
  // before Start.
  void SetTrace(EventTraceLog* trace) { trace_ = trace; }

 private:
  struct Sent {
    std::string agent_id;
    std::chrono::steady_clock::time_point at;
    std::string key;  // channel|record id: one in flight per CRM record
  };
  void Pass();
  void Schedule(std::chrono::milliseconds after);

  boost::asio::any_io_executor executor_;
  store::Store& store_;
  store::DurableQueue& queue_;
  transport::Tunnel& tunnel_;
  const InboundOptions& inbound_;
  DownOptions options_;
  AgentsFn agents_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::atomic<bool> pass_posted_{false};
  std::map<std::string, uint64_t> seq_of_;  // command id -> queue sequence, for commands sent
  std::map<uint64_t, Sent> sent_;           // queue sequence -> where and when it was last sent
  DownStats stats_;
  EventTraceLog* trace_ = nullptr;
};

}  // namespace ferry::controlplane
