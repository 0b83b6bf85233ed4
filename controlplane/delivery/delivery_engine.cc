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
                               store::DurableQueue& dead_letters, std::vector<Connector*> connectors,
                               transport::Tunnel& tunnel, DeliveryOptions options)
    : executor_(executor),
      queue_(queue),
      dead_letters_(dead_letters),
      tunnel_(tunnel),
      options_(std::move(options)),
      report_timer_(executor) {
  for (Connector* c : connectors) {
    Lane& lane = lanes_[std::string(c->name())];
    lane.connector = c;
    lane.wake = std::make_unique<asio::steady_timer>(executor);
    lane.gate = std::make_unique<asio::steady_timer>(executor, std::chrono::steady_clock::time_point::max());
    lane.attempts_allowed = std::max<size_t>(1, options_.concurrency);
  }
}

void DeliveryEngine::Start() { NotifyAppended(); }

void DeliveryEngine::Stop() {
  stopped_ = true;
  report_timer_.cancel();
  for (auto& [name, lane] : lanes_) {
    lane.wake->cancel();
    lane.gate->cancel();
  }
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

DeliveryEngine::Lane* DeliveryEngine::LaneFor(const ferry::v1::Event& event, std::string& why) {
  const std::string& name = event.connector().empty() ? options_.default_connector : event.connector();
  if (auto it = lanes_.find(name); it != lanes_.end()) return &it->second;
  std::string configured;
  for (const auto& [n, lane] : lanes_) configured += (configured.empty() ? "" : ", ") + n;
  why = "no connector '" + name + "' is configured at the control plane (configured: " + configured + ")";
  return nullptr;
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
      if (!rec.corrupt.empty() || !item.event.ParseFromString(rec.data)) {
        // Our own serialization; failing to decode it means corruption.
        // Park it in the dead-letter queue, bytes and all, rather than
        // blocking the queue.
        item.event.Clear();
        item.key = "corrupt:" + std::to_string(rec.seq);
        item.event.set_event_id("corrupt-record-" + std::to_string(rec.seq));
        item.event.set_payload(rec.data);
        item.unroutable = !rec.corrupt.empty() ? rec.corrupt
                                               : "corrupt record at q." + queue_.name() + "/" +
                                                     std::to_string(rec.seq) + ": not a valid ferry.v1.Event";
        spdlog::error("event=delivery_record_corrupt seq={} error=\"{}\"", rec.seq, item.unroutable);
      } else {
        // Events without a business key have no order to keep.
        item.key = item.event.business_key().empty() ? "id:" + item.event.event_id() : item.event.business_key();
        if (!item.event.decode_error().empty()) {
          // Ingest could not decode what the agent sent; its bytes are kept.
          item.unroutable = item.event.decode_error();
        } else if (!item.event.mapping_error().empty()) {
          // The agent could not map the document (record error, or no
          // flow): no target would take it; keep it for the operator.
          item.unroutable = "mapping failed: " + item.event.mapping_error();
        } else {
          item.lane = LaneFor(item.event, item.unroutable);
        }
      }
      auto& fifo = key_fifos_[item.key];
      fifo.push_back(rec.seq);
      const bool head = fifo.size() == 1 && !busy_keys_.count(item.key);
      window_.emplace(rec.seq, std::move(item));
      if (head) MakeReady(rec.seq);
    }
  }
}

void DeliveryEngine::MakeReady(uint64_t seq) {
  Item& item = window_.at(seq);
  if (!item.unroutable.empty()) {
    unroutable_.push_back(seq);
  } else {
    item.lane->ready_keys.push_back(item.key);
  }
}

void DeliveryEngine::Dispatch() {
  if (stopped_) return;
  Fill();
  while (!unroutable_.empty()) {
    const uint64_t seq = unroutable_.front();
    unroutable_.pop_front();
    Item& item = window_.at(seq);
    busy_keys_.insert(item.key);
    ++in_flight_;
    Finish(seq, DeliveryResult::Rejected(item.unroutable), 0);
  }
  for (auto& [name, lane] : lanes_) DispatchLane(lane);
}

void DeliveryEngine::DispatchLane(Lane& lane) {
  const size_t max_batch = std::max<size_t>(1, lane.connector->max_batch());
  const double rate = lane.connector->rate_per_s();
  while (lane.requests < options_.concurrency && !lane.ready_keys.empty()) {
    const auto now = std::chrono::steady_clock::now();
    const auto allowed = std::max(lane.paused_until, lane.next_start);
    if (now < allowed) {
      ArmWake(lane, allowed);
      return;
    }
    if (rate > 0) {
      lane.next_start =
          std::max(now, lane.next_start) +
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(1.0 / rate));
    }
    std::vector<uint64_t> seqs;
    while (seqs.size() < max_batch && !lane.ready_keys.empty()) {
      std::string key = std::move(lane.ready_keys.front());
      lane.ready_keys.pop_front();
      auto fifo = key_fifos_.find(key);
      if (fifo == key_fifos_.end() || fifo->second.empty() || busy_keys_.count(key)) continue;
      busy_keys_.insert(key);
      seqs.push_back(fifo->second.front());
    }
    if (seqs.empty()) return;
    auto slot = std::make_shared<Slot>(Slot{&lane, seqs.size()});
    for (uint64_t seq : seqs) window_.at(seq).slot = slot;
    in_flight_ += seqs.size();
    ++lane.requests;
    // DeliverBatch turns a connector's exception into a retry; anything
    // escaping it is the engine's own bug.
    asio::co_spawn(executor_, DeliverBatch(lane, std::move(seqs)), [](std::exception_ptr error) {
      if (error) std::rethrow_exception(error);
    });
  }
}

void DeliveryEngine::ArmWake(Lane& lane, std::chrono::steady_clock::time_point when) {
  if (lane.wake_armed) return;
  lane.wake_armed = true;
  lane.wake->expires_at(when);
  lane.wake->async_wait([weak = weak_from_this(), lane_ptr = &lane](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!self || ec) return;
    lane_ptr->wake_armed = false;
    self->Dispatch();
  });
}

std::chrono::milliseconds DeliveryEngine::Backoff(uint32_t attempts) {
  // Exponential from retry_initial, capped, with ±25 % jitter.
  double base = static_cast<double>(options_.retry_initial.count());
  for (uint32_t i = 1; i < attempts && base < options_.retry_max.count(); ++i) base *= 2;
  base = std::min(base, static_cast<double>(options_.retry_max.count()));
  std::uniform_real_distribution<double> jitter(0.75, 1.25);
  return std::chrono::milliseconds(static_cast<int64_t>(base * jitter(rng_)));
}

asio::awaitable<uint64_t> DeliveryEngine::EnterAttempt(Lane& lane) {
  asio::steady_timer timer(executor_);
  while (!stopped_) {
    if (std::chrono::steady_clock::now() < lane.paused_until) {
      // Honour the pause the target asked for (Retry-After).
      timer.expires_at(lane.paused_until);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    } else if (lane.attempting >= lane.attempts_allowed) {
      co_await lane.gate->async_wait(asio::as_tuple(asio::use_awaitable));
    } else {
      ++lane.attempting;
      co_return lane.throttles + 1;
    }
  }
  co_return 0;
}

void DeliveryEngine::LeaveAttempt(Lane& lane, uint64_t began_after, bool throttled) {
  --lane.attempting;
  const size_t most = std::max<size_t>(1, options_.concurrency);
  if (throttled) {
    ++lane.throttles;
    lane.attempts_allowed = 1;
  } else if (began_after == lane.throttles + 1) {
    // Only an attempt that began after the last throttle shows the target
    // takes more now; one sent before it answered from before the pause.
    lane.attempts_allowed = std::min(most, lane.attempts_allowed + 1);
  }
  lane.gate->cancel();
}

asio::awaitable<void> DeliveryEngine::DeliverBatch(Lane& lane, std::vector<uint64_t> seqs) {
  auto self = shared_from_this();
  Connector& connector = *lane.connector;
  asio::steady_timer timer(executor_);
  uint32_t attempts = 0;
  while (!seqs.empty()) {
    const uint64_t entered = co_await EnterAttempt(lane);
    if (entered == 0) co_return;
    std::vector<const ferry::v1::Event*> events;
    events.reserve(seqs.size());
    for (uint64_t seq : seqs) events.push_back(&window_.at(seq).event);
    ++stats_.requests;
    const auto request_began = std::chrono::steady_clock::now();
    std::vector<DeliveryResult> results;
    std::string thrown;
    try {
      if (connector.max_batch() > 1) {
        // A named awaitable: g++ 12 mis-destroys temporaries of a co_await
        // full-expression.
        auto call = connector.DeliverBatch(std::move(events));
        results = co_await std::move(call);
      } else {
        DeliveryResult one = co_await connector.Deliver(*events[0]);
        results.push_back(std::move(one));
      }
    } catch (const std::exception& e) {
      thrown = e.what();
    } catch (...) {
      thrown = "unknown exception";
    }
    if (!thrown.empty()) {
      // A connector that throws is a bug, but it must not cost the lane
      // its slot or the keys their turn: every event of the call is
      // retried like any retryable failure.
      spdlog::critical("event=delivery_connector_threw connector={} events={} error=\"{}\"", connector.name(),
                       seqs.size(), thrown);
      results.assign(seqs.size(), DeliveryResult::Retry("connector failed: " + thrown));
    }
    lane.request_seconds->Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - request_began).count());
    ++attempts;
    bool throttled = false;
    for (const DeliveryResult& r : results) throttled = throttled || r.retry_after.has_value();
    LeaveAttempt(lane, entered, throttled);
    if (stopped_) co_return;  // outcomes unknown to the queue: redelivered after restart
    if (results.size() != seqs.size()) {
      // A connector bug must not lose or misattribute outcomes: retry all.
      spdlog::error("event=delivery_result_mismatch connector={} events={} results={}", connector.name(), seqs.size(),
                    results.size());
      results.assign(seqs.size(), DeliveryResult::Retry("connector returned a wrong number of results"));
    }
    std::vector<uint64_t> again;
    std::optional<std::chrono::milliseconds> retry_after;
    std::string reason;
    for (size_t i = 0; i < seqs.size(); ++i) {
      if (results[i].kind != DeliveryResult::Kind::kRetry) {
        Finish(seqs[i], std::move(results[i]), attempts);
        continue;
      }
      if (trace_) {
        ferry::v1::TraceStep step;
        step.set_unix_ms(NowUnixMs());
        step.set_step("attempt");
        step.set_detail(results[i].reason);
        step.set_attempt(attempts);
        step.set_connector(std::string(connector.name()));
        trace_->Note(window_.at(seqs[i]).event.event_id(), std::move(step));
      }
      again.push_back(seqs[i]);
      if (results[i].retry_after)
        retry_after = std::max(retry_after.value_or(std::chrono::milliseconds(0)), *results[i].retry_after);
      reason = results[i].reason;
    }
    seqs = std::move(again);
    if (seqs.empty()) break;
    stats_.retries += seqs.size();
    lane.retries += seqs.size();
    if (options_.max_attempts && attempts >= options_.max_attempts) {
      for (uint64_t seq : seqs) {
        Finish(seq,
               DeliveryResult::Rejected("gave up after " + std::to_string(attempts) + " attempts; last: " + reason),
               attempts);
      }
      break;
    }
    const std::chrono::milliseconds delay = retry_after ? *retry_after : Backoff(attempts);
    if (retry_after) lane.paused_until = std::max(lane.paused_until, std::chrono::steady_clock::now() + delay);
    const Item& first = window_.at(seqs.front());
    spdlog::warn(
        "event=delivery_retry connector={} events={} event_id={} docnum={} attempt={} retry_in_ms={} reason=\"{}\"",
        connector.name(), seqs.size(), first.event.event_id(), first.event.idoc().docnum(), attempts, delay.count(),
        reason);
    timer.expires_after(delay);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// Records the outcome: removal (plus the dead letter) in one transaction.
void DeliveryEngine::Finish(uint64_t seq, DeliveryResult result, uint32_t attempts) {
  store::WriteFn move_to_dlq;
  std::string dead_agent;
  int64_t dead_unix_ms = 0;
  if (result.kind == DeliveryResult::Kind::kRejected) {
    const Item& item = window_.at(seq);
    ferry::v1::DeadLetter dead;
    *dead.mutable_event() = item.event;
    dead.set_connector(item.lane ? std::string(item.lane->connector->name()) : item.event.connector());
    dead.set_reason(result.reason);
    dead.set_attempts(attempts);
    dead.set_unix_ms(NowUnixMs());
    dead_agent = item.event.agent_id();
    dead_unix_ms = dead.unix_ms();
    move_to_dlq = [this, bytes = dead.SerializeAsString()](store::WriteTxn& txn) {
      store::AppendOutcome out;
      return dead_letters_.AppendInTxn(txn, {{bytes, ""}}, out);
    };
  }
  auto weak = weak_from_this();
  queue_.Remove(
      {seq},
      [this, weak, seq, result, attempts, dead_agent, dead_unix_ms](const Status& s) {
        if (!s.ok()) dead_letters_.Resync();
        asio::post(executor_, [weak, seq, result, attempts, s, dead_agent, dead_unix_ms] {
          auto self = weak.lock();
          if (!self) return;
          if (!s.ok()) {
            // The outcome is not recorded; try to record it again shortly.
            // The event stays in the delivery queue meanwhile: nothing a
            // target refused disappears because the dead-letter queue is full.
            if (result.kind == DeliveryResult::Kind::kRejected && s.code() == StatusCode::kResourceExhausted) {
              self->OnDeadLettersFull(seq);
            } else {
              spdlog::error("event=delivery_commit_failed seq={} error=\"{}\"", seq, s.ToString());
            }
            auto timer = std::make_shared<asio::steady_timer>(self->executor_, std::chrono::seconds(1));
            timer->async_wait([weak, timer, seq, result, attempts](const boost::system::error_code&) {
              if (auto again = weak.lock()) again->Finish(seq, result, attempts);
            });
            return;
          }
          if (result.kind == DeliveryResult::Kind::kRejected && self->on_dead_letter_) {
            self->on_dead_letter_(dead_agent, dead_unix_ms);
          }
          self->Finished(seq, result, attempts);
        });
      },
      std::move(move_to_dlq));
}

void DeliveryEngine::OnDeadLettersFull(uint64_t seq) {
  ++stats_.dead_letters_full;
  const auto now = std::chrono::steady_clock::now();
  if (dead_letters_full_logged_ != std::chrono::steady_clock::time_point{} &&
      now - dead_letters_full_logged_ < std::chrono::seconds(60)) {
    return;
  }
  dead_letters_full_logged_ = now;
  const auto dlq = dead_letters_.Stats();
  spdlog::error(
      "event=dead_letter_queue_full seq={} dead_letters={} bytes={} max_bytes={} waiting_total={} "
      "action=\"refused events wait in the delivery queue, holding their keys; remove or replay dead letters, or "
      "raise store.dead_letter_max_bytes\"",
      seq, dlq.depth, dlq.bytes, dead_letters_.max_bytes(), stats_.dead_letters_full);
}

std::vector<LaneView> DeliveryEngine::Lanes() const {
  const auto now = std::chrono::steady_clock::now();
  std::vector<LaneView> out;
  for (const auto& [name, lane] : lanes_) {
    LaneView view;
    view.connector = name;
    view.delivered = lane.delivered;
    view.dead_lettered = lane.dead_lettered;
    view.retries = lane.retries;
    view.request_seconds = lane.request_seconds->Read();
    view.requests = lane.requests;
    view.concurrency = std::max<size_t>(1, options_.concurrency);
    view.attempts_allowed = lane.attempts_allowed;
    if (lane.paused_until > now) {
      view.paused_for = std::chrono::duration_cast<std::chrono::milliseconds>(lane.paused_until - now);
    }
    out.push_back(std::move(view));
  }
  return out;
}

void DeliveryEngine::Finished(uint64_t seq, const DeliveryResult& result, uint32_t attempts) {
  auto it = window_.find(seq);
  if (it == window_.end()) return;
  Item item = std::move(it->second);
  window_.erase(it);
  const std::string_view connector =
      item.lane ? item.lane->connector->name() : std::string_view(item.event.connector());
  if (item.lane) ++(result.kind == DeliveryResult::Kind::kDelivered ? item.lane->delivered : item.lane->dead_lettered);
  if (result.kind == DeliveryResult::Kind::kDelivered && item.event.received_unix_ms() > 0) {
    end_to_end_seconds_.Observe(static_cast<double>(std::max<int64_t>(0, NowUnixMs() - item.event.received_unix_ms())) /
                                1000.0);
  }
  if (result.kind == DeliveryResult::Kind::kDelivered) {
    ++stats_.delivered;
    spdlog::debug("event=delivered connector={} event_id={} docnum={} attempts={} record_id={}", connector,
                  item.event.event_id(), item.event.idoc().docnum(), attempts, result.record_id);
  } else {
    ++stats_.dead_lettered;
    spdlog::warn("event=dead_lettered connector={} event_id={} docnum={} attempts={} reason=\"{}\"", connector,
                 item.event.event_id(), item.event.idoc().docnum(), attempts, result.reason);
  }
  QueueReport(item.event, result, attempts, connector);
  if (trace_) {
    ferry::v1::TraceStep step;
    step.set_unix_ms(NowUnixMs());
    const bool delivered = result.kind == DeliveryResult::Kind::kDelivered;
    step.set_step(delivered ? "delivered" : "dead_lettered");
    step.set_detail(delivered ? result.record_id : result.reason);
    step.set_attempt(attempts);
    step.set_connector(std::string(connector));
    trace_->Note(item.event.event_id(), std::move(step));
  }
  busy_keys_.erase(item.key);
  if (auto fifo = key_fifos_.find(item.key); fifo != key_fifos_.end()) {
    if (!fifo->second.empty()) fifo->second.pop_front();
    if (fifo->second.empty()) {
      key_fifos_.erase(fifo);
    } else {
      MakeReady(fifo->second.front());
    }
  }
  --in_flight_;
  if (item.slot && --item.slot->left == 0) --item.slot->lane->requests;
  Dispatch();
}

void DeliveryEngine::QueueReport(const ferry::v1::Event& event, const DeliveryResult& result, uint32_t attempts,
                                 std::string_view connector) {
  if (event.agent_id().empty()) return;
  auto& report = pending_reports_[event.agent_id()];
  report.set_agent_id(event.agent_id());
  auto* d = report.add_deliveries();
  d->set_event_id(event.event_id());
  d->set_outcome(result.kind == DeliveryResult::Kind::kDelivered ? ferry::v1::DELIVERY_OUTCOME_DELIVERED
                                                                 : ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED);
  d->set_connector(std::string(connector));
  d->set_target_record_id(result.record_id);
  d->set_detail(result.reason);
  d->set_attempts(attempts);
  d->set_unix_ms(NowUnixMs());
  if (event.has_idoc()) *d->mutable_idoc() = event.idoc();
  d->set_flow_id(event.flow_id());
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
