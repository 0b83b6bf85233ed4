#include "controlplane/down/down_record_reads.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <set>

#include "common/http/await_callback.h"
#include "common/util/clock.h"
#include "common/util/ids.h"
#include "common/util/utf8.h"
#include "common/wire/down_command.h"
#include "controlplane/down/inbound_record.h"

namespace ferry::controlplane {
namespace {

constexpr std::chrono::milliseconds kIdle{5000};  // a look even without a poke
constexpr size_t kScanPageRecords = 1000;
constexpr size_t kScanPageBytes = 8 << 20;
constexpr size_t kMaxReasonBytes = 4096;
constexpr int64_t kGiveUpAfterMs = 24LL * 3600 * 1000;  // as long as Salesforce itself sends an Outbound Message

std::string KeyOf(const ferry::v1::DownCommand& command) { return command.channel() + "|" + command.record_id(); }

}  // namespace

DownRecordReads::DownRecordReads(boost::asio::any_io_executor executor, store::Store& store, store::DurableQueue& down,
                                 store::DurableQueue& dead_letters, const InboundOptions& inbound,
                                 ConnectorFor connectors, OnDeadLetter on_dead_letter)
    : executor_(executor),
      store_(store),
      down_(down),
      dead_letters_(dead_letters),
      inbound_(inbound),
      connectors_(std::move(connectors)),
      on_dead_letter_(std::move(on_dead_letter)),
      pause_(executor) {}

void DownRecordReads::Start() {
  boost::asio::co_spawn(
      executor_, [self = shared_from_this()]() { return self->Run(); }, boost::asio::detached);
}

// Called on the executor's thread (the control plane's shutdown), or once
// it has stopped: the wait is ended here and now, not by a posted handler
// that might never run. A coroutine left waiting on the timer when the
// io_context is destroyed would destroy this object, and its timer, from
// inside the timer queue's own shutdown.
void DownRecordReads::Stop() { pause_.Stop(); }

void DownRecordReads::Poke() {
  boost::asio::post(executor_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->pause_.Wake();
  });
}

std::optional<DownRecordReads::Waiting> DownRecordReads::Next(
    std::chrono::steady_clock::time_point now, std::optional<std::chrono::steady_clock::time_point>& earliest) const {
  std::set<std::string> held;  // records whose earliest partial command is not due yet
  uint64_t after = 0;
  while (true) {
    Result<std::vector<store::QueueRecord>> page = down_.ReadAfter(after, kScanPageRecords, kScanPageBytes);
    if (!page.ok() || page->empty()) return std::nullopt;
    for (const store::QueueRecord& record : *page) {
      after = record.seq;
      Waiting waiting{record.seq, {}};
      // One that does not parse is DownCommands' to report.
      if (!record.corrupt.empty() || !waiting.command.ParseFromString(record.data)) continue;
      if (!waiting.command.read_first()) continue;
      std::string key = KeyOf(waiting.command);
      if (held.count(key)) continue;  // its record's earlier command goes first
      if (auto it = attempts_.find(record.seq); it != attempts_.end() && it->second.next_try > now) {
        held.insert(std::move(key));
        if (!earliest || it->second.next_try < *earliest) earliest = it->second.next_try;
        continue;
      }
      return waiting;
    }
  }
}

boost::asio::awaitable<void> DownRecordReads::Run() {
  while (!pause_.stopped()) {
    const auto now = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> earliest;
    std::optional<Waiting> waiting = Next(now, earliest);
    if (!waiting) {
      auto wait = kIdle;
      if (earliest) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*earliest - now) +
                                  std::chrono::milliseconds(1));
      }
      if (!co_await pause_.For(wait)) co_return;
      continue;
    }
    Attempts& attempts = attempts_[waiting->seq];
    if (attempts.count++ == 0) attempts.first_unix_ms = NowUnixMs();
    const ferry::v1::DownCommand& command = waiting->command;
    const ConfiguredChannel* channel = inbound_.Find(command.channel());
    const std::string query = channel ? channel->channel->ReadQuery(command.object()) : "";
    Connector* connector = connectors_(command.crm());
    RecordRead read;
    if (channel == nullptr) {
      read = RecordRead::Rejected("its channel '" + command.channel() + "' is no longer configured");
    } else if (query.empty()) {
      read = RecordRead::Rejected("channel " + command.channel() + " has no read query for " + command.object());
    } else if (connector == nullptr || !connector->can_read()) {
      read = RecordRead::Rejected("no connector '" + command.crm() + "' that reads records");
    } else {
      read = co_await connector->Read(command.object(), command.record_id(), query);
    }
    if (pause_.stopped()) co_return;
    if (read.kind == RecordRead::Kind::kFound) {
      // The whole record passes the checks every inbound record passes,
      // and is no larger than an agent runs.
      Result<InboundRecord> checked = ReadInboundRecord(command.object(), command.record_id(), read.record_json);
      if (!checked.ok()) {
        read = RecordRead::Rejected("the record read: " + std::string(checked.status().message()));
      } else if (read.record_json.size() > wire::kMaxDownRecordBytes) {
        read = RecordRead::Rejected("the record read is " + std::to_string(read.record_json.size()) +
                                    " bytes, over the 8 MiB an agent runs");
      }
    }
    if (read.kind == RecordRead::Kind::kRetry && NowUnixMs() - attempts.first_unix_ms > kGiveUpAfterMs) {
      read = RecordRead::Rejected("no answer for 24 hours (" + std::to_string(attempts.count) +
                                  " reads); the last: " + read.reason);
    }
    Status written = Status::Ok();
    switch (read.kind) {
      case RecordRead::Kind::kFound:
        written = co_await Complete(*waiting, std::move(read.record_json));
        if (written.ok()) {
          ++stats_.read_total;
          Trace(command.command_id(), "read", "whole, from " + command.crm());
          spdlog::info("event=down_record_read command_id={} object={} record_id={}", command.command_id(),
                       EscapeForLog(command.object()), EscapeForLog(command.record_id()));
        }
        break;
      case RecordRead::Kind::kRejected:
        written = co_await DeadLetter(*waiting, read.reason, attempts.count);
        if (written.ok()) {
          ++stats_.dead_lettered_total;
          Trace(command.command_id(), "dead_lettered", read.reason);
          spdlog::warn("event=down_read_refused command_id={} record_id={} reason=\"{}\"", command.command_id(),
                       EscapeForLog(command.record_id()), EscapeForLog(read.reason));
        }
        break;
      case RecordRead::Kind::kRetry: {
        ++stats_.retries_total;
        // This record waits; the others are read meanwhile. A pause the CRM
        // asked for holds every read: it is the CRM's, not the record's.
        const auto wait = read.retry_after.value_or(attempts.backoff.Next());
        attempts.next_try = std::chrono::steady_clock::now() + wait;
        spdlog::warn("event=down_read_retry command_id={} wait_ms={} reason=\"{}\"", command.command_id(), wait.count(),
                     EscapeForLog(read.reason));
        // "attempt": what gives way when a long wait fills the trace.
        Trace(command.command_id(), "attempt", "reading from " + command.crm() + ": " + read.reason);
        if (read.retry_after && !co_await pause_.For(*read.retry_after)) co_return;
        continue;
      }
    }
    if (written.ok()) {
      attempts_.erase(waiting->seq);
    } else {
      spdlog::warn("event=down_read_not_stored command_id={} reason=\"{}\"", command.command_id(), written.message());
      attempts.next_try = std::chrono::steady_clock::now() + attempts.backoff.Next();
    }
  }
}

void DownRecordReads::Trace(const std::string& command_id, const char* step, const std::string& detail) {
  if (trace_) trace_->NoteStep(command_id, step, detail);
}

boost::asio::awaitable<Status> DownRecordReads::Complete(const Waiting& waiting, std::string record_json) {
  ferry::v1::DownCommand whole = waiting.command;
  whole.set_record_json(std::move(record_json));
  whole.set_read_first(false);
  // Named locals: g++ 12 mis-destroys temporaries of a co_await expression.
  std::string data = whole.SerializeAsString();
  Status status = co_await MoveTo(waiting.seq, down_, std::move(data));
  co_return status;
}

boost::asio::awaitable<Status> DownRecordReads::DeadLetter(const Waiting& waiting, const std::string& reason,
                                                           uint32_t attempts) {
  const ferry::v1::DownCommand& command = waiting.command;
  const int64_t now = NowUnixMs();
  ferry::v1::DeadLetter dead;
  ferry::v1::Event& e = *dead.mutable_event();
  e.set_event_id(command.command_id());  // its trace is the command's
  e.set_source("down");
  e.set_received_unix_ms(now);
  e.set_business_key(wire::DownBusinessKey(command.channel(), command.record_id()));
  e.set_content_type(wire::kDownCommandContentType);
  e.set_payload(command.SerializeAsString());
  e.set_mapping_error(Utf8Prefix(reason, kMaxReasonBytes));  // a string field: UTF-8, cut between characters
  dead.set_connector(command.crm());
  dead.set_reason(Utf8Prefix(reason, kMaxReasonBytes));
  dead.set_attempts(attempts);
  dead.set_unix_ms(now);
  std::string data = dead.SerializeAsString();
  Status status = co_await MoveTo(waiting.seq, dead_letters_, std::move(data));
  if (status.ok() && on_dead_letter_) on_dead_letter_(now);
  co_return status;
}

boost::asio::awaitable<Status> DownRecordReads::MoveTo(uint64_t seq, store::DurableQueue& into, std::string data) {
  std::vector<store::AppendItem> items(1);
  items[0].data = std::move(data);
  store::DurableQueue::EncodeItems(items);
  Status status = co_await http::AwaitCallback<Status>([&](std::function<void(Status)> resolve) {
    store_.Write(
        [this, seq, &into, items = std::move(items)](store::WriteTxn& txn) {
          // Gone meanwhile (an operator's doing): nothing to replace.
          if (auto here = store::DurableQueue::GetInTxn(txn.txn(), down_.records_db(), seq); !here.ok()) {
            return here.status();
          }
          // The removal first, so a full queue still takes the replacement.
          if (Status s = down_.RemoveInTxn(txn, {seq}); !s.ok()) return s;
          store::AppendOutcome out;
          return into.AppendInTxn(txn, items, out);
        },
        [resolve](const Status& s) { resolve(s); });
  });
  if (status.ok()) {
    into.NotifyAppended();
  } else {
    into.Resync();
    down_.Resync();
  }
  co_return status;
}

}  // namespace ferry::controlplane
