#include "controlplane/down/down_record_reads.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

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

}  // namespace

DownRecordReads::DownRecordReads(boost::asio::any_io_executor executor, store::DurableQueue& down,
                                 store::DurableQueue& dead_letters, const InboundOptions& inbound,
                                 ConnectorFor connectors, OnDeadLetter on_dead_letter)
    : executor_(executor),
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

void DownRecordReads::Stop() {
  boost::asio::post(executor_, [self = shared_from_this()] { self->pause_.Stop(); });
}

void DownRecordReads::Poke() {
  boost::asio::post(executor_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->pause_.Wake();
  });
}

std::optional<DownRecordReads::Waiting> DownRecordReads::Next() const {
  uint64_t after = 0;
  while (true) {
    Result<std::vector<store::QueueRecord>> page = down_.ReadAfter(after, kScanPageRecords, kScanPageBytes);
    if (!page.ok() || page->empty()) return std::nullopt;
    for (const store::QueueRecord& record : *page) {
      after = record.seq;
      Waiting waiting{record.seq, {}};
      // One that does not parse is DownCommands' to report.
      if (!record.corrupt.empty() || !waiting.command.ParseFromString(record.data)) continue;
      if (waiting.command.read_first()) return waiting;
    }
  }
}

boost::asio::awaitable<void> DownRecordReads::Run() {
  app::Backoff backoff;
  uint32_t attempts = 0;
  uint64_t attempted_seq = 0;
  while (!pause_.stopped()) {
    std::optional<Waiting> waiting = Next();
    if (!waiting) {
      if (!co_await pause_.For(kIdle)) co_return;
      continue;
    }
    if (waiting->seq != attempted_seq) {
      attempted_seq = waiting->seq;
      attempts = 0;
      backoff.Reset();
    }
    ++attempts;
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
    if (read.kind == RecordRead::Kind::kFound) {
      // The whole record passes the checks every inbound record passes.
      Result<InboundRecord> checked = ReadInboundRecord(command.object(), command.record_id(), read.record_json);
      if (!checked.ok()) read = RecordRead::Rejected("the record read: " + std::string(checked.status().message()));
    }
    Status written = Status::Ok();
    switch (read.kind) {
      case RecordRead::Kind::kFound:
        written = co_await Complete(*waiting, std::move(read.record_json));
        if (written.ok()) {
          ++stats_.read_total;
          backoff.Reset();
          spdlog::info("event=down_record_read command_id={} object={} record_id={}", command.command_id(),
                       EscapeForLog(command.object()), EscapeForLog(command.record_id()));
        }
        break;
      case RecordRead::Kind::kRejected:
        written = co_await DeadLetter(*waiting, read.reason, attempts);
        if (written.ok()) {
          ++stats_.dead_lettered_total;
          spdlog::warn("event=down_read_refused command_id={} record_id={} reason=\"{}\"", command.command_id(),
                       EscapeForLog(command.record_id()), EscapeForLog(read.reason));
        }
        break;
      case RecordRead::Kind::kRetry: {
        ++stats_.retries_total;
        const auto wait = read.retry_after.value_or(backoff.Next());
        spdlog::warn("event=down_read_retry command_id={} wait_ms={} reason=\"{}\"", command.command_id(), wait.count(),
                     EscapeForLog(read.reason));
        if (!co_await pause_.For(wait)) co_return;
        continue;
      }
    }
    if (!written.ok()) {
      spdlog::warn("event=down_read_not_stored command_id={} reason=\"{}\"", command.command_id(), written.message());
      if (!co_await pause_.For(backoff.Next())) co_return;
    }
  }
}

boost::asio::awaitable<Status> DownRecordReads::Complete(const Waiting& waiting, std::string record_json) {
  ferry::v1::DownCommand whole = waiting.command;
  whole.set_record_json(std::move(record_json));
  whole.set_read_first(false);
  std::vector<store::AppendItem> items(1);
  items[0].data = whole.SerializeAsString();
  const uint64_t seq = waiting.seq;
  store::DurableQueue& down = down_;
  store::AppendOutcome out =
      co_await http::AwaitCallback<store::AppendOutcome>([&](std::function<void(store::AppendOutcome)> resolve) {
        down_.Append(std::move(items), std::move(resolve),
                     [&down, seq](store::WriteTxn& txn) { return down.RemoveInTxn(txn, {seq}); });
      });
  if (!out.status.ok()) down_.Resync();
  co_return out.status;
}

boost::asio::awaitable<Status> DownRecordReads::DeadLetter(const Waiting& waiting, const std::string& reason,
                                                           uint32_t attempts) {
  const ferry::v1::DownCommand& command = waiting.command;
  const int64_t now = NowUnixMs();
  ferry::v1::DeadLetter dead;
  ferry::v1::Event& e = *dead.mutable_event();
  e.set_event_id(NewEventId());
  e.set_source("down");
  e.set_received_unix_ms(now);
  e.set_business_key("down|" + command.channel() + "|" + command.record_id());
  e.set_content_type(wire::kDownCommandContentType);
  e.set_payload(command.SerializeAsString());
  e.set_mapping_error(reason.substr(0, kMaxReasonBytes));
  dead.set_connector(command.crm());
  dead.set_reason(reason.substr(0, kMaxReasonBytes));
  dead.set_attempts(attempts);
  dead.set_unix_ms(now);
  std::vector<store::AppendItem> items(1);
  items[0].data = dead.SerializeAsString();
  const uint64_t seq = waiting.seq;
  store::DurableQueue& down = down_;
  store::AppendOutcome out =
      co_await http::AwaitCallback<store::AppendOutcome>([&](std::function<void(store::AppendOutcome)> resolve) {
        dead_letters_.Append(std::move(items), std::move(resolve),
                             [&down, seq](store::WriteTxn& txn) { return down.RemoveInTxn(txn, {seq}); });
      });
  if (!out.status.ok()) {
    dead_letters_.Resync();
    down_.Resync();
  } else if (on_dead_letter_) {
    on_dead_letter_(now);
  }
  co_return out.status;
}

}  // namespace ferry::controlplane
