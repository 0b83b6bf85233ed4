#include "controlplane/ingest/ingest.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/wire/batch_codec.h"

namespace ferry::controlplane {

namespace {

std::string SequenceKey(const std::string& agent_id) { return "ingest." + agent_id + ".last_seq"; }

}  // namespace

Ingest::Ingest(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::Store& store,
               store::DurableQueue& queue)
    : executor_(executor), tunnel_(tunnel), store_(store), queue_(queue) {}

uint64_t Ingest::LastStoredSequence(const std::string& agent_id) {
  auto it = last_sequence_.find(agent_id);
  if (it != last_sequence_.end()) return it->second;
  uint64_t last = 0;
  store::ReadTxn read = store_.BeginRead();
  if (read.ok()) {
    std::string key = SequenceKey(agent_id);
    MDB_val k = store::ToVal(key), v;
    if (mdb_get(read.txn(), store_.Db("meta"), &k, &v) == MDB_SUCCESS && v.mv_size == 8) {
      last = store::DecodeU64Key(store::FromVal(v));
    }
  }
  last_sequence_[agent_id] = last;
  return last;
}

void Ingest::Refuse(const std::string& agent_id, uint64_t batch_id, const std::string& reason) {
  ferry::v1::Ack nack;
  nack.set_agent_id(agent_id);
  nack.set_batch_id(batch_id);
  nack.set_accepted(false);
  nack.set_reason(reason);
  tunnel_.Publish(transport::topics::DownAcks(agent_id), nack.SerializeAsString(), nullptr);
}

void Ingest::OnMessage(const std::string& topic, std::string payload) {
  auto parsed = transport::topics::Parse(topic);
  if (!parsed || !transport::topics::IsValidAgentId(parsed->agent_id)) {
    spdlog::warn("event=ingest_unknown_topic topic={}", topic);
    return;
  }
  if (parsed->channel == "up/events")
    OnBatch(parsed->agent_id, payload);
  else if (parsed->channel == "up/heartbeat")
    OnHeartbeat(parsed->agent_id, payload);
  else
    spdlog::debug("event=ingest_ignored topic={}", topic);
}

void Ingest::OnHeartbeat(const std::string& agent_id, const std::string& payload) {
  auto& seen = agents_[agent_id];
  seen.last_seen_unix_ms = NowUnixMs();
  if (!seen.heartbeat.ParseFromString(payload)) {
    spdlog::warn("event=bad_heartbeat agent_id={}", agent_id);
    return;
  }
  if (on_heartbeat_) on_heartbeat_(agent_id, seen.heartbeat);
}

void Ingest::OnBatch(const std::string& agent_id, const std::string& payload) {
  auto batch = wire::DecodeBatch(payload);
  if (!batch.ok()) {
    ++batches_rejected_;
    spdlog::error("event=ingest_bad_batch agent_id={} error=\"{}\"", agent_id, batch.status().message());
    return;
  }
  if (batch->agent_id() != agent_id) {
    // An agent may only publish for itself (broker ACLs enforce the topic).
    ++batches_rejected_;
    spdlog::error("event=ingest_agent_mismatch topic_agent={} batch_agent={}", agent_id, batch->agent_id());
    return;
  }
  if (batch->events_size() == 0) return;
  const uint64_t first = batch->events(0).agent_sequence();
  const uint64_t last_in_batch = batch->events(batch->events_size() - 1).agent_sequence();
  const uint64_t last_stored = LastStoredSequence(agent_id);
  if (last_stored != 0 && first > last_stored + 1) {
    spdlog::warn("event=ingest_gap agent_id={} batch_id={} first_seq={} last_stored_seq={}", agent_id,
                 batch->batch_id(), first, last_stored);
    Refuse(agent_id, batch->batch_id(),
           "sequence gap: stored up to " + std::to_string(last_stored) + ", batch starts at " + std::to_string(first) +
               "; resend from the oldest unacknowledged event");
    return;
  }
  auto items = std::make_shared<std::vector<store::AppendItem>>();
  items->reserve(batch->events_size());
  ferry::v1::Ack ack;
  ack.set_agent_id(agent_id);
  ack.set_batch_id(batch->batch_id());
  for (auto& event : *batch->mutable_events()) {
    event.set_agent_id(agent_id);
    ack.add_agent_sequences(event.agent_sequence());
    items->push_back({event.SerializeAsString(), agent_id + "/" + event.event_id()});
  }
  store::DurableQueue::EncodeItems(*items);  // compress here, not on the writer thread
  const uint64_t new_last = std::max(last_stored, last_in_batch);
  last_sequence_[agent_id] = new_last;
  agents_[agent_id].last_seen_unix_ms = NowUnixMs();
  const size_t count = items->size();
  store_.Write(
      [this, items, agent_id, new_last](store::WriteTxn& txn) {
        store::AppendOutcome out;
        Status s = queue_.AppendInTxn(txn, *items, out);
        if (!s.ok()) return s;
        std::string key = SequenceKey(agent_id), value = store::EncodeU64Key(new_last);
        MDB_val k = store::ToVal(key), v = store::ToVal(value);
        return store::LmdbStatus(mdb_put(txn.txn(), store_.Db("meta"), &k, &v, 0), "write last agent sequence");
      },
      [this, ack = std::move(ack), agent_id, count](const Status& status) mutable {
        if (status.ok())
          queue_.NotifyAppended();
        else
          queue_.Resync();
        boost::asio::post(executor_, [this, ack = std::move(ack), agent_id, count, status]() mutable {
          ack.set_accepted(status.ok());
          if (status.ok()) {
            agents_[agent_id].events_ingested += count;
          } else {
            // Forget the optimistic position: the store has the truth.
            last_sequence_.erase(agent_id);
            ack.set_reason(status.message());
            spdlog::warn("event=ingest_refused agent_id={} batch_id={} reason=\"{}\"", agent_id, ack.batch_id(),
                         status.message());
          }
          tunnel_.Publish(transport::topics::DownAcks(agent_id), ack.SerializeAsString(), nullptr);
        });
      });
}

}  // namespace ferry::controlplane
