#include "controlplane/delivery/delivery_engine.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/transport/topics.h"
#include "common/util/clock.h"

namespace ferry::controlplane {

namespace asio = boost::asio;

namespace {
constexpr size_t kReadChunk = 512;
constexpr size_t kReadChunkBytes = 16u << 20;
}  // namespace

DeliveryEngine::DeliveryEngine(asio::any_io_executor executor, store::DurableQueue& queue,
                               store::DurableQueue& dead_letters, Connector& connector, transport::Tunnel& tunnel,
                               DeliveryOptions options)
    : executor_(executor),
      queue_(queue),
      dead_letters_(dead_letters),
      connector_(connector),
      tunnel_(tunnel),
      options_(options),
      report_timer_(executor) {}

void DeliveryEngine::Start() { NotifyAppended(); }

void DeliveryEngine::Stop() {
  stopped_ = true;
  report_timer_.cancel();
}

void DeliveryEngine::NotifyAppended() {
  if (fill_posted_.exchange(true)) return;
  asio::post(executor_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->fill_posted_ = false;
      self->Dispatch();
    }
  });
}

void DeliveryEngine::Fill() {
  while (window_.size() < options_.window) {
    auto records =
        queue_.ReadAfter(loaded_upto_, std::min(kReadChunk, options_.window - window_.size()), kReadChunkBytes);
    if (!records.ok()) {
      spdlog::error("event=delivery_read_failed error=\"{}\"", records.status().ToString());
      return;
    }
    if (records->empty()) return;
    for (auto& rec : *records) {
      loaded_upto_ = rec.seq;
      Item item;
      if (!item.event.ParseFromString(rec.data)) {
        // Our own serialization; failing to parse it means corruption.
        // Park it in the dead-letter queue rather than blocking the queue.
        item.key = "corrupt:" + std::to_string(rec.seq);
        item.event.set_event_id("corrupt-record-" + std::to_string(rec.seq));
      } else {
        // Events without a business key have no order to keep.
        item.key = item.event.business_key().empty() ? "id:" + item.event.event_id() : item.event.business_key();
      }
      auto& fifo = key_fifos_[item.key];
      fifo.push_back(rec.seq);
      if (fifo.size() == 1 && !busy_keys_.count(item.key)) ready_keys_.push_back(item.key);
      window_.emplace(rec.seq, std::move(item));
    }
  }
}

void DeliveryEngine::Dispatch() {
  if (stopped_) return;
  Fill();
  while (active_ < options_.concurrency && !ready_keys_.empty()) {
    std::string key = std::move(ready_keys_.front());
    ready_keys_.pop_front();
    auto fifo = key_fifos_.find(key);
    if (fifo == key_fifos_.end() || fifo->second.empty() || busy_keys_.count(key)) continue;
    busy_keys_.insert(key);
    ++active_;
    asio::co_spawn(executor_, DeliverOne(fifo->second.front()), asio::detached);
  }
}

std::chrono::milliseconds DeliveryEngine::Backoff(uint32_t attempts) {
  // Exponential from retry_initial, capped, with ±25 % jitter.
  double base = static_cast<double>(options_.retry_initial.count());
  for (uint32_t i = 1; i < attempts && base < options_.retry_max.count(); ++i) base *= 2;
  base = std::min(base, static_cast<double>(options_.retry_max.count()));
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  return std::chrono::milliseconds(static_cast<int64_t>(base * jitter(rng_)));
}

asio::awaitable<void> DeliveryEngine::DeliverOne(uint64_t seq) {
  auto self = shared_from_this();
  const Item& item = window_.at(seq);
  if (item.event.event_id().rfind("corrupt-record-", 0) == 0) {
    Finish(seq, DeliveryResult::Rejected("stored record is not a valid ferry.v1.Event"), 0);
    co_return;
  }
  if (!item.event.mapping_error().empty()) {
    // The agent could not map the document (record error, or no flow):
    // no target would take it; keep it with the reason for the operator.
    Finish(seq, DeliveryResult::Rejected("mapping failed: " + item.event.mapping_error()), 0);
    co_return;
  }
  asio::steady_timer timer(executor_);
  uint32_t attempts = 0;
  for (;;) {
    // Honour a pause a target asked for (Retry-After) before every attempt.
    while (!stopped_ && std::chrono::steady_clock::now() < paused_until_) {
      timer.expires_at(paused_until_);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    if (stopped_) co_return;
    DeliveryResult result = co_await connector_.Deliver(item.event);
    ++attempts;
    if (stopped_) co_return;  // outcome unknown to the queue: redelivered after restart
    if (result.kind != DeliveryResult::Kind::kRetry) {
      Finish(seq, std::move(result), attempts);
      co_return;
    }
    ++stats_.retries;
    if (options_.max_attempts && attempts >= options_.max_attempts) {
      Finish(
          seq,
          DeliveryResult::Rejected("gave up after " + std::to_string(attempts) + " attempts; last: " + result.reason),
          attempts);
      co_return;
    }
    std::chrono::milliseconds delay = result.retry_after ? *result.retry_after : Backoff(attempts);
    if (result.retry_after) {
      paused_until_ = std::max(paused_until_, std::chrono::steady_clock::now() + delay);
    }
    spdlog::warn("event=delivery_retry connector={} event_id={} docnum={} attempt={} retry_in_ms={} reason=\"{}\"",
                 connector_.name(), item.event.event_id(), item.event.idoc().docnum(), attempts, delay.count(),
                 result.reason);
    timer.expires_after(delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// Records the outcome: removal (plus the dead letter) in one transaction. The
// delivery slot stays taken until then, so after a crash at most
// `concurrency` events can have reached the target without their outcome
// recorded, and at most that many are delivered twice.
void DeliveryEngine::Finish(uint64_t seq, DeliveryResult result, uint32_t attempts) {
  store::WriteFn move_to_dlq;
  if (result.kind == DeliveryResult::Kind::kRejected) {
    ferry::v1::DeadLetter dead;
    *dead.mutable_event() = window_.at(seq).event;
    dead.set_connector(std::string(connector_.name()));
    dead.set_reason(result.reason);
    dead.set_attempts(attempts);
    dead.set_unix_ms(NowUnixMs());
    move_to_dlq = [this, bytes = dead.SerializeAsString()](store::WriteTxn& txn) {
      store::AppendOutcome out;
      return dead_letters_.AppendInTxn(txn, {{bytes, ""}}, out);
    };
  }
  auto weak = weak_from_this();
  queue_.Remove(
      {seq},
      [this, weak, seq, result, attempts](const Status& s) {
        if (!s.ok()) dead_letters_.Resync();
        asio::post(executor_, [weak, seq, result, attempts, s] {
          auto self = weak.lock();
          if (!self) return;
          if (!s.ok()) {
            // The outcome is not recorded; try to record it again shortly.
            spdlog::error("event=delivery_commit_failed seq={} error=\"{}\"", seq, s.ToString());
            auto timer = std::make_shared<asio::steady_timer>(self->executor_, std::chrono::seconds(1));
            timer->async_wait([weak, timer, seq, result, attempts](const boost::system::error_code&) {
              if (auto again = weak.lock()) again->Finish(seq, result, attempts);
            });
            return;
          }
          self->Finished(seq, result, attempts);
        });
      },
      std::move(move_to_dlq));
}

void DeliveryEngine::Finished(uint64_t seq, const DeliveryResult& result, uint32_t attempts) {
  auto it = window_.find(seq);
  if (it == window_.end()) return;
  const Item& item = it->second;
  if (result.kind == DeliveryResult::Kind::kDelivered) {
    ++stats_.delivered;
    spdlog::debug("event=delivered connector={} event_id={} docnum={} attempts={}", connector_.name(),
                  item.event.event_id(), item.event.idoc().docnum(), attempts);
  } else {
    ++stats_.dead_lettered;
    spdlog::warn("event=dead_lettered connector={} event_id={} docnum={} attempts={} reason=\"{}\"", connector_.name(),
                 item.event.event_id(), item.event.idoc().docnum(), attempts, result.reason);
  }
  QueueReport(item.event, result, attempts);
  auto fifo = key_fifos_.find(item.key);
  busy_keys_.erase(item.key);
  if (fifo != key_fifos_.end()) {
    if (!fifo->second.empty()) fifo->second.pop_front();
    if (fifo->second.empty())
      key_fifos_.erase(fifo);
    else
      ready_keys_.push_back(item.key);
  }
  window_.erase(it);
  --active_;
  Dispatch();
}

void DeliveryEngine::QueueReport(const ferry::v1::Event& event, const DeliveryResult& result, uint32_t attempts) {
  if (event.agent_id().empty()) return;
  auto& report = pending_reports_[event.agent_id()];
  report.set_agent_id(event.agent_id());
  auto* d = report.add_deliveries();
  d->set_event_id(event.event_id());
  d->set_outcome(result.kind == DeliveryResult::Kind::kDelivered ? ferry::v1::DELIVERY_OUTCOME_DELIVERED
                                                                 : ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED);
  d->set_connector(std::string(connector_.name()));
  d->set_target_record_id(result.record_id);
  d->set_detail(result.reason);
  d->set_attempts(attempts);
  d->set_unix_ms(NowUnixMs());
  if (report_timer_armed_) return;
  report_timer_armed_ = true;
  report_timer_.expires_after(options_.report_flush);
  report_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->FlushReports();
  });
}

void DeliveryEngine::FlushReports() {
  report_timer_armed_ = false;
  // Reports are informational (the agent has already forgotten the events):
  // one that cannot be published is logged and dropped.
  for (auto& [agent, report] : pending_reports_) {
    tunnel_.Publish(transport::topics::DownReports(agent), report.SerializeAsString(),
                    [agent = agent](const Status& s) {
                      if (!s.ok()) spdlog::debug("event=report_not_sent agent_id={} error=\"{}\"", agent, s.message());
                    });
  }
  pending_reports_.clear();
}

}  // namespace ferry::controlplane
