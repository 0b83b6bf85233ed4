#pragma once
// DeliveryEngine: drains the control plane's delivery queue into a connector.
//
// - Per-key order: each business key has its own FIFO; only the head of a
//   key's FIFO may be in flight, and it leaves the FIFO only once its outcome
//   is committed. Different keys proceed in parallel, with at most
//   `concurrency` events between dispatch and committed outcome (which also
//   bounds how many can be delivered twice after a crash).
// - Retries: a retryable outcome waits with exponential back-off and jitter,
//   or exactly the target's Retry-After, during which the engine sends
//   nothing else to that connector (a throttled API extends the penalty of
//   clients that keep sending).
// - Outcomes: delivered → removed from the queue; rejected (or out of
//   attempts) → moved to the dead-letter queue with the reason, in the same
//   transaction. Either way a Delivery report goes back to the agent.
//
// Runs on one executor; no locks.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/store/durable_queue.h"
#include "common/transport/tunnel.h"
#include "controlplane/delivery/connector.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct DeliveryOptions {
  size_t concurrency = 16;
  size_t window = 4096;  // events held in memory for scheduling
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{300000};
  uint32_t max_attempts = 0;  // 0: retry retryable failures forever
  std::chrono::milliseconds report_flush{100};
};

struct DeliveryStats {
  uint64_t delivered = 0;
  uint64_t dead_lettered = 0;
  uint64_t retries = 0;
};

class DeliveryEngine : public std::enable_shared_from_this<DeliveryEngine> {
 public:
  DeliveryEngine(boost::asio::any_io_executor executor, store::DurableQueue& queue, store::DurableQueue& dead_letters,
                 Connector& connector, transport::Tunnel& tunnel, DeliveryOptions options);
  void Start();
  void Stop();
  // The queue has new events (any thread).
  void NotifyAppended();
  const DeliveryStats& stats() const { return stats_; }
  size_t in_flight() const { return active_; }

 private:
  struct Item {
    ferry::v1::Event event;
    std::string key;
  };

  void Fill();
  void Dispatch();
  boost::asio::awaitable<void> DeliverOne(uint64_t seq);
  void Finish(uint64_t seq, DeliveryResult result, uint32_t attempts);
  void Finished(uint64_t seq, const DeliveryResult& result, uint32_t attempts);
  void QueueReport(const ferry::v1::Event& event, const DeliveryResult& result, uint32_t attempts);
  void FlushReports();
  std::chrono::milliseconds Backoff(uint32_t attempts);

  boost::asio::any_io_executor executor_;
  store::DurableQueue& queue_;
  store::DurableQueue& dead_letters_;
  Connector& connector_;
  transport::Tunnel& tunnel_;
  DeliveryOptions options_;

  std::map<uint64_t, Item> window_;  // loaded events by queue sequence
  uint64_t loaded_upto_ = 0;
  std::unordered_map<std::string, std::deque<uint64_t>> key_fifos_;
  std::unordered_set<std::string> busy_keys_;  // head in flight
  std::deque<std::string> ready_keys_;          // head may be dispatched
  size_t active_ = 0;
  std::chrono::steady_clock::time_point paused_until_{};
  bool stopped_ = false;
  std::atomic<bool> fill_posted_{false};
  boost::asio::steady_timer report_timer_;
  bool report_timer_armed_ = false;
  std::map<std::string, ferry::v1::DeliveryReport> pending_reports_;  // by agent
  std::mt19937_64 rng_{std::random_device{}()};
  DeliveryStats stats_;
};

}  // namespace ferry::controlplane
