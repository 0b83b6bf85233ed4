#include "agent/down/down_executor.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "common/doc/json_document.h"
#include "common/flows/json_text.h"
#include "common/http/await_callback.h"
#include "common/util/clock.h"
#include "common/util/ids.h"
#include "common/util/utf8.h"

namespace ferry::agent {
namespace {

namespace asio = boost::asio;
constexpr std::chrono::milliseconds kIdle{60000};
constexpr std::chrono::milliseconds kNoBundle{5000};
constexpr size_t kMaxRecordBytes = wire::kMaxDownRecordBytes;
constexpr size_t kMaxMessageBytes = 1000;

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

bool IsShortName(const std::string& s) {
  return !s.empty() && s.size() <= 128 && FindInvalidUtf8(s) == std::string::npos &&
         s.find_first_of(std::string_view("\0\r\n\"", 4)) == std::string::npos;
}

}  // namespace

struct DownExecutor::Outcome {
  std::vector<ferry::v1::Event> events;
};

DownExecutor::DownExecutor(asio::any_io_executor executor, store::Store& store, store::DurableQueue& down,
                           store::DurableQueue& outbox, const FlowStage& flows, SapTargets targets,
                           std::string agent_id)
    : executor_(executor),
      store_(store),
      down_(down),
      outbox_(outbox),
      flows_(flows),
      targets_(std::move(targets)),
      agent_id_(std::move(agent_id)),
      idle_(executor),
      pause_(executor) {}

void DownExecutor::Start() {
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void DownExecutor::Stop() {
  if (stopping_.exchange(true)) return;
  asio::post(executor_, [self = shared_from_this()] {
    self->idle_.Stop();
    self->pause_.Stop();
    for (auto& [name, target] : self->targets_) target->Shutdown();
  });
}

void DownExecutor::Wake() {
  asio::post(executor_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->idle_.Wake();
  });
}

asio::awaitable<std::optional<DownExecutor::Outcome>> DownExecutor::Execute(const ferry::v1::DownCommand& command) {
  const RunningBundle bundle = flows_.running();
  if (!bundle.flows) co_return std::nullopt;
  Outcome outcome;
  auto event = [&](const std::string& flow_id) {
    ferry::v1::Event e;
    e.set_event_id(NewEventId());
    e.set_agent_id(agent_id_);
    e.set_source("down");
    e.set_received_unix_ms(NowUnixMs());
    e.set_business_key(wire::DownBusinessKey(command.channel(), command.record_id()));
    // The CRM record was accepted under the command's id: the control plane
    // adds what came of it to the command's trace.
    e.set_raw_event_id(command.command_id());
    e.set_flow_id(flow_id);
    e.set_bundle_version(bundle.version);
    return e;
  };
  // What the control plane dead-letters, with the command to replay.
  auto dead = [&](const std::string& flow_id, std::string reason) {
    ferry::v1::Event e = event(flow_id);
    if (reason.size() > kMaxMessageBytes) reason.resize(kMaxMessageBytes);
    e.set_mapping_error(std::move(reason));
    e.set_content_type(wire::kDownCommandContentType);
    e.set_payload(command.SerializeAsString());
    e.set_dedup_key("down:" + command.command_id() + "#dead:" + flow_id + ":" + std::to_string(outcome.events.size()));
    spdlog::warn("event=down_command_failed command_id={} flow={} reason=\"{}\"", command.command_id(), flow_id,
                 EscapeForLog(e.mapping_error()));
    outcome.events.push_back(std::move(e));
  };
  if (!IsShortName(command.object()) || !IsShortName(command.crm()) || !IsShortName(command.record_id()) ||
      command.record_json().size() > kMaxRecordBytes) {
    ++stats_.unmapped;
    dead("", "the command does not name its CRM, object and record, or its record is over 8 MiB");
    co_return outcome;
  }
  auto document = doc::FromJson(command.record_json(), command.object());
  if (!document.ok()) {
    ++stats_.unmapped;
    dead("", "the CRM record does not read: " + std::string(document.status().message()));
    co_return outcome;
  }
  const flows::DocumentInfo info{"inbound", command.object(), command.crm(), "", true};
  flows::RunResult result = bundle.flows->Run(**document, info);
  if (result.outcomes.empty() && result.held_back_by_when > 0) {
    // A flow for this kind of record said it is not for SAP (an order
    // saved in another state): done, and no dead letter.
    ++stats_.skipped;
    spdlog::info("event=down_not_for_sap command_id={} object={} record_id={} reason=\"no flow's match.when takes it\"",
                 command.command_id(), EscapeForLog(command.object()), EscapeForLog(command.record_id()));
    co_return outcome;
  }
  if (result.outcomes.empty()) {
    ++stats_.unmapped;
    dead("", "no down flow in bundle version " + std::to_string(bundle.version) + " matches " + command.object() + "/" +
                 command.crm());
    co_return outcome;
  }
  for (flows::FlowOutcome& o : result.outcomes) {
    const std::string& flow_id = o.flow->id;
    if (o.kind == flows::FlowOutcome::Kind::kDropped) continue;
    if (o.kind == flows::FlowOutcome::Kind::kError) {
      ++stats_.unmapped;
      dead(flow_id, o.error);
      continue;
    }
    if (o.by_connector.empty()) continue;
    auto target = targets_.find(o.by_connector.front().first);
    if (target == targets_.end()) {
      ++stats_.unmapped;
      dead(flow_id, "no SAP target '" + o.by_connector.front().first + "' in the agent's down: section");
      continue;
    }
    std::vector<std::string> numbers, messages;
    for (const ferry::v1::MappedRecord& record : o.by_connector.front().second) {
      app::Backoff backoff;
      while (true) {
        SapAnswer answer = co_await target->second->Create(record);
        if (stopping_) co_return std::nullopt;
        if (answer.kind == SapAnswer::Kind::kCreated) {
          ++stats_.created;
          numbers.push_back(answer.number);
          spdlog::info("event=down_created command_id={} flow={} object={} number={} found={}", command.command_id(),
                       flow_id, EscapeForLog(record.object()), EscapeForLog(answer.number), answer.found);
          break;
        }
        if (answer.kind == SapAnswer::Kind::kRefused) {
          ++stats_.refused;
          messages.push_back(answer.message);
          dead(flow_id, "SAP refused " + record.object() + " " + record.external_id() + ": " + answer.message);
          break;
        }
        ++stats_.retries;
        const auto wait = answer.retry_after.count() > 0 ? answer.retry_after : backoff.Next();
        spdlog::warn("event=down_retry command_id={} flow={} wait_ms={} reason=\"{}\"", command.command_id(), flow_id,
                     wait.count(), EscapeForLog(answer.message));
        if (!co_await pause_.For(wait)) co_return std::nullopt;
      }
    }
    if (!o.write_back) continue;
    // The answer goes back to the CRM record: the number and no message,
    // or SAP's message.
    ferry::v1::WriteBack& wb = *o.write_back;
    std::string fields = "{";
    auto field = [&fields](const std::string& name, const std::vector<std::string>& values) {
      if (name.empty()) return;
      if (fields.size() > 1) fields += ',';
      flows::AppendJsonString(fields, name);
      fields += ':';
      if (values.empty()) {
        fields += "null";
      } else {
        std::string text = Joined(values);
        if (text.size() > kMaxMessageBytes) text.resize(kMaxMessageBytes);
        flows::AppendJsonString(fields, text);
      }
    };
    field(wb.number_field(), numbers);
    field(wb.message_field(), messages);
    fields += '}';
    ferry::v1::Event e = event(flow_id);
    e.set_connector(wb.connector());
    ferry::v1::MappedRecord& written = *e.add_records();
    written = wb.record();
    written.set_fields_json(std::move(fields));
    e.set_dedup_key("down:" + command.command_id() + "#result:" + flow_id);
    outcome.events.push_back(std::move(e));
  }
  co_return outcome;
}

asio::awaitable<void> DownExecutor::Run() {
  app::Backoff backoff;
  bool said_no_bundle = false;
  while (!stopping_) {
    auto records = down_.ReadAfter(0, 1, kMaxRecordBytes * 2);
    if (!records.ok() || records->empty()) {
      if (!co_await idle_.For(kIdle)) co_return;
      continue;
    }
    const store::QueueRecord& record = records->front();
    ferry::v1::DownCommand command;
    std::optional<Outcome> outcome;
    if (!record.corrupt.empty() || !command.ParseFromString(record.data)) {
      // Cannot be run, and must not stop the queue behind it: it goes up
      // as a dead letter with its bytes, so nothing is lost unsaid.
      ++stats_.unmapped;
      const std::string why =
          record.corrupt.empty() ? "the command stored at the agent does not parse" : record.corrupt;
      spdlog::error("event=down_command_unreadable seq={} reason=\"{}\"", record.seq, EscapeForLog(why));
      ferry::v1::Event e;
      e.set_event_id(NewEventId());
      e.set_agent_id(agent_id_);
      e.set_source("down");
      e.set_received_unix_ms(NowUnixMs());
      e.set_business_key("down|unreadable|" + std::to_string(record.seq));
      e.set_mapping_error(why);
      e.set_content_type(wire::kDownCommandContentType);
      e.set_payload(record.data);
      e.set_dedup_key("down:unreadable:" + std::to_string(record.seq) + ":" + std::to_string(record.enqueued_unix_ms));
      outcome.emplace();
      outcome->events.push_back(std::move(e));
    } else {
      outcome = co_await Execute(command);
    }
    if (!outcome) {
      if (stopping_) co_return;
      if (!said_no_bundle) spdlog::warn("event=down_waiting reason=\"the agent runs no flow bundle\"");
      said_no_bundle = true;
      if (!co_await pause_.For(kNoBundle)) co_return;
      continue;
    }
    said_no_bundle = false;
    std::vector<store::AppendItem> items;
    for (const ferry::v1::Event& e : outcome->events) items.push_back({e.SerializeAsString(), e.dedup_key(), false});
    const uint64_t seq = record.seq;
    auto start = [this, items = std::move(items), seq](std::function<void(Status)> resolve) mutable {
      store_.Write(
          [this, items = std::move(items), seq](store::WriteTxn& txn) {
            store::AppendOutcome out;
            if (!items.empty()) {
              if (Status s = outbox_.AppendInTxn(txn, items, out); !s.ok()) return s;
            }
            return down_.RemoveInTxn(txn, {seq});
          },
          [resolve](const Status& s) { resolve(s); });
    };
    Status committed = co_await http::AwaitCallback<Status>(start);
    if (!committed.ok()) {
      outbox_.Resync();
      down_.Resync();
      spdlog::error("event=down_outcome_not_recorded seq={} reason=\"{}\"", seq, committed.message());
      if (!co_await pause_.For(backoff.Next())) co_return;
      continue;
    }
    backoff.Reset();
    if (!outcome->events.empty()) outbox_.NotifyAppended();
  }
}

}  // namespace ferry::agent
