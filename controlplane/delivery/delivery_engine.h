#pragma once
// DeliveryEngine: drains the control plane's delivery queue into the
// connectors, one lane per connector.
//
// - Routing: an event goes to the connector its flow named (Event.connector),
//   or to the default connector when it has none (a raw IDoc). An event for
//   a connector that is not configured is dead-lettered with that reason.
// - Per-key order: each business key has its own FIFO; only the head of a
//   key's FIFO may be in flight, and it leaves the FIFO only once its outcome
//   is committed. Different keys proceed in parallel.
// - Batches: a lane whose connector takes batches sends the heads of up to
//   max_batch() different keys in one call; each event keeps its own
//   outcome (a rejected record does not hold up the rest of the batch).
// - Concurrency: at most `concurrency` requests in flight per lane, and a
//   request holds its slot until the outcomes of its events are committed
//   (which bounds how many can be delivered twice after a crash).
// - Rate: a connector with rate_per_s() > 0 gets at most that many new
//   requests per second.
// - Retries: a retryable outcome waits with exponential back-off and jitter,
//   or exactly the target's Retry-After, during which the lane sends
//   nothing at all (a throttled API extends the penalty of clients that keep
//   sending). Other lanes are not affected.
// - Outcomes: delivered → removed from the queue; rejected (or out of
//   attempts) → moved to the dead-letter queue with the reason, in the same
//   transaction. Either way a Delivery report goes back to the agent. When
//   the dead-letter queue is at its byte limit, a rejected event stays in
//   the delivery queue (holding its key) and is recorded again every
//   second until there is room; an error line says so once a minute.
//
// Runs on one executor; no locks.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/metrics/metrics_text.h"
#include "common/store/durable_queue.h"
#include "common/transport/tunnel.h"
#include "controlplane/delivery/connector.h"
#include "controlplane/delivery/event_trace.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct DeliveryOptions {
  size_t concurrency = 16;  // requests in flight per connector
  size_t window = 4096;     // events held in memory for scheduling
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{300000};
  uint32_t max_attempts = 0;  // 0: retry retryable failures forever
  std::chrono::milliseconds report_flush{100};
  std::string default_connector;  // for events that name none
};

// A lane as the console shows it (Connectors): counters since start and
// what holds it back now.
struct LaneView {
  std::string connector;
  uint64_t delivered = 0;
  uint64_t dead_lettered = 0;
  uint64_t retries = 0;
  size_t requests = 0;                      // in flight now
  size_t concurrency = 0;                   // configured
  size_t attempts_allowed = 0;              // below concurrency while it ramps up after a Retry-After
  std::chrono::milliseconds paused_for{0};  // left of a Retry-After pause; 0: not paused
  metrics::LatencyHistogram::Snapshot request_seconds;
};

struct DeliveryStats {
  uint64_t delivered = 0;
  uint64_t dead_lettered = 0;
  uint64_t retries = 0;
  uint64_t requests = 0;           // Deliver / DeliverBatch calls
  uint64_t dead_letters_full = 0;  // dead letters that waited for room in the dead-letter queue
};

class DeliveryEngine : public std::enable_shared_from_this<DeliveryEngine> {
 public:
  // `connectors` by name; they must outlive the engine.
  DeliveryEngine(boost::asio::any_io_executor executor, store::DurableQueue& queue, store::DurableQueue& dead_letters,
                 std::vector<Connector*> connectors, transport::Tunnel& tunnel, DeliveryOptions options);
  void Start();
  void Stop();
  // The queue has new events (any thread).
  void NotifyAppended();
  const DeliveryStats& stats() const { return stats_; }
  std::vector<LaneView> Lanes() const;  // by connector name
  // From the agent's receipt of an event to its delivery, in seconds.
  metrics::LatencyHistogram::Snapshot EndToEndSeconds() const { return end_to_end_seconds_.Read(); }
  size_t in_flight() const { return in_flight_; }
  // Told of each dead letter once it is stored (on the engine's executor):
  // the agent the event came from and when.
  using DeadLetterObserver = std::function<void(const std::string& agent_id, int64_t unix_ms)>;
  void SetDeadLetterObserver(DeadLetterObserver observer) { on_dead_letter_ = std::move(observer); }
  // Every attempt and outcome goes to the events' traces.
  void SetTrace(EventTraceLog* trace) { trace_ = trace; }

 private:
  struct Lane {
    Connector* connector = nullptr;
    std::deque<std::string> ready_keys;                    // heads that may be dispatched
    size_t requests = 0;                                   // in flight
    std::chrono::steady_clock::time_point paused_until{};  // Retry-After
    std::chrono::steady_clock::time_point next_start{};    // rate_per_s
    bool wake_armed = false;
    std::unique_ptr<boost::asio::steady_timer> wake;  // ends a pause
    // After a Retry-After the lane does not resume with every waiting
    // request at once (they would all be refused again): one attempt goes
    // first, and each success lets one more run concurrently, up to the
    // configured concurrency.
    size_t attempts_allowed = 0;  // set to the concurrency at start
    size_t attempting = 0;
    uint64_t throttles = 0;  // Retry-Afters seen; an attempt older than the last one proves nothing
    uint64_t delivered = 0, dead_lettered = 0, retries = 0;
    // Each call of the connector (one request, or one batch), success or not.
    std::shared_ptr<metrics::LatencyHistogram> request_seconds = std::make_shared<metrics::LatencyHistogram>();
    std::unique_ptr<boost::asio::steady_timer> gate;  // cancelled when an attempt ends: wakes the waiters
  };
  // A request's slot in its lane, given back once every event it carried
  // has its outcome committed.
  struct Slot {
    Lane* lane = nullptr;
    size_t left = 0;
  };
  struct Item {
    ferry::v1::Event event;
    std::string key;
    Lane* lane = nullptr;    // null: no such connector
    std::string unroutable;  // why it cannot be delivered at all
    std::shared_ptr<Slot> slot;
  };

  // Waits until the lane may make one more attempt (pause over, below its
  // attempts_allowed); false when the engine stopped meanwhile.
  // Returns the lane's `throttles` when the attempt began (0: stopped).
  boost::asio::awaitable<uint64_t> EnterAttempt(Lane& lane);
  void LeaveAttempt(Lane& lane, uint64_t began_after, bool throttled);
  void Fill();
  Lane* LaneFor(const ferry::v1::Event& event, std::string& why);
  void Dispatch();
  void DispatchLane(Lane& lane);
  void ArmWake(Lane& lane, std::chrono::steady_clock::time_point when);
  boost::asio::awaitable<void> DeliverBatch(Lane& lane, std::vector<uint64_t> seqs);
  void Finish(uint64_t seq, DeliveryResult result, uint32_t attempts);
  void Finished(uint64_t seq, const DeliveryResult& result, uint32_t attempts);
  // A rejected event found the dead-letter queue full: it stays in the
  // delivery queue and its outcome is recorded again shortly; said loudly.
  void OnDeadLettersFull(uint64_t seq);
  void MakeReady(uint64_t seq);
  void QueueReport(const ferry::v1::Event& event, const DeliveryResult& result, uint32_t attempts,
                   std::string_view connector);
  void FlushReports();
  std::chrono::milliseconds Backoff(uint32_t attempts);

  boost::asio::any_io_executor executor_;
  store::DurableQueue& queue_;
  store::DurableQueue& dead_letters_;
  transport::Tunnel& tunnel_;
  DeliveryOptions options_;
  std::map<std::string, Lane, std::less<>> lanes_;

  std::map<uint64_t, Item> window_;  // loaded events by queue sequence
  uint64_t loaded_upto_ = 0;
  std::unordered_map<std::string, std::deque<uint64_t>> key_fifos_;
  std::unordered_set<std::string> busy_keys_;  // head in flight
  std::deque<uint64_t> unroutable_;            // heads to dead-letter at once
  size_t in_flight_ = 0;                       // events dispatched, outcome not yet committed
  bool stopped_ = false;
  std::atomic<bool> fill_posted_{false};
  boost::asio::steady_timer report_timer_;
  bool report_timer_armed_ = false;
  std::map<std::string, ferry::v1::DeliveryReport> pending_reports_;  // by agent
  std::mt19937_64 rng_{std::random_device{}()};
  DeliveryStats stats_;
  DeadLetterObserver on_dead_letter_;
  metrics::LatencyHistogram end_to_end_seconds_;
  std::chrono::steady_clock::time_point dead_letters_full_logged_{};
  EventTraceLog* trace_ = nullptr;
};

}  // namespace ferry::controlplane
