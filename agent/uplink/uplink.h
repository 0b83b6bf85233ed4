#pragma once
// Uplink: moves the outbox to the control plane over the tunnel.
//
// It publishes batches in outbox order, keeps at most `inflight_batches`
// unacknowledged, and deletes events from the outbox only when the control
// plane's application-level Ack arrives (which it sends after its own
// durable commit; a broker PUBACK proves nothing about that). If the tunnel
// drops, an Ack does not come within `ack_timeout`, or the control plane
// refuses a batch, the uplink rewinds: it forgets what was in flight and
// sends again from the oldest unacknowledged event. The control plane drops
// duplicates by event id, so this is at-least-once without duplicates
// downstream. After a restart the outbox is simply read from its start.
//
// All methods run on the agent's executor.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/history/event_history.h"
#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "common/transport/dispatcher.h"
#include "common/transport/tunnel.h"
#include "common/wire/batch_codec.h"

namespace ferry::agent {

struct UplinkOptions {
  std::string agent_id;
  size_t batch_max_events = 256;
  size_t batch_max_bytes = 1u << 20;
  size_t inflight_batches = 32;
  std::chrono::milliseconds ack_timeout{30000};
  std::chrono::milliseconds rewind_delay{1000};  // wait after a refused batch
  std::chrono::milliseconds heartbeat_interval{10000};
  wire::BatchEncoding encoding;
  std::map<std::string, std::string> labels;  // sent in heartbeats
  int64_t certificate_not_after_unix_ms = 0;  // the enrolled identity's end, sent in heartbeats
};

struct UplinkStats {
  bool connected = false;
  int64_t state_since_unix_ms = 0;
  std::string state_detail;
  int64_t last_ack_unix_ms = 0;
  uint64_t batches_sent = 0;
  uint64_t events_acked = 0;
  uint64_t rewinds = 0;
  uint64_t reports_received = 0;
  uint64_t acks_ignored = 0;      // for batches this run never sent (forged, stale or corrupt)
  uint64_t send_queue_waits = 0;  // times sending stopped for the tunnel's full send queue
};

class Uplink : public std::enable_shared_from_this<Uplink> {
 public:
  static constexpr const char* kReportsDb = "reports";
  // The open dead letters: event ids reported dead-lettered and not retried
  // since (value empty). `status` counts them without reading the reports.
  static constexpr const char* kDeadLettersDb = "reports.dead";
  // Keeps each delivery outcome by event id (and the dead letters in their
  // index) within `txn`: what a report on down/reports carries.
  static Status StoreOutcomesInTxn(store::Store& store, store::WriteTxn& txn, const ferry::v1::DeliveryReport& report);

  Uplink(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::Store& store,
         store::DurableQueue& outbox, UplinkOptions options);
  void Start();
  void Stop();
  // The outbox has new events (called from any thread).
  void NotifyAppended();
  // Forgets delivery reports received before `cutoff_unix_ms`.
  void PruneReports(int64_t cutoff_unix_ms);
  // Registers what the uplink handles: its Acks, delivery reports and the
  // control plane's presence.
  void Route(transport::Dispatcher& dispatcher);
  // `hook` runs in the transaction that stores each delivery report (the
  // receipts to SAP are queued there); `failed` on the store's writer
  // thread when that transaction did not commit. Set before Start().
  void SetReportHook(std::function<Status(store::WriteTxn&, const ferry::v1::DeliveryReport&)> hook,
                     std::function<void()> failed) {
    report_hook_ = std::move(hook);
    report_failed_ = std::move(failed);
  }
  // What the heartbeat reports about flows. Set before Start().
  void SetFlowStatusProvider(std::function<ferry::v1::FlowStatus()> provider) { flow_status_ = std::move(provider); }
  const UplinkStats& stats() const { return stats_; }
  // A renewed certificate's end, for the heartbeats from now on.
  void SetCertificateNotAfter(int64_t unix_ms) { options_.certificate_not_after_unix_ms = unix_ms; }
  // Where acknowledged events go, in the transaction that deletes them from
  // the outbox. Set before Start(); null: they are just deleted.
  void SetHistory(const EventHistory* history) { history_ = history; }
  // The outbox sequences published and not yet acknowledged.
  std::vector<uint64_t> InFlightSequences() const;
  // Every outbox event up to this sequence may be at the control plane
  // already: published by this run (also before a rewind), or in the outbox
  // when it started (the run before may have published it).
  uint64_t MayHavePublishedThrough() const { return std::max(start_last_seq_, highest_published_); }

 private:
  std::function<ferry::v1::FlowStatus()> flow_status_;
  const EventHistory* history_ = nullptr;
  uint64_t start_last_seq_ = 0;
  uint64_t highest_published_ = 0;
  // The batches this run published recently, kept across rewinds (an Ack
  // may answer a batch sent before one): an Ack counts only for a batch in
  // here, and removes only that batch's sequences. Bounded: the oldest go
  // first (their events are sent again and deduplicated).
  struct SentBatch {
    std::vector<uint64_t> sequences;  // ascending
    int64_t sent_unix_ms = 0;         // for the history's "sent" time
  };
  std::map<uint64_t, SentBatch> sent_;

  void OnState(bool connected, const std::string& detail);
  void OnAck(const std::string& payload);
  void IgnoreAck(const std::string& why, uint64_t batch_id);
  void OnReport(const std::string& payload);
  void OnPresence(const std::string& payload);
  void Pump();
  void Rewind(const std::string& why, std::chrono::milliseconds delay);
  void ArmWatchdog();
  void SendHeartbeat();

  boost::asio::any_io_executor executor_;
  transport::Tunnel& tunnel_;
  store::Store& store_;
  store::DurableQueue& outbox_;
  UplinkOptions options_;
  std::string events_topic_;
  std::string heartbeat_topic_;

  // Acknowledged batches wait here until their removal from the outbox
  // (and move to the history) can be submitted, and count against the
  // in-flight window until it is committed. At most kMaxPendingRemovals are
  // submitted at once: the store commits everything waiting in one
  // transaction, and LMDB keeps every page a transaction dirtied in the
  // agent's heap for reuse, so removals submitted as fast as a control plane
  // acknowledges would make the heap as large as the backlog.
  struct AckedBatch {
    std::vector<uint64_t> sequences;
    int64_t sent_unix_ms = 0;
    int64_t acked_unix_ms = 0;
  };
  static constexpr size_t kMaxPendingRemovals = 4;
  std::deque<AckedBatch> acked_waiting_;
  size_t removals_pending_ = 0;
  void SubmitRemovals();
  uint64_t cursor_ = 0;  // highest outbox sequence sent in this round
  uint64_t next_batch_id_;
  // The batches of this round awaiting an Ack, and when each was sent;
  // their sequences are in sent_, which always holds them (it keeps more
  // than a window of the newest).
  std::map<uint64_t, std::chrono::steady_clock::time_point> inflight_;
  std::string last_presence_;  // last "online ..." presence seen
  bool paused_ = false;        // waiting before a rewound resend
  bool stopped_ = false;
  std::atomic<bool> pump_posted_{false};
  boost::asio::steady_timer watchdog_;
  boost::asio::steady_timer resume_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  UplinkStats stats_;
  std::function<Status(store::WriteTxn&, const ferry::v1::DeliveryReport&)> report_hook_;
  std::function<void()> report_failed_;
};

}  // namespace ferry::agent
