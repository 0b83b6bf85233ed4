#include "controlplane/ingest/ingest.h"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/wire/batch_codec.h"

namespace ferry::controlplane {

Ingest::Ingest(boost::asio::any_io_executor executor, transport::Tunnel& tunnel, store::DurableQueue& queue)
    : executor_(executor), tunnel_(tunnel), queue_(queue) {}

void Ingest::OnMessage(const std::string& topic, std::string payload) {
  auto parsed = transport::topics::Parse(topic);
  if (!parsed || !transport::topics::IsValidAgentId(parsed->agent_id)) {
    spdlog::warn("event=ingest_unknown_topic topic={}", topic);
    return;
  }
  if (parsed->channel == "up/events") OnBatch(parsed->agent_id, payload);
  else if (parsed->channel == "up/heartbeat") OnHeartbeat(parsed->agent_id, payload);
  else spdlog::debug("event=ingest_ignored topic={}", topic);
}

void Ingest::OnHeartbeat(const std::string& agent_id, const std::string& payload) {
  auto& seen = agents_[agent_id];
  seen.last_seen_unix_ms = NowUnixMs();
  if (!seen.heartbeat.ParseFromString(payload)) spdlog::warn("event=bad_heartbeat agent_id={}", agent_id);
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
  std::vector<store::AppendItem> items;
  items.reserve(batch->events_size());
  ferry::v1::Ack ack;
  ack.set_agent_id(agent_id);
  ack.set_batch_id(batch->batch_id());
  for (auto& event : *batch->mutable_events()) {
    event.set_agent_id(agent_id);
    ack.add_agent_sequences(event.agent_sequence());
    std::string key = agent_id + "/" + event.event_id();
    items.push_back({event.SerializeAsString(), std::move(key)});
  }
  auto& seen = agents_[agent_id];
  seen.last_seen_unix_ms = NowUnixMs();
  const size_t count = items.size();
  queue_.Append(std::move(items), [this, ack = std::move(ack), agent_id, count](store::AppendOutcome out) mutable {
    boost::asio::post(executor_, [this, ack = std::move(ack), agent_id, count, out = std::move(out)]() mutable {
      ack.set_accepted(out.status.ok());
      if (out.status.ok()) {
        agents_[agent_id].events_ingested += count;
      } else {
        ack.set_reason(out.status.message());
        spdlog::warn("event=ingest_refused agent_id={} batch_id={} reason=\"{}\"", agent_id, ack.batch_id(),
                     out.status.message());
      }
      tunnel_.Publish(transport::topics::DownAcks(agent_id), ack.SerializeAsString(), nullptr);
    });
  });
}

}  // namespace ferry::controlplane
