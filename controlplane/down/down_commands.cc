#include "controlplane/down/down_commands.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <set>

#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/util/ids.h"
#include "common/util/utf8.h"

namespace ferry::controlplane {
namespace {

constexpr size_t kMaxAckBytes = 1 << 20;
constexpr size_t kPageRecords = 1000;
constexpr size_t kPageBytes = 8 << 20;

bool Serves(const RoutableAgent& agent, const std::map<std::string, std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& kv) {
    auto it = agent.labels.find(kv.first);
    return it != agent.labels.end() && it->second == kv.second;
  });
}

}  // namespace

DownCommands::DownCommands(boost::asio::any_io_executor executor, store::Store& store, store::DurableQueue& queue,
                           transport::Tunnel& tunnel, const InboundOptions& inbound, DownOptions options,
                           AgentsFn agents)
    : executor_(executor),
      store_(store),
      queue_(queue),
      tunnel_(tunnel),
      inbound_(inbound),
      options_(options),
      agents_(std::move(agents)),
      timer_(executor) {}

void DownCommands::Accept(const InboundChannelOptions& channel, InboundNotification notification,
                          std::function<void(Result<std::vector<std::string>>)> done,
                          std::function<Status(store::WriteTxn&, const store::AppendOutcome&)> also) {
  std::vector<InboundRecord>& records = notification.records;
  const std::string& delivery_id = notification.delivery_id;
  std::vector<store::AppendItem> items;
  std::vector<std::string> ids;
  std::vector<ferry::v1::EventTrace> traces;
  const int64_t now = NowUnixMs();
  for (size_t i = 0; i < records.size(); ++i) {
    ferry::v1::DownCommand command;
    command.set_command_id(NewEventId());
    command.set_channel(channel.name);
    command.set_crm(channel.crm);
    command.set_object(std::move(records[i].object));
    command.set_record_id(std::move(records[i].record_id));
    command.set_record_json(std::move(records[i].record_json));
    command.set_received_unix_ms(now);
    command.set_read_first(notification.read_first);
    ids.push_back(command.command_id());
    if (trace_) traces.push_back(EventTraceLog::BeginDown(command, now));
    store::AppendItem item;
    item.data = command.SerializeAsString();
    if (!records[i].delivery_id.empty()) {
      item.idempotency_key = "down|" + channel.name + "|" + records[i].delivery_id;
    } else if (!delivery_id.empty()) {
      item.idempotency_key = "down|" + channel.name + "|" + delivery_id + "|" + std::to_string(i);
    }
    items.push_back(std::move(item));
  }
  auto self = shared_from_this();
  store::DurableQueue::EncodeItems(items);
  auto out = std::make_shared<store::AppendOutcome>();
  // The commands and their traces in one transaction: a command sent again
  // under its delivery id is neither stored nor traced twice.
  auto write = [self, out, items = std::move(items), traces = std::move(traces),
                also = std::move(also)](store::WriteTxn& txn) {
    if (Status s = self->queue_.AppendInTxn(txn, items, *out); !s.ok()) return s;
    if (also) {
      if (Status s = also(txn, *out); !s.ok()) return s;
    }
    for (size_t i = 0; i < traces.size() && i < out->duplicate.size(); ++i) {
      if (out->duplicate[i]) continue;
      if (Status s = self->trace_->Put(txn.txn(), traces[i]); !s.ok()) return s;
    }
    return Status::Ok();
  };
  store_.Write(std::move(write), [self, out, ids = std::move(ids), done = std::move(done)](const Status& written) {
    out->status = written;
    if (written.ok()) {
      self->queue_.NotifyAppended();
    } else {
      self->queue_.Resync();
    }
    boost::asio::post(self->executor_, [self, ids, done, out = std::move(*out)]() mutable {
      if (!out.status.ok()) return done(out.status);
      std::vector<std::string> answer = ids;
      size_t fresh = 0;
      for (size_t i = 0; i < out.seqs.size() && i < answer.size(); ++i) {
        if (!out.duplicate[i]) {
          ++fresh;
          continue;
        }
        // Sent again: the ids of the first commit, while it is still here.
        answer[i].clear();
        if (Result<store::QueueRecord> earlier = self->queue_.Get(out.seqs[i]); earlier.ok()) {
          ferry::v1::DownCommand command;
          if (command.ParseFromString(earlier->data)) answer[i] = command.command_id();
        }
      }
      self->stats_.accepted_total += fresh;  // the queue's append notice has asked for a pass
      done(std::move(answer));
    });
  });
}

void DownCommands::Start() { Schedule(std::chrono::milliseconds(0)); }

void DownCommands::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void DownCommands::Poke() {
  if (pass_posted_.exchange(true)) return;
  boost::asio::post(executor_, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    self->pass_posted_ = false;
    if (!self->stopped_) self->Pass();
  });
}

void DownCommands::OnAgentHeard(const std::string& agent_id) {
  boost::asio::post(executor_, [weak = weak_from_this(), agent_id] {
    auto self = weak.lock();
    if (!self) return;
    bool any = false;
    for (auto& [seq, sent] : self->sent_) {
      if (sent.agent_id != agent_id) continue;
      sent.at = std::chrono::steady_clock::time_point{};
      any = true;
    }
    if (any) self->Poke();
  });
}

void DownCommands::OnReconnect() {
  boost::asio::post(executor_, [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    for (auto& [seq, sent] : self->sent_) sent.at = std::chrono::steady_clock::time_point{};
    self->Poke();
  });
}

void DownCommands::Schedule(std::chrono::milliseconds after) {
  if (stopped_) return;
  timer_.expires_after(after);
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->Pass();
    self->Schedule(self->options_.resend_after / 3);
  });
}

// One look at the whole queue, oldest first: each command not sent lately
// goes to the agent that serves its channel, in batches per agent.
void DownCommands::Pass() {
  const auto now = std::chrono::steady_clock::now();
  const int64_t now_ms = NowUnixMs();
  std::vector<RoutableAgent> agents = agents_();
  std::sort(agents.begin(), agents.end(), [](const auto& a, const auto& b) { return a.agent_id < b.agent_id; });
  std::map<std::string, std::string> route;  // channel -> agent, this pass
  auto agent_for = [&](const std::string& channel_name) -> std::string {
    if (auto it = route.find(channel_name); it != route.end()) return it->second;
    std::string chosen;
    if (const ConfiguredChannel* channel = inbound_.Find(channel_name)) {
      for (const RoutableAgent& a : agents) {
        if (now_ms - a.last_seen_unix_ms > options_.offline_after.count()) continue;
        if (!transport::topics::IsValidAgentId(a.agent_id) || !Serves(a, channel->options.agents)) continue;
        chosen = a.agent_id;
        break;
      }
    }
    route[channel_name] = chosen;
    return chosen;
  };
  std::map<std::string, ferry::v1::DownCommandBatch> batches;
  std::map<std::string, size_t> batch_bytes;
  auto flush = [&](const std::string& agent) {
    ferry::v1::DownCommandBatch& batch = batches[agent];
    if (batch.commands_size() == 0) return;
    stats_.sent_total += batch.commands_size();
    tunnel_.Publish(transport::topics::DownRequests(agent), batch.SerializeAsString(), nullptr);
    batch.Clear();
    batch_bytes[agent] = 0;
  };
  uint64_t unrouted = 0, unread = 0;
  std::set<uint64_t> present;     // of the commands sent before, those still queued
  std::set<std::string> blocked;  // records with an earlier command in flight or waiting
  std::map<std::string, size_t> in_flight;
  uint64_t after = 0;
  while (true) {
    Result<std::vector<store::QueueRecord>> page = queue_.ReadAfter(after, kPageRecords, kPageBytes);
    if (!page.ok()) {
      spdlog::warn("event=down_read_failed reason=\"{}\"", page.status().message());
      break;
    }
    if (page->empty()) break;
    for (store::QueueRecord& record : *page) {
      after = record.seq;
      // Sent lately and not acknowledged yet: not read again, and it holds
      // back the later commands of its record.
      if (auto it = sent_.find(record.seq); it != sent_.end()) {
        present.insert(record.seq);
        if (now - it->second.at < options_.resend_after) {
          blocked.insert(it->second.key);
          ++in_flight[it->second.agent_id];
          continue;
        }
      }
      ferry::v1::DownCommand command;
      if (!record.corrupt.empty() || !command.ParseFromString(record.data)) {
        // Kept, not sent: a command that does not read is the operator's
        // to look at (ferry-controlplane down ls), never the agent's.
        spdlog::error("event=down_command_unreadable seq={} reason=\"{}\"", record.seq,
                      record.corrupt.empty() ? "does not parse" : record.corrupt);
        continue;
      }
      std::string key = command.channel() + "|" + command.record_id();
      if (!blocked.insert(key).second) continue;  // an earlier command of this record goes first
      if (command.read_first()) {
        ++unread;  // DownRecordReads completes it first; it holds back its record's later commands
        continue;
      }
      const std::string agent = agent_for(command.channel());
      if (agent.empty()) {
        ++unrouted;
        continue;
      }
      if (in_flight[agent] >= options_.max_in_flight) continue;
      ++in_flight[agent];
      command.set_sequence(record.seq);
      const size_t size = command.ByteSizeLong();
      if (batches[agent].commands_size() >= static_cast<int>(options_.max_batch) ||
          batch_bytes[agent] + size > options_.max_batch_bytes) {
        flush(agent);
      }
      seq_of_[command.command_id()] = record.seq;
      const bool again = sent_.count(record.seq) > 0;
      sent_[record.seq] = Sent{agent, now, std::move(key)};
      if (trace_) trace_->NoteStep(command.command_id(), "sent", (again ? "again to agent " : "to agent ") + agent);
      present.insert(record.seq);
      batch_bytes[agent] += size;
      *batches[agent].add_commands() = std::move(command);
    }
  }
  for (auto& [agent, batch] : batches) flush(agent);
  // Forget what is no longer queued (committed, or removed by an operator).
  for (auto it = sent_.begin(); it != sent_.end();) {
    it = present.count(it->first) ? std::next(it) : sent_.erase(it);
  }
  for (auto it = seq_of_.begin(); it != seq_of_.end();) {
    it = present.count(it->second) ? std::next(it) : seq_of_.erase(it);
  }
  stats_.unrouted = unrouted;
  stats_.unread = unread;
}

void DownCommands::OnAck(const std::string& agent_id, const std::string& payload) {
  ferry::v1::DownCommandAck ack;
  if (payload.size() > kMaxAckBytes || !ack.ParseFromString(payload)) {
    spdlog::warn("event=down_ack_malformed agent_id={} bytes={}", agent_id, payload.size());
    return;
  }
  if (!ack.accepted()) {
    // The agent keeps nothing it could not commit: sent again after resend_after.
    spdlog::warn("event=down_refused_by_agent agent_id={} commands={} reason=\"{}\"", agent_id, ack.command_ids_size(),
                 ack.reason().substr(0, 300));
    return;
  }
  std::vector<uint64_t> seqs;
  for (const std::string& id : ack.command_ids()) {
    auto it = seq_of_.find(id);
    if (it == seq_of_.end()) continue;  // an earlier ack, or a restart since: sent again and acked again
    auto sent = sent_.find(it->second);
    if (sent == sent_.end() || sent->second.agent_id != agent_id) {
      spdlog::warn("event=down_ack_from_other_agent agent_id={} command_id={}", agent_id, id);
      continue;
    }
    seqs.push_back(it->second);
    if (trace_)
      trace_->NoteStep(id, "committed_by_agent", "agent " + agent_id + " has it, and runs it into SAP", agent_id);
  }
  if (seqs.empty()) return;
  auto self = shared_from_this();
  const size_t count = seqs.size();
  queue_.Remove(seqs, [self, seqs, count, agent_id](Status s) {
    boost::asio::post(self->executor_, [self, s, seqs, count, agent_id] {
      if (!s.ok()) {
        spdlog::warn("event=down_remove_failed agent_id={} reason=\"{}\"", agent_id, s.message());
        return;
      }
      for (uint64_t seq : seqs) self->sent_.erase(seq);
      for (auto it = self->seq_of_.begin(); it != self->seq_of_.end();) {
        it = std::find(seqs.begin(), seqs.end(), it->second) != seqs.end() ? self->seq_of_.erase(it) : std::next(it);
      }
      self->stats_.committed_total += count;
      spdlog::info("event=down_committed_by_agent agent_id={} commands={}", agent_id, count);
      // A later command of the same records, or one held back by the
      // agent's in-flight limit, can go now.
      self->Poke();
    });
  });
}

DownStats DownCommands::Stats() const {
  DownStats out = stats_;
  out.depth = queue_.Stats().depth;
  return out;
}

}  // namespace ferry::controlplane
