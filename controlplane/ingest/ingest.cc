#include "controlplane/ingest/ingest.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/util/utf8.h"
#include "common/wire/batch_codec.h"

namespace ferry::controlplane {

namespace {

// Where stores written before ingest had a database of its own kept the
// position: read when `ingest.positions` has none, deleted when it is written.
std::string LegacyMetaKey(const std::string& agent_id) { return "ingest." + agent_id + ".last_seq"; }

Status DecodePosition(const MDB_val& v, const std::string& where, uint64_t& last) {
  if (v.mv_size != 8) return Status::DataLoss("last agent sequence is corrupt (" + where + ")");
  last = store::DecodeU64Key(store::FromVal(v));
  return Status::Ok();
}

}  // namespace

Ingest::Ingest(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::Store& store,
               store::DurableQueue& queue)
    : executor_(executor), tunnel_(tunnel), store_(store), queue_(queue) {}

void Ingest::Refuse(const std::string& agent_id, uint64_t batch_id, const std::string& reason) {
  ferry::v1::Ack nack;
  nack.set_agent_id(agent_id);
  nack.set_batch_id(batch_id);
  nack.set_accepted(false);
  nack.set_reason(reason);
  tunnel_.Publish(transport::topics::DownAcks(agent_id), nack.SerializeAsString(), nullptr);
}

void Ingest::Route(transport::Dispatcher& dispatcher) {
  dispatcher.Route("up/events",
                   [this](const std::string& agent_id, std::string payload) { OnBatch(agent_id, payload); });
  dispatcher.Route("up/heartbeat",
                   [this](const std::string& agent_id, std::string payload) { OnHeartbeat(agent_id, payload); });
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
  auto frames = wire::DecodeBatchFrames(payload, limits_);
  if (!frames.ok()) {
    ++batches_rejected_;
    spdlog::error("event=ingest_bad_batch agent_id={} error=\"{}\"", agent_id, frames.status().message());
    return;
  }
  if (frames->agent_id != agent_id) {
    // An agent may only publish for itself (broker ACLs enforce the topic).
    ++batches_rejected_;
    spdlog::error("event=ingest_agent_mismatch topic_agent={} batch_agent={}", agent_id, frames->agent_id);
    return;
  }
  auto decoded = wire::DecodeEvents(*frames);
  if (!decoded.ok()) {
    ++batches_rejected_;
    spdlog::error("event=ingest_bad_batch agent_id={} batch_id={} error=\"{}\"", agent_id, frames->batch_id,
                  decoded.status().message());
    Refuse(agent_id, frames->batch_id, "malformed batch: " + decoded.status().message());
    return;
  }
  if (decoded->empty()) return;
  const uint64_t first = decoded->front().event.agent_sequence();
  const uint64_t last_in_batch = decoded->back().event.agent_sequence();
  auto items = std::make_shared<std::vector<store::AppendItem>>();
  items->reserve(decoded->size());
  auto traces = std::make_shared<std::vector<ferry::v1::EventTrace>>();
  // Per event: the down command it answers, and the step it adds to its trace.
  auto answers = std::make_shared<std::vector<std::pair<std::string, std::optional<ferry::v1::TraceStep>>>>();
  const int64_t stored_unix_ms = NowUnixMs();
  ferry::v1::Ack ack;
  ack.set_agent_id(agent_id);
  ack.set_batch_id(frames->batch_id);
  for (wire::DecodedEvent& d : *decoded) {
    if (!d.error.empty()) {
      // Stored like any event and dead-lettered by delivery in its key's
      // order, with the reason: it must not hold up the agent's outbox.
      spdlog::error("event=ingest_undecodable_event agent_id={} batch_id={} seq={} error=\"{}\"", agent_id,
                    frames->batch_id, d.event.agent_sequence(), d.error);
    }
    d.event.set_agent_id(agent_id);
    ack.add_agent_sequences(d.event.agent_sequence());
    items->push_back({d.event.SerializeAsString(), agent_id + "/" + d.event.event_id()});
    if (trace_) {
      traces->push_back(EventTraceLog::Begin(d.event, frames->sent_unix_ms, stored_unix_ms));
      answers->emplace_back(d.event.raw_event_id(), EventTraceLog::DownAnswer(d.event, stored_unix_ms));
    }
  }
  store::DurableQueue::EncodeItems(*items);  // compress here, not on the writer thread
  agents_[agent_id].last_seen_unix_ms = NowUnixMs();
  const size_t count = items->size();
  store_.Write(
      [this, items, traces, answers, agent_id, first, last_in_batch](store::WriteTxn& txn) {
        // The gap check reads the position this very transaction would
        // extend: a batch refused before (queue full) leaves it where the
        // last stored one ended, so every later batch of that agent is
        // refused too until the agent resends from there. Checking against
        // a position advanced before the commit let a small later batch in
        // ahead of a refused larger one.
        uint64_t last_stored = 0;
        Status read = ReadPosition(txn, agent_id, last_stored);
        if (!read.ok()) return read;
        // An agent this store has no position for yet (new, or the store
        // was replaced) may start anywhere, except past a batch of its
        // that was refused.
        const auto refused = refused_from_.find(agent_id);
        const bool past_refused = refused != refused_from_.end() && first > refused->second;
        if (past_refused || (last_stored != 0 && first > last_stored && first - last_stored > 1)) {
          return Status::FailedPrecondition("sequence gap: stored up to " + std::to_string(last_stored) +
                                            ", batch starts at " + std::to_string(first) +
                                            "; resend from the oldest unacknowledged event");
        }
        store::AppendOutcome out;
        Status s = queue_.AppendInTxn(txn, *items, out);
        if (s.ok()) s = WritePosition(txn, agent_id, std::max(last_stored, last_in_batch));
        if (!s.ok()) {
          refused_from_[agent_id] = refused == refused_from_.end() ? first : std::min(refused->second, first);
          return s;
        }
        if (refused != refused_from_.end()) refused_from_.erase(refused);
        for (size_t i = 0; i < traces->size(); ++i) {
          if (i < out.duplicate.size() && out.duplicate[i]) continue;  // sent again: traced the first time
          const ferry::v1::EventTrace& trace = (*traces)[i];
          if (Status t = trace_->Put(txn.txn(), trace); !t.ok()) return t;
          // What an agent sends about a CRM record on its way down is a
          // step of that record's own trace too.
          if (const auto& [command_id, step] = (*answers)[i]; step) {
            // Informational: a trace that cannot take the step never
            // refuses the agent's batch.
            if (Status t = trace_->AddDownStep(txn.txn(), command_id, *step, agent_id); !t.ok()) {
              spdlog::warn("event=trace_step_not_kept command_id={} reason=\"{}\"", EscapeForLog(command_id),
                           EscapeForLog(t.message()));
            }
          }
        }
        return Status::Ok();
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
            ack.clear_agent_sequences();
            ack.set_reason(status.message());
            spdlog::warn("event=ingest_refused agent_id={} batch_id={} reason=\"{}\"", agent_id, ack.batch_id(),
                         status.message());
          }
          tunnel_.Publish(transport::topics::DownAcks(agent_id), ack.SerializeAsString(), nullptr);
        });
      });
}

Status Ingest::ReadPosition(store::WriteTxn& txn, const std::string& agent_id, uint64_t& last) {
  MDB_val k = store::ToVal(agent_id), v;
  int rc = mdb_get(txn.txn(), store_.Db(kDb), &k, &v);
  if (rc == MDB_SUCCESS) return DecodePosition(v, std::string(kDb) + "/" + agent_id, last);
  if (rc != MDB_NOTFOUND) return store::LmdbStatus(rc, "read last agent sequence");
  const std::string legacy = LegacyMetaKey(agent_id);
  k = store::ToVal(legacy);
  rc = mdb_get(txn.txn(), store_.Db("meta"), &k, &v);
  if (rc == MDB_NOTFOUND) return Status::Ok();
  if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "read last agent sequence");
  return DecodePosition(v, "meta/" + legacy, last);
}

Status Ingest::WritePosition(store::WriteTxn& txn, const std::string& agent_id, uint64_t last) {
  const std::string value = store::EncodeU64Key(last);
  MDB_val k = store::ToVal(agent_id), v = store::ToVal(value);
  if (int rc = mdb_put(txn.txn(), store_.Db(kDb), &k, &v, 0)) return store::LmdbStatus(rc, "write last agent sequence");
  const std::string legacy = LegacyMetaKey(agent_id);
  MDB_val legacy_key = store::ToVal(legacy);
  const int rc = mdb_del(txn.txn(), store_.Db("meta"), &legacy_key, nullptr);
  return rc == MDB_NOTFOUND ? Status::Ok() : store::LmdbStatus(rc, "move last agent sequence out of meta");
}

}  // namespace ferry::controlplane
