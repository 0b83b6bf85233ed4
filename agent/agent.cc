#include "agent/agent.h"
#include "agent/metrics/agent_metrics.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "agent/buffer/audit_log.h"
#include "agent/buffer/buffer_commands.h"
#include "agent/identity/enrollment_files.h"
#include "common/log/log.h"
#include "common/transport/topics.h"
#include "common/util/clock.h"

namespace ferry::agent {

Agent::Agent(AgentConfig config, boost::asio::io_context& io)
    : config_(std::move(config)),
      io_(io),
      dispatcher_(config_.agent_id),
      shutdown_timer_(io),
      prune_timer_(io),
      raw_prune_timer_(io),
      rate_timer_(io) {}

Agent::~Agent() {
  if (control_) control_->Stop();
  if (tunnel_) tunnel_->Stop();
  sources_.clear();
  // Writes already queued (an Ack's history, a report) use what is reset
  // below: let the store's writer finish them first.
  if (store_) store_->Drain();
  uplink_.reset();
  if (receipts_) receipts_->Stop();
  receipts_.reset();
  receipts_queue_.reset();
  if (down_executor_) down_executor_->Stop();
  down_executor_.reset();
  down_inbox_.reset();
  down_queue_.reset();
  // The store's destructor finishes pending commits before closing.
  bundle_receiver_.reset();
  flow_stage_.reset();
  history_.reset();
  outbox_.reset();
  checkpoints_.reset();
  raw_queue_.reset();
  outbox_queue_.reset();
  store_.reset();
}

store::StoreOptions AgentStoreOptions(const AgentConfig& config) {
  store::StoreOptions options;
  options.dir = config.data_dir / "store";
  options.map_size_bytes = config.map_size_bytes;
  options.databases = store::DurableQueue::DatabasesFor(Outbox::kQueueName);
  options.databases.emplace_back(Uplink::kReportsDb);
  for (const std::string& db : store::DurableQueue::DatabasesFor(FlowStage::kRawQueueName)) {
    options.databases.push_back(db);
  }
  options.databases.emplace_back(BundleReceiver::kDb);
  options.databases.emplace_back(EventHistory::kDb);
  options.databases.emplace_back(Uplink::kDeadLettersDb);
  options.databases.emplace_back(store::Checkpoints::kDb);
  for (const std::string& db : store::DurableQueue::DatabasesFor(ReceiptSender::kQueueName)) {
    options.databases.push_back(db);
  }
  for (const std::string& db : store::DurableQueue::DatabasesFor(DownInbox::kQueueName)) {
    options.databases.push_back(db);
  }
  return options;
}

std::filesystem::path ControlSocketPath(const AgentConfig& config) { return config.data_dir / "control.sock"; }
std::filesystem::path AuditLogPath(const AgentConfig& config) { return config.data_dir / "audit.log"; }

Result<std::unique_ptr<Agent>> Agent::Create(AgentConfig config, boost::asio::io_context& io) {
  std::unique_ptr<Agent> agent(new Agent(std::move(config), io));
  std::error_code mkdir_error;
  std::filesystem::create_directories(agent->config_.data_dir, mkdir_error);
  auto lock = DataDirLock::Acquire(agent->config_.data_dir);
  if (!lock.ok()) return lock.status();
  agent->data_dir_lock_.emplace(std::move(lock).value());
  auto store = store::Store::Open(AgentStoreOptions(agent->config_));
  if (!store.ok()) return store.status();
  agent->store_ = std::move(store.value());
  auto queue = store::DurableQueue::Open(*agent->store_, {Outbox::kQueueName, agent->config_.outbox_max_bytes});
  if (!queue.ok()) return queue.status();
  agent->outbox_queue_ = std::move(queue.value());
  agent->checkpoints_ = std::make_unique<store::Checkpoints>(*agent->store_);
  agent->outbox_ = std::make_unique<Outbox>(*agent->outbox_queue_, *agent->checkpoints_);
  auto raw = store::DurableQueue::Open(*agent->store_, {FlowStage::kRawQueueName, 0});
  if (!raw.ok()) return raw.status();
  agent->raw_queue_ = std::move(raw.value());
  agent->flow_stage_ =
      std::make_unique<FlowStage>(*agent->store_, *agent->outbox_, *agent->raw_queue_, *agent->checkpoints_);
  agent->history_ = std::make_unique<EventHistory>(*agent->store_, *agent->outbox_queue_);
  auto receipts = store::DurableQueue::Open(*agent->store_, {ReceiptSender::kQueueName, ReceiptSender::kQueueMaxBytes});
  if (!receipts.ok()) return receipts.status();
  agent->receipts_queue_ = std::move(receipts.value());
  auto down = store::DurableQueue::Open(*agent->store_, {DownInbox::kQueueName, agent->config_.outbox_max_bytes});
  if (!down.ok()) return down.status();
  agent->down_queue_ = std::move(down.value());

  std::optional<crypto::VerifyKey> key;
  if (!agent->config_.flows_trusted_key_file.empty()) {
    auto loaded = crypto::VerifyKey::LoadPemFile(agent->config_.flows_trusted_key_file);
    if (!loaded.ok())
      return Status::InvalidArgument("flows.trusted_key_file: " + std::string(loaded.status().message()));
    key = std::move(loaded).value();
  }
  agent->bundle_receiver_ =
      std::make_unique<BundleReceiver>(agent->config_.agent_id, std::move(key), *agent->store_, *agent->flow_stage_);
  if (Status s = agent->bundle_receiver_->LoadApplied(); !s.ok()) return s;
  return agent;
}

Status Agent::Start() {
  auto stats = outbox_queue_->Stats();
  spdlog::info("event=agent_starting agent_id={} data_dir={} outbox_depth={} outbox_bytes={}", config_.agent_id,
               config_.data_dir.string(), stats.depth, stats.bytes);

  auto tunnel = config_.tunnel->Build(io_.get_executor());
  if (!tunnel.ok()) return tunnel.status();
  tunnel_ = *tunnel;
  UplinkOptions uplink_options;
  uplink_options.agent_id = config_.agent_id;
  uplink_options.batch_max_events = config_.batch_max_events;
  uplink_options.batch_max_bytes = config_.batch_max_bytes;
  uplink_options.inflight_batches = config_.inflight_batches;
  uplink_options.ack_timeout = config_.ack_timeout;
  uplink_options.heartbeat_interval = config_.heartbeat_interval;
  uplink_options.encoding = config_.encoding;
  uplink_options.labels = config_.labels;
  if (!config_.identity_file.empty()) {
    RenewerOptions renewal{config_.agent_id, config_.identity_file, EnrollmentPathsIn(config_.data_dir).ca};
    renewer_ = std::make_shared<CertificateRenewer>(io_.get_executor(), *tunnel_, renewal);
    if (Status s = renewer_->Start(); !s.ok()) {
      spdlog::error("event=certificate_unreadable file={} error=\"{}\"", config_.identity_file.string(), s.message());
    }
    uplink_options.certificate_not_after_unix_ms = renewer_->current().not_after_unix_ms;
  }
  uplink_ = std::make_shared<Uplink>(io_.get_executor(), *tunnel_, *store_, *outbox_queue_, uplink_options);
  // Everything that comes down the tunnel, and who handles it.
  uplink_->Route(dispatcher_);
  dispatcher_.Route("down/bundle",
                    [this](const std::string&, std::string payload) { OnDeployment(std::move(payload)); });
  dispatcher_.Route("down/commands", [this](const std::string&, std::string payload) { OnCommand(payload); });
  StartDown();
  if (renewer_) {
    dispatcher_.Route("down/renew", [this](const std::string&, std::string payload) { renewer_->OnAnswer(payload); });
  }
  tunnel_->SetMessageHandler(dispatcher_.Handler());
  if (renewer_) {
    std::weak_ptr<Uplink> uplink = uplink_;
    renewer_->SetOnRenewed([uplink](const IdentityCertificate& cert) {
      if (auto u = uplink.lock()) u->SetCertificateNotAfter(cert.not_after_unix_ms);
    });
  }
  uplink_->SetFlowStatusProvider([this] { return bundle_receiver_->status(); });
  uplink_->SetHistory(history_.get());
  if (config_.receipts) {
    receipts_ = std::make_shared<ReceiptSender>(io_.get_executor(), *receipts_queue_, *config_.receipts);
    uplink_->SetReportHook(
        [sender = receipts_](store::WriteTxn& txn, const ferry::v1::DeliveryReport& report) {
          return sender->QueueInTxn(txn, report);
        },
        // The queue's counters follow commits: a write that did not commit
        // leaves them to be read back.
        [queue = receipts_queue_.get()] { queue->Resync(); });
    receipts_->Start();
  }
  std::weak_ptr<Uplink> weak_uplink = uplink_;
  outbox_queue_->SetOnAppend([weak_uplink] {
    if (auto u = weak_uplink.lock()) u->NotifyAppended();
  });
  uplink_->Start();
  tunnel_->Start();

  SourceContext context{io_.get_executor(), flow_stage_.get(), config_.agent_id, checkpoints_.get()};
  for (auto& [name, builder] : config_.sources) {
    auto source = builder->Build(context);
    Status s = source->Start();
    if (!s.ok()) return s;
    sources_.push_back(std::move(source));
  }
  control_ = std::make_shared<app::ControlServer>(
      io_.get_executor(), ControlSocketPath(config_),
      [this](const boost::json::value& request, uid_t caller) { return HandleControl(request, caller); });
  if (Status s = control_->Start(); !s.ok()) return s;
  if (!config_.metrics_host.empty()) {
    metrics_ =
        std::make_unique<MetricsListener>(io_.get_executor(), config_.metrics_host, config_.metrics_port, [this] {
          return AgentMetrics(
              {*outbox_queue_, *raw_queue_, uplink_->stats(), sources_, *receipts_queue_,
               receipts_ ? receipts_->sent() : 0, receipts_ ? receipts_->dropped() : 0,
               down_executor_ ? down_queue_.get() : nullptr, down_executor_ ? &down_executor_->stats() : nullptr},
              NowUnixMs());
        });
    if (Status s = metrics_->Start(); !s.ok()) return s;
  }
  SchedulePrune();
  ScheduleRawPrune();
  ScheduleRateSample();
  spdlog::info("event=agent_started agent_id={} sources={}", config_.agent_id, sources_.size());
  return Status::Ok();
}

std::string Agent::StatusSummary() const {
  const store::QueueStats q = outbox_queue_->Stats();
  std::string text = "outbox " + std::to_string(q.depth) + " events, " + std::to_string(q.bytes) + " bytes";
  if (q.oldest_enqueued_unix_ms > 0) {
    text += ", oldest " + std::to_string((NowUnixMs() - q.oldest_enqueued_unix_ms) / 1000) + " s";
  }
  if (!uplink_) return text;
  const UplinkStats& u = uplink_->stats();
  if (u.connected) return text + "; uplink connected";
  const int64_t down_s = (NowUnixMs() - u.state_since_unix_ms) / 1000;
  return text + "; uplink not connected for " + std::to_string(down_s) + " s (" + u.state_detail + ")";
}

boost::json::object Agent::HandleControl(const boost::json::value& request, uid_t caller) {
  namespace json = boost::json;
  const json::object* o = request.if_object();
  const json::value* op = o ? o->if_contains("op") : nullptr;
  if (!op || !op->is_string()) return {{"ok", false}, {"code", "invalid"}, {"error", "no \"op\" in the request"}};
  const std::vector<uint64_t> in_flight = uplink_->InFlightSequences();
  if (op->as_string() == "state") {
    const UplinkStats& u = uplink_->stats();
    const ferry::v1::FlowStatus flows = bundle_receiver_->status();
    // Events committed and acknowledged over the last minute (less, right
    // after start), counting up to now.
    const RateSample now{NowUnixMs(), outbox_queue_->appended_since_open(), u.events_acked};
    const RateSample& first = rate_samples_.empty() ? now : rate_samples_.front();
    return {{"ok", true},
            {"in_flight", json::value_from(in_flight)},
            {"uplink",
             {{"connected", u.connected},
              {"since_unix_ms", u.state_since_unix_ms},
              {"detail", u.state_detail},
              {"last_ack_unix_ms", u.last_ack_unix_ms},
              {"batches_sent", u.batches_sent},
              {"events_acked", u.events_acked}}},
            {"recent",
             {{"seconds", (now.unix_ms - first.unix_ms) / 1000},
              {"in", now.appended - first.appended},
              {"out", now.acked - first.acked}}},
            {"flows",
             {{"running_version", flows.running_version()},
              {"last_deployment", flows.deployment_sequence()},
              {"applied", flows.applied()},
              {"error", flows.error()}}}};
  }
  if (op->as_string() == "edit") {
    auto edit = EditRequestFromJson(request);
    if (!edit.ok()) return {{"ok", false}, {"code", "invalid"}, {"error", edit.status().message()}};
    auto outcome = EditBuffer(*edit, caller, "agent");
    if (!outcome.ok()) {
      const bool missing = outcome.status().code() == StatusCode::kNotFound;
      const bool invalid = outcome.status().code() == StatusCode::kInvalidArgument;
      return {{"ok", false},
              {"code", missing   ? "not_found"
                       : invalid ? "invalid"
                                 : "failed"},
              {"error", outcome.status().message()}};
    }
    spdlog::info("event=buffer_edited command={} user={} changed={} refused={}", edit->command, app::UserName(caller),
                 outcome->changed.size(), outcome->refused.size());
    json::object answer = ToJson(*outcome);
    answer["ok"] = true;
    return answer;
  }
  return {{"ok", false}, {"code", "invalid"}, {"error", "unknown op '" + std::string(op->as_string()) + "'"}};
}

Result<EditOutcome> Agent::EditBuffer(const EditRequest& request, uid_t caller, const std::string& via) {
  const std::vector<uint64_t> in_flight = uplink_->InFlightSequences();
  BufferView view(*store_);
  BufferEditor editor(*store_, *outbox_queue_, *history_,
                      [this](const ferry::v1::Event& e) { return flow_stage_->Remap(e); });
  EditContext context{
      view,   editor, {in_flight.begin(), in_flight.end()}, uplink_->MayHavePublishedThrough(), AuditLogPath(config_),
      caller, via};
  return ApplyEdit(request, context);
}

void Agent::StartDown() {
  if (!config_.down) {
    dispatcher_.Route("down/requests", [this](const std::string&, std::string payload) {
      ferry::v1::DownCommandBatch batch;
      if (payload.size() > DownInbox::kMaxBatchBytes || !batch.ParseFromString(payload)) return;
      ferry::v1::DownCommandAck refusal;
      for (const auto& command : batch.commands()) refusal.add_command_ids(command.command_id());
      refusal.set_reason("the agent has no down: section: it writes nothing to SAP");
      tunnel_->Publish(transport::topics::UpRequests(config_.agent_id), refusal.SerializeAsString(), nullptr);
    });
    return;
  }
  down_inbox_ = std::make_shared<DownInbox>(io_.get_executor(), *tunnel_, *down_queue_, config_.agent_id);
  down_executor_ =
      std::make_shared<DownExecutor>(io_.get_executor(), *store_, *down_queue_, *outbox_queue_, *flow_stage_,
                                     MakeSapTargets(io_.get_executor(), *config_.down), config_.agent_id);
  down_queue_->SetOnAppend([weak = std::weak_ptr<DownExecutor>(down_executor_)] {
    if (auto executor = weak.lock()) executor->Wake();
  });
  dispatcher_.Route("down/requests",
                    [inbox = down_inbox_](const std::string&, std::string payload) { inbox->OnBatch(payload); });
  down_executor_->Start();
}

void Agent::OnCommand(const std::string& payload) {
  ferry::v1::AgentCommand command;
  if (payload.size() > kMaxCommandBytes || !command.ParseFromString(payload) ||
      static_cast<size_t>(command.retries_size()) > kMaxCommandRetries) {
    spdlog::warn("event=bad_command bytes={}", payload.size());
    return;
  }
  ferry::v1::AgentCommandResult result;
  result.set_command_id(command.command_id());
  EditRequest request;
  request.command = "retry";
  request.reason = "replayed at the control plane " + command.requested_by();
  BufferView view(*store_);
  const std::vector<uint64_t> in_flight = uplink_->InFlightSequences();
  const std::set<uint64_t> flying(in_flight.begin(), in_flight.end());
  std::map<std::string, const ferry::v1::AgentCommand::Retry*> asked;  // by event id
  std::vector<std::string> unreported;                                 // acknowledged, their report not here yet
  for (const auto& retry : command.retries()) {
    auto found = view.Find(retry.event_id(), flying);
    const EventView* match = nullptr;
    if (found.ok()) {
      for (const auto& candidate : *found)
        if (candidate.event.event_id() == retry.event_id()) match = &candidate;
    }
    if (!match) {
      auto* outcome = result.add_outcomes();
      outcome->set_event_id(retry.event_id());
      outcome->set_dead_letter(retry.dead_letter());
      outcome->set_refused("no such event in the agent's buffer or history");
      continue;
    }
    asked[retry.event_id()] = &retry;
    if (match->state == EventState::kSent) unreported.push_back(retry.event_id());
    request.seqs.push_back(match->seq);
  }
  if (!request.seqs.empty()) {
    // The command is also the dead letters' delivery report, which the
    // control plane sends separately and may still be on its way: stored
    // first, so they are dead letters here when the retry looks.
    ferry::v1::DeliveryReport report;
    for (const auto& event_id : unreported) {
      auto* d = report.add_deliveries();
      d->set_event_id(event_id);
      d->set_outcome(ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED);
      d->set_detail(asked[event_id]->reason());
      d->set_unix_ms(NowUnixMs());
    }
    if (!unreported.empty()) {
      Status stored =
          store_->WriteSync([&](store::WriteTxn& txn) { return Uplink::StoreOutcomesInTxn(*store_, txn, report); });
      if (!stored.ok()) spdlog::error("event=command_report_not_stored error=\"{}\"", stored.message());
    }
    auto edited = EditBuffer(request, ::getuid(), "control plane");
    std::map<std::string, std::string> retried;
    if (edited.ok()) retried.insert(edited->retried_as.begin(), edited->retried_as.end());
    for (const auto& [event_id, retry] : asked) {
      auto* outcome = result.add_outcomes();
      outcome->set_event_id(event_id);
      outcome->set_dead_letter(retry->dead_letter());
      if (auto it = retried.find(event_id); it != retried.end()) {
        outcome->set_retried_as(it->second);
        continue;
      }
      std::string why = edited.ok() ? "not a dead letter the agent could retry" : edited.status().message();
      if (edited.ok()) {
        for (const auto& refusal : edited->refused)
          if (refusal.starts_with(event_id + ": ")) why = refusal.substr(event_id.size() + 2);
      }
      outcome->set_refused(why);
    }
  }
  spdlog::info("event=command_done command_id={} requested_by=\"{}\" outcomes={}", command.command_id(),
               command.requested_by(), result.outcomes_size());
  tunnel_->Publish(transport::topics::UpCommands(config_.agent_id), result.SerializeAsString(), nullptr);
}

void Agent::Reload(const std::string& config_path) {
  auto fresh = LoadAgentConfig(config_path);
  if (!fresh.ok()) {
    spdlog::error("event=reload_refused reason=\"invalid configuration: {}\"", fresh.status().message());
    return;
  }
  // Everything that can fail is checked before anything changes.
  std::optional<crypto::VerifyKey> key;
  if (!fresh->flows_trusted_key_file.empty()) {
    auto loaded = crypto::VerifyKey::LoadPemFile(fresh->flows_trusted_key_file);
    if (!loaded.ok()) {
      spdlog::error("event=reload_refused reason=\"flows.trusted_key_file: {}\"", loaded.status().message());
      return;
    }
    key = std::move(loaded).value();
  }
  if (Status s = log::SetLevel(fresh->log_level); !s.ok()) {
    spdlog::error("event=reload_refused reason=\"{}\"", s.message());
    return;
  }
  config_.log_level = fresh->log_level;
  config_.flows_trusted_key_file = fresh->flows_trusted_key_file;
  bundle_receiver_->SetTrustedKey(std::move(key));
  if (Status s = bundle_receiver_->LoadApplied(); !s.ok()) {
    spdlog::error("event=reload_flows_failed error=\"{}\"", s.ToString());
  }
  const ferry::v1::FlowStatus flows = bundle_receiver_->status();
  // What the status now says reaches the control plane at once.
  tunnel_->Publish(transport::topics::UpFlows(config_.agent_id), flows.SerializeAsString(), nullptr);
  const bool restart_needed = fresh->agent_id != config_.agent_id || fresh->data_dir != config_.data_dir ||
                              fresh->tunnel->Endpoint() != config_.tunnel->Endpoint() ||
                              fresh->sources.size() != config_.sources.size();
  spdlog::info("event=reloaded log_level={} flows_running_version={} other_changes={}", config_.log_level,
               flows.running_version(), restart_needed ? "need_restart" : "none_seen");
}

void Agent::ScheduleRateSample() {
  rate_samples_.push_back({NowUnixMs(), outbox_queue_->appended_since_open(), uplink_->stats().events_acked});
  while (rate_samples_.size() > 13) rate_samples_.pop_front();  // a minute of 5 s steps
  rate_timer_.expires_after(std::chrono::seconds(5));
  rate_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ScheduleRateSample();
  });
}

void Agent::SchedulePrune() {
  prune_timer_.expires_after(std::chrono::hours(1));
  prune_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    outbox_queue_->PruneKeys(NowUnixMs() - config_.dedup_retention.count(), nullptr);
    uplink_->PruneReports(NowUnixMs() - config_.report_retention.count());
    raw_queue_->PruneKeys(NowUnixMs() - config_.dedup_retention.count(), nullptr);
    down_queue_->PruneKeys(NowUnixMs() - config_.dedup_retention.count(), nullptr);
    SchedulePrune();
  });
}

void Agent::ScheduleRawPrune() {
  raw_prune_timer_.expires_after(std::chrono::minutes(1));
  raw_prune_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    // Every minute: the history's byte cap must hold between the hourly jobs.
    history_->Prune(NowUnixMs() - config_.history_retention.count(), config_.history_max_bytes);
    PruneRaw();
  });
}

// The raw buffer is for inspection, never a reason to refuse SAP: its oldest
// documents go when they are older than store.raw_retention or when it holds
// more than store.raw_max_bytes. Documents are in arrival order, so this
// deletes from the head, one batch per turn of the event loop.
void Agent::PruneRaw() {
  const int64_t cutoff = NowUnixMs() - config_.raw_retention.count();
  const store::QueueStats stats = raw_queue_->Stats();
  int64_t over = static_cast<int64_t>(stats.bytes) - static_cast<int64_t>(config_.raw_max_bytes);
  auto head = raw_queue_->ReadAfter(0, 1000, 64u << 20);
  std::vector<uint64_t> old;
  if (head.ok()) {
    for (const auto& r : *head) {
      if (r.enqueued_unix_ms >= cutoff && over <= 0) break;
      old.push_back(r.seq);
      over -= static_cast<int64_t>(r.data.size());
    }
  }
  if (old.empty()) {
    ScheduleRawPrune();
    return;
  }
  spdlog::debug("event=raw_pruned records={}", old.size());
  raw_queue_->Remove(std::move(old), [this](const Status& s) {
    // Done runs on the store's writer thread; continue on the event loop.
    boost::asio::post(io_, [this, ok = s.ok()] {
      if (ok) {
        PruneRaw();
      } else {
        ScheduleRawPrune();
      }
    });
  });
}

void Agent::OnDeployment(std::string payload) {
  ferry::v1::FlowStatus status = bundle_receiver_->OnDeployment(payload);
  tunnel_->Publish(transport::topics::UpFlows(config_.agent_id), status.SerializeAsString(), nullptr);
}

void Agent::Shutdown(std::function<void()> done) {
  prune_timer_.cancel();
  raw_prune_timer_.cancel();
  rate_timer_.cancel();
  spdlog::info("event=agent_stopping agent_id={}", config_.agent_id);
  if (control_) control_->Stop();
  if (metrics_) metrics_->Stop();
  for (auto& s : sources_) s->Stop();
  // Requests already received are waiting for their fsync: let them get
  // their answer (bounded, 10 s).
  WaitIdle(std::move(done), 200);
}

void Agent::WaitIdle(std::function<void()> done, int polls_left) {
  size_t busy = 0;
  for (auto& s : sources_) busy += s->InFlight();
  if (busy == 0 || polls_left == 0) {
    if (busy) spdlog::warn("event=agent_stop_forced unanswered_requests={}", busy);
    if (renewer_) renewer_->Stop();
    if (receipts_) receipts_->Stop();
    if (down_executor_) down_executor_->Stop();
    if (uplink_) uplink_->Stop();
    if (tunnel_) tunnel_->Stop();
    spdlog::info("event=agent_stopped agent_id={}", config_.agent_id);
    done();
    return;
  }
  shutdown_timer_.expires_after(std::chrono::milliseconds(50));
  shutdown_timer_.async_wait([this, done = std::move(done), polls_left](const boost::system::error_code&) mutable {
    WaitIdle(std::move(done), polls_left - 1);
  });
}

}  // namespace ferry::agent
