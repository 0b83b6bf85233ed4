#include "agent/uplink/uplink.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "common/app/run_loop.h"
#include "common/crypto/random.h"
#include "common/log/log.h"
#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

namespace asio = boost::asio;

namespace {

// An outbox record whose stored bytes do not decode still leaves, as an
// event that says so and carries those bytes: the control plane
// dead-letters it with the reason, and the queue behind it flows on.
std::string CorruptRecordEvent(const store::QueueRecord& record) {
  spdlog::error("event=outbox_record_corrupt seq={} error=\"{}\"", record.seq, record.corrupt);
  ferry::v1::Event e;
  e.set_event_id("corrupt-outbox-" + std::to_string(record.seq) + "-" + std::to_string(record.enqueued_unix_ms));
  e.set_business_key("corrupt:" + std::to_string(record.seq));
  e.set_source("outbox");
  e.set_content_type("application/octet-stream");
  e.set_payload(record.data);
  e.set_decode_error(record.corrupt);
  return e.SerializeAsString();
}

}  // namespace

Uplink::Uplink(asio::any_io_executor executor, transport::Tunnel& tunnel, store::Store& store,
               store::DurableQueue& outbox, UplinkOptions options)
    : executor_(executor),
      tunnel_(tunnel),
      store_(store),
      outbox_(outbox),
      options_(std::move(options)),
      events_topic_(transport::topics::UpEvents(options_.agent_id)),
      heartbeat_topic_(transport::topics::UpHeartbeat(options_.agent_id)),
      // Batch ids increase within a run (which helps reading logs) from a
      // random start: an Ack left over from an earlier run matches nothing,
      // and a peer that can publish on the agent's down/ topics but not read
      // its up/ topics (the broker's ACL keeps both to the control plane)
      // cannot guess a batch in flight. 2^62 values leave room to count up.
      next_batch_id_(crypto::RandomU64() >> 2),
      watchdog_(executor),
      resume_timer_(executor),
      heartbeat_timer_(executor) {}

void Uplink::Start() {
  std::weak_ptr<Uplink> weak = weak_from_this();
  tunnel_.SetStateHandler([weak](bool connected, const std::string& detail) {
    if (auto self = weak.lock()) self->OnState(connected, detail);
  });
  // The tunnel's send queue went down after it said full: send on.
  tunnel_.SetDrainHandler([weak] {
    if (auto self = weak.lock()) self->Pump();
  });
  stats_.state_since_unix_ms = NowUnixMs();
  stats_.state_detail = "connecting";
  start_last_seq_ = outbox_.LastSeq();
  ArmWatchdog();
  SendHeartbeat();
}

void Uplink::Stop() {
  stopped_ = true;
  watchdog_.cancel();
  resume_timer_.cancel();
  heartbeat_timer_.cancel();
}

void Uplink::NotifyAppended() {
  if (pump_posted_.exchange(true)) return;
  asio::post(executor_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->pump_posted_ = false;
      self->Pump();
    }
  });
}

void Uplink::OnState(bool connected, const std::string& detail) {
  if (connected != stats_.connected) stats_.state_since_unix_ms = NowUnixMs();
  stats_.connected = connected;
  stats_.state_detail = detail;
  if (connected) {
    // Whatever was in flight on the previous connection may or may not have
    // arrived: send everything unacknowledged again.
    Rewind("tunnel connected", std::chrono::milliseconds(0));
    // The control plane learns of this agent (labels, running flows) now,
    // not one heartbeat interval later; this also restarts the interval.
    SendHeartbeat();
  } else {
    inflight_.clear();
    cursor_ = 0;
  }
}

void Uplink::Route(transport::Dispatcher& dispatcher) {
  std::weak_ptr<Uplink> weak = weak_from_this();
  dispatcher.Route("down/acks", [weak](const std::string&, std::string payload) {
    if (auto self = weak.lock()) self->OnAck(payload);
  });
  dispatcher.Route("down/reports", [weak](const std::string&, std::string payload) {
    if (auto self = weak.lock()) self->OnReport(payload);
  });
  dispatcher.RouteTopic(std::string(transport::topics::kControlPlanePresence), [weak](std::string payload) {
    if (auto self = weak.lock()) self->OnPresence(payload);
  });
}

void Uplink::IgnoreAck(const std::string& why, uint64_t batch_id) {
  ++stats_.acks_ignored;
  // A flood of forged Acks must not flood the log.
  if (log::FirstOrPowerOfTwo(stats_.acks_ignored)) {
    spdlog::warn("event=uplink_ack_ignored batch_id={} reason=\"{}\" ignored_total={}", batch_id, why,
                 stats_.acks_ignored);
  }
}

void Uplink::OnAck(const std::string& payload) {
  ferry::v1::Ack ack;
  if (!ack.ParseFromString(payload) || ack.agent_id() != options_.agent_id) {
    IgnoreAck("not an Ack for this agent", ack.batch_id());
    return;
  }
  auto sent = sent_.find(ack.batch_id());
  if (sent == sent_.end()) {
    IgnoreAck("no such batch in flight", ack.batch_id());
    return;
  }
  // The control plane acknowledges a batch whole: an Ack that lists
  // anything else is not from it. Such a batch stays in flight, and is sent
  // again at the ack timeout if nothing better comes.
  const std::vector<uint64_t>& carried = sent->second.sequences;
  std::vector<uint64_t> seqs(ack.agent_sequences().begin(), ack.agent_sequences().end());
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  if (ack.accepted() && seqs != carried) {
    IgnoreAck("sequences do not match the batch", ack.batch_id());
    return;
  }
  const int64_t sent_unix_ms = sent->second.sent_unix_ms;
  sent_.erase(sent);
  inflight_.erase(ack.batch_id());
  if (!ack.accepted()) {
    spdlog::warn("event=uplink_batch_refused batch_id={} reason=\"{}\"", ack.batch_id(), ack.reason());
    Rewind("control plane refused batch: " + ack.reason(), options_.rewind_delay);
    return;
  }
  stats_.last_ack_unix_ms = NowUnixMs();
  stats_.events_acked += seqs.size();
  acked_waiting_.push_back({std::move(seqs), sent_unix_ms, stats_.last_ack_unix_ms});
  SubmitRemovals();
  Pump();
}

void Uplink::SubmitRemovals() {
  while (removals_pending_ < kMaxPendingRemovals && !acked_waiting_.empty()) {
    AckedBatch acked = std::move(acked_waiting_.front());
    acked_waiting_.pop_front();
    ++removals_pending_;
    auto removed = [weak = weak_from_this(), executor = executor_](const Status& s) {
      // Not fatal: the events are sent again and dropped as duplicates.
      if (!s.ok()) spdlog::error("event=outbox_remove_failed error=\"{}\"", s.ToString());
      asio::post(executor, [weak] {
        if (auto self = weak.lock()) {
          --self->removals_pending_;
          self->SubmitRemovals();
          self->Pump();
        }
      });
    };
    if (!history_) {
      outbox_.Remove(std::move(acked.sequences), removed);
      continue;
    }
    EventHistory::Departure departure{"acked", "", acked.sent_unix_ms, acked.acked_unix_ms};
    store::WriteFn keep = [history = history_, seqs = acked.sequences, departure](store::WriteTxn& txn) {
      return history->RecordInTxn(txn, seqs, departure);
    };
    // The history is for looking back; it must never keep acknowledged
    // events in the outbox (e.g. a full map): without it, they still go.
    outbox_.Remove(
        acked.sequences,
        [outbox = &outbox_, seqs = acked.sequences, removed](const Status& s) {
          if (s.ok()) return removed(s);
          spdlog::warn("event=history_skipped events={} error=\"{}\"", seqs.size(), s.ToString());
          outbox->Remove(seqs, removed);
        },
        std::move(keep));
  }
}

void Uplink::OnPresence(const std::string& payload) {
  // The retained message also arrives after each of our own subscribes;
  // the same payload twice means the same control plane run. A new one
  // means batches sent before it subscribed may have been dropped.
  if (payload.rfind("online ", 0) != 0 || payload == last_presence_) return;
  last_presence_ = payload;
  Rewind("control plane online (" + payload + ")", std::chrono::milliseconds(0));
  // A heartbeat sent before it subscribed was dropped too: tell it now who
  // this agent is (labels, flows) rather than one interval later.
  SendHeartbeat();
}

void Uplink::OnReport(const std::string& payload) {
  ferry::v1::DeliveryReport report;
  if (!report.ParseFromString(payload)) {
    spdlog::warn("event=uplink_bad_report bytes={}", payload.size());
    return;
  }
  stats_.reports_received += report.deliveries_size();
  for (const auto& d : report.deliveries()) {
    if (d.outcome() == ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED) {
      spdlog::warn("event=delivery_dead_lettered event_id={} connector={} detail=\"{}\"", d.event_id(), d.connector(),
                   d.detail());
    } else {
      spdlog::debug("event=delivered event_id={} connector={} record_id={}", d.event_id(), d.connector(),
                    d.target_record_id());
    }
  }
  // Keep the outcome per event id, so field IT can look it up later.
  store_.Write(
      [this, report = std::move(report)](store::WriteTxn& txn) {
        Status s = StoreOutcomesInTxn(store_, txn, report);
        if (s.ok() && report_hook_) s = report_hook_(txn, report);
        return s;
      },
      [failed = report_failed_](const Status& s) {
        if (s.ok()) return;
        spdlog::error("event=report_not_stored reason=\"{}\"", s.message());
        if (failed) failed();
      });
}

Status Uplink::StoreOutcomesInTxn(store::Store& store, store::WriteTxn& txn, const ferry::v1::DeliveryReport& report) {
  MDB_dbi db = store.Db(kReportsDb);
  MDB_dbi dead = store.Db(kDeadLettersDb);
  for (const auto& d : report.deliveries()) {
    std::string value = d.SerializeAsString();
    MDB_val k = store::ToVal(d.event_id()), v = store::ToVal(value);
    int rc = mdb_put(txn.txn(), db, &k, &v, 0);
    if (rc) return store::LmdbStatus(rc, "store delivery report");
    if (d.outcome() == ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED) {
      MDB_val none = store::ToVal("");
      rc = mdb_put(txn.txn(), dead, &k, &none, 0);
    } else {
      rc = mdb_del(txn.txn(), dead, &k, nullptr);
      if (rc == MDB_NOTFOUND) rc = MDB_SUCCESS;
    }
    if (rc) return store::LmdbStatus(rc, "index dead letter");
  }
  return Status::Ok();
}

void Uplink::PruneReports(int64_t cutoff_unix_ms) {
  store_.Write(
      [this, cutoff_unix_ms](store::WriteTxn& txn) {
        MDB_cursor* cur = nullptr;
        int rc = mdb_cursor_open(txn.txn(), store_.Db(kReportsDb), &cur);
        if (rc) return store::LmdbStatus(rc, "open reports cursor");
        MDB_val k, v;
        ferry::v1::Delivery d;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
          if (!d.ParseFromArray(v.mv_data, static_cast<int>(v.mv_size)) || d.unix_ms() < cutoff_unix_ms) {
            mdb_del(txn.txn(), store_.Db(kDeadLettersDb), &k, nullptr);
            mdb_cursor_del(cur, 0);
          }
        }
        mdb_cursor_close(cur);
        return Status::Ok();
      },
      nullptr);
}

std::vector<uint64_t> Uplink::InFlightSequences() const {
  std::vector<uint64_t> out;
  for (const auto& [id, sent_at] : inflight_) {
    if (auto sent = sent_.find(id); sent != sent_.end()) {
      out.insert(out.end(), sent->second.sequences.begin(), sent->second.sequences.end());
    }
  }
  return out;
}

void Uplink::Rewind(const std::string& why, std::chrono::milliseconds delay) {
  ++stats_.rewinds;
  inflight_.clear();
  cursor_ = 0;
  spdlog::info("event=uplink_rewind reason=\"{}\" resume_in_ms={}", why, delay.count());
  if (delay.count() == 0) {
    paused_ = false;
    Pump();
    return;
  }
  paused_ = true;
  resume_timer_.expires_after(delay);
  resume_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->paused_ = false;
      self->Pump();
    }
  });
}

void Uplink::Pump() {
  if (stopped_ || paused_ || !tunnel_.connected()) return;
  while (inflight_.size() + acked_waiting_.size() + removals_pending_ < options_.inflight_batches) {
    // Nothing piles up in memory behind a slow link: with the tunnel's own
    // queue full, the next batch waits in the outbox for the drain.
    if (tunnel_.SendQueueFull()) {
      ++stats_.send_queue_waits;
      return;
    }
    auto records = outbox_.ReadAfter(cursor_, options_.batch_max_events, options_.batch_max_bytes);
    if (!records.ok()) {
      spdlog::error("event=outbox_read_failed error=\"{}\"", records.status().ToString());
      return;
    }
    if (records->empty()) return;
    std::vector<wire::StoredEvent> events;
    std::vector<std::string> stand_ins;  // owns what `events` points to for corrupt records
    stand_ins.reserve(records->size());
    std::vector<uint64_t> sequences;
    sequences.reserve(records->size());
    events.reserve(records->size());
    for (const auto& r : *records) {
      if (!r.corrupt.empty()) {
        stand_ins.push_back(CorruptRecordEvent(r));
        events.push_back({r.seq, stand_ins.back()});
      } else {
        events.push_back({r.seq, r.data});
      }
      sequences.push_back(r.seq);
    }
    const uint64_t batch_id = next_batch_id_++;
    std::string bytes = wire::EncodeBatch(options_.agent_id, batch_id, events, options_.encoding);
    // A tunnel that refuses at once (its queue cannot take the batch) has
    // sent nothing: the batch stays unsent, to go after the drain.
    auto refused = std::make_shared<bool>(false);
    tunnel_.Publish(events_topic_, std::move(bytes), [refused](const Status& s) {
      if (s.code() == StatusCode::kResourceExhausted) *refused = true;
    });
    if (*refused) {
      ++stats_.send_queue_waits;
      return;
    }
    cursor_ = records->back().seq;
    highest_published_ = std::max(highest_published_, cursor_);
    sent_[batch_id] = SentBatch{std::move(sequences), NowUnixMs()};
    // Batch ids only grow: the oldest entries are for batches never acked.
    while (sent_.size() > 4 * options_.inflight_batches + 64) sent_.erase(sent_.begin());
    inflight_.emplace(batch_id, std::chrono::steady_clock::now());
    ++stats_.batches_sent;
  }
}

void Uplink::ArmWatchdog() {
  watchdog_.expires_after(std::chrono::seconds(1));
  watchdog_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    auto now = std::chrono::steady_clock::now();
    // Batches still queued in the tunnel (a slow link) have not left yet:
    // their ack clock starts once the queue is out.
    if (self->tunnel_.SendPending()) {
      for (auto& [id, sent_at] : self->inflight_) sent_at = now;
    }
    for (const auto& [id, sent_at] : self->inflight_) {
      if (now - sent_at > self->options_.ack_timeout) {
        self->Rewind("no ack for batch " + std::to_string(id) + " within " +
                         std::to_string(self->options_.ack_timeout.count()) + " ms",
                     std::chrono::milliseconds(0));
        break;
      }
    }
    // Also catches events appended while nothing woke the pump.
    self->Pump();
    self->ArmWatchdog();
  });
}

void Uplink::SendHeartbeat() {
  if (stopped_) return;
  if (tunnel_.connected()) {
    ferry::v1::Heartbeat hb;
    auto q = outbox_.Stats();
    hb.set_agent_id(options_.agent_id);
    hb.set_unix_ms(NowUnixMs());
    hb.set_outbox_depth(q.depth);
    hb.set_outbox_bytes(q.bytes);
    hb.set_oldest_age_ms(q.oldest_enqueued_unix_ms ? NowUnixMs() - q.oldest_enqueued_unix_ms : 0);
    hb.set_acked_total(stats_.events_acked);
    hb.set_certificate_not_after_unix_ms(options_.certificate_not_after_unix_ms);
    hb.set_interval_ms(options_.heartbeat_interval.count());
    hb.set_version(app::Version());
    hb.mutable_labels()->insert(options_.labels.begin(), options_.labels.end());
    if (flow_status_) *hb.mutable_flows() = flow_status_();
    tunnel_.Publish(heartbeat_topic_, hb.SerializeAsString(), nullptr);
  }
  heartbeat_timer_.expires_after(options_.heartbeat_interval);
  heartbeat_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->SendHeartbeat();
  });
}

}  // namespace ferry::agent
