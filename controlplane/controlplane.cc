#include "controlplane/controlplane.h"

#include <map>

#include <spdlog/spdlog.h>

#include "common/transport/mqtt/mqtt_tunnel.h"
#include "common/transport/topics.h"
#include "common/transport/websocket/ws_listener_tunnel.h"
#include "common/util/clock.h"
#include "controlplane/alerts/alert_channels.h"
#include "controlplane/console/api_tokens.h"
#include "controlplane/console/console_users.h"
#include "controlplane/delivery/dead_letter_control.h"
#include "controlplane/tunnels/fleet_tunnel.h"

namespace ferry::controlplane {

store::StoreOptions ControlPlaneStoreOptions(const std::filesystem::path& data_dir, uint64_t map_size_bytes) {
  store::StoreOptions options;
  options.dir = data_dir / "store";
  options.map_size_bytes = map_size_bytes;
  options.databases = store::DurableQueue::DatabasesFor(kDeliveryQueue);
  for (auto& db : store::DurableQueue::DatabasesFor(kDeadLetterQueue)) options.databases.push_back(db);
  for (auto& db : store::DurableQueue::DatabasesFor(kDownQueue)) options.databases.push_back(db);
  for (auto& db : BundleRegistry::Databases()) options.databases.push_back(db);
  options.databases.push_back(AgentIdentities::kDb);
  options.databases.push_back(ConsoleUsers::kDb);
  options.databases.push_back(ApiTokens::kDb);
  options.databases.push_back(AuditLog::kDb);
  options.databases.push_back(Ingest::kDb);
  options.databases.push_back(PollWatermarks::kDb);
  for (auto& db : EventTraceLog::Databases()) options.databases.push_back(db);
  for (auto& db : AlertStore::Databases()) options.databases.push_back(db);
  return options;
}

ControlPlane::ControlPlane(ControlPlaneConfig config, boost::asio::io_context& io)
    : config_(std::move(config)),
      io_(io),
      prune_timer_(io),
      stats_timer_(io),
      throughput_timer_(io),
      trace_timer_(io) {}

ControlPlane::~ControlPlane() {
  if (inbound_) inbound_->Stop();
  if (down_) down_->Stop();
  if (down_reads_) down_reads_->Stop();
  if (poller_) poller_->Stop();
  if (tunnel_) tunnel_->Stop();
  // Writes still queued (an ingested batch, a trace flush, a delivery's
  // outcome) use the queues, the ingest and the engine reset below: the
  // store's writer finishes them first. Resetting those before the store
  // let a pending write run on freed memory.
  if (store_) store_->Drain();
  if (distributor_) distributor_->Stop();
  distributor_.reset();
  if (alerts_) alerts_->Stop();
  alerts_.reset();
  engine_.reset();
  ingest_.reset();
  registry_.reset();
  dead_letters_.reset();
  queue_.reset();
  store_.reset();
}

Result<std::unique_ptr<ControlPlane>> ControlPlane::Create(ControlPlaneConfig config, boost::asio::io_context& io) {
  std::unique_ptr<ControlPlane> cp(new ControlPlane(std::move(config), io));
  auto store = store::Store::Open(ControlPlaneStoreOptions(cp->config_.data_dir, cp->config_.map_size_bytes));
  if (!store.ok()) return store.status();
  cp->store_ = std::move(store.value());
  auto queue = store::DurableQueue::Open(*cp->store_, {kDeliveryQueue, cp->config_.queue_max_bytes});
  if (!queue.ok()) return queue.status();
  cp->queue_ = std::move(queue.value());
  auto dlq = store::DurableQueue::Open(*cp->store_, {kDeadLetterQueue, cp->config_.dead_letter_max_bytes});
  if (!dlq.ok()) return dlq.status();
  cp->dead_letters_ = std::move(dlq.value());
  auto down = store::DurableQueue::Open(*cp->store_, {kDownQueue, cp->config_.queue_max_bytes});
  if (!down.ok()) return down.status();
  cp->down_queue_ = std::move(down.value());
  cp->registry_ = std::make_unique<BundleRegistry>(*cp->store_);
  // A configured key that cannot be used stops the start: running without
  // it would silently leave every agent on its old bundle.
  if (!cp->config_.flows.signing_key_file.empty()) {
    auto key = crypto::SigningKey::LoadPemFile(cp->config_.flows.signing_key_file);
    if (!key.ok()) return Status::FailedPrecondition("flows.signing_key_file: " + key.status().message());
    cp->bundle_public_key_pem_ = key->PublicKeyPem();
    cp->signing_key_.emplace(std::move(key).value());
  }
  cp->identities_ = std::make_unique<AgentIdentities>(*cp->store_);
  auto pki = FleetPki::Open(cp->config_.fleet.pki, /*create=*/true);
  if (!pki.ok()) return Status::FailedPrecondition("the fleet's CA: " + pki.status().message());
  cp->pki_ = std::move(pki).value();
  if (Status s = cp->RefreshPki(); !s.ok()) return s;
  if (cp->config_.shared_group.empty()) cp->config_.shared_group = cp->pki_->SecretName("shared-group");
  cp->config_.mqtt.subscriptions = {transport::topics::SharedUpEvents(cp->config_.shared_group),
                                    transport::topics::SharedUpHeartbeat(cp->config_.shared_group),
                                    transport::topics::SharedUpFlows(cp->config_.shared_group),
                                    transport::topics::SharedUpRenew(cp->config_.shared_group),
                                    transport::topics::SharedUpCommands(cp->config_.shared_group),
                                    transport::topics::SharedUpRequests(cp->config_.shared_group)};
  return cp;
}

std::vector<RoutableAgent> ControlPlane::RoutableAgents() const {
  std::vector<RoutableAgent> out;
  auto agents = registry_->ListAgents();
  if (!agents.ok()) return out;
  for (const ferry::v1::AgentRecord& record : *agents) {
    if (!gate_->Admitted(record.agent_id())) continue;
    RoutableAgent agent{
        record.agent_id(), {record.labels().begin(), record.labels().end()}, record.last_seen_unix_ms()};
    out.push_back(std::move(agent));
  }
  return out;
}

Status ControlPlane::RefreshPki() {
  // The CRL is issued again on every start and every day: a broker refuses
  // every client once its CRL's next update has passed.
  auto agents = identities_->List();
  if (!agents.ok()) return agents.status();
  if (auto crl = pki_->WriteCrl(*agents); !crl.ok()) return crl.status();
  // Over TLS without a configured client certificate, the control plane
  // is the broker's client under its own identity from its own CA.
  transport::TlsOptions& tls = config_.mqtt.tls;
  if (config_.mqtt.broker_url.rfind("ssl://", 0) == 0 || config_.mqtt.broker_url.rfind("mqtts://", 0) == 0) {
    if (tls.cert_file.empty() || own_client_identity_) {
      auto identity = pki_->EnsureClientIdentity();
      if (!identity.ok()) return identity.status();
      tls.cert_file = tls.key_file = identity->string();
      own_client_identity_ = true;
    }
    if (tls.ca_file.empty()) tls.ca_file = pki_->ca_file().string();
  }
  return Status::Ok();
}

Status ControlPlane::Start() {
  auto q = queue_->Stats();
  spdlog::info("event=controlplane_starting id={} data_dir={} queue_depth={} dead_letters={}", config_.id,
               config_.data_dir.string(), q.depth, dead_letters_->Stats().depth);
  std::vector<Connector*> connectors;
  std::string names;
  for (auto& [name, builder] : config_.connectors) {
    connectors_.push_back(builder->Build(io_.get_executor()));
    connectors.push_back(connectors_.back().get());
    names += (names.empty() ? "" : ",") + name;
  }
  // A new birth payload per process start, so agents see a change even when
  // the retained message from the previous run is still there.
  const std::string birth = "online " + config_.id + " " + std::to_string(NowUnixMs());
  std::shared_ptr<transport::Tunnel> broker;
  if (!config_.mqtt.broker_url.empty()) {
    config_.mqtt.birth_payload = birth;
    broker = transport::MqttTunnel::Create(io_.get_executor(), config_.mqtt);
  }
  std::shared_ptr<transport::WebSocketListenerTunnel> listener;
  if (!config_.websocket.host.empty()) {
    transport::WebSocketListenerOptions options = config_.websocket;
    if (options.cert_file.empty()) {
      auto identity = pki_->EnsureTunnelIdentity(config_.websocket_hosts);
      if (!identity.ok()) return identity.status();
      options.cert_file = options.key_file = identity->string();
    }
    options.client_ca_file = pki_->ca_file().string();
    options.presence_topic = std::string(transport::topics::kControlPlanePresence);
    options.birth_payload = birth;
    // The certificate proved the agent's identity; a revoked or unknown
    // agent does not get a connection at all.
    options.admit = [this](const std::string& agent_id, const crypto::Certificate&) {
      return gate_->Admitted(agent_id) ? Status::Ok()
                                       : Status::Unauthenticated("agent " + agent_id + " is not enrolled here");
    };
    auto created = transport::WebSocketListenerTunnel::Create(io_.get_executor(), std::move(options));
    if (!created.ok()) return Status::InvalidArgument("websocket: " + created.status().message());
    listener = *created;
    if (Status s = listener->Listen(); !s.ok()) return s;
  }
  tunnel_ = std::make_shared<FleetTunnel>(std::move(broker), std::move(listener));
  ingest_ = std::make_unique<Ingest>(io_.get_executor(), *tunnel_, *store_, *queue_);
  distributor_ = std::make_shared<FlowDistributor>(io_.get_executor(), *tunnel_, *registry_, std::move(signing_key_),
                                                   config_.flows);
  signing_key_.reset();
  gate_ = std::make_unique<FleetGate>(*tunnel_, *identities_, config_.fleet.require_enrollment);
  renewal_ = std::make_unique<CertificateRenewal>(*tunnel_, *identities_, *pki_);
  distributor_->SetRecipientCheck([this](const std::string& agent_id) { return gate_->Admitted(agent_id); });
  ingest_->SetHeartbeatHandler([this](const std::string& agent_id, const ferry::v1::Heartbeat& heartbeat) {
    if (down_) down_->OnAgentHeard(agent_id);
    if (!config_.fleet.require_enrollment) return distributor_->OnHeartbeat(agent_id, heartbeat);
    distributor_->OnHeartbeat(agent_id, WithEnrolledLabels(agent_id, heartbeat));
  });
  engine_ = std::make_shared<DeliveryEngine>(io_.get_executor(), *queue_, *dead_letters_, std::move(connectors),
                                             *tunnel_, config_.delivery);
  traces_ = std::make_unique<EventTraceLog>(*store_, config_.console.trace_max_events);
  ingest_->SetTrace(traces_.get());
  engine_->SetTrace(traces_.get());
  std::weak_ptr<DeliveryEngine> weak_engine = engine_;
  queue_->SetOnAppend([weak_engine] {
    if (auto e = weak_engine.lock()) e->NotifyAppended();
  });
  // Everything agents send up, and who handles it; the fleet gate sees
  // each message first.
  dispatcher_.SetGate([this](const std::string& agent_id, const std::string& channel, const std::string& payload) {
    return gate_->Admit(agent_id, channel, payload);
  });
  ingest_->Route(dispatcher_);
  dispatcher_.Route("up/flows", [this](const std::string& agent_id, std::string payload) {
    distributor_->OnFlowStatus(agent_id, payload);
  });
  dispatcher_.Route(
      "up/renew", [this](const std::string& agent_id, std::string payload) { renewal_->OnRequest(agent_id, payload); });
  dispatcher_.Route("up/commands", [this](const std::string& agent_id, std::string payload) {
    agent_replays_->OnResult(agent_id, payload);
  });
  // CRM records on their way down to SAP: committed here, then sent to the
  // agent that serves their SAP system until it has committed them.
  down_ = std::make_shared<DownCommands>(io_.get_executor(), *store_, *down_queue_, *tunnel_, config_.inbound,
                                         config_.down, [this] { return RoutableAgents(); });
  down_->SetTrace(traces_.get());
  // Records a notification carried only in part are read whole first.
  auto connector_for = [this](const std::string& crm) -> Connector* {
    for (auto& c : connectors_) {
      if (c->name() == crm) return c.get();
    }
    return nullptr;
  };
  down_reads_ = std::make_shared<DownRecordReads>(io_.get_executor(), *store_, *down_queue_, *dead_letters_,
                                                  config_.inbound, connector_for,
                                                  [this](int64_t unix_ms) { dead_letter_tally_.Add("", unix_ms); });
  // CRMs that cannot announce their changes are asked for them.
  poller_ = std::make_shared<ChangePoller>(io_.get_executor(), *store_, config_.inbound, connector_for, down_);
  down_reads_->SetTrace(traces_.get());
  down_queue_->SetOnAppend(
      [weak = std::weak_ptr<DownCommands>(down_), reads = std::weak_ptr<DownRecordReads>(down_reads_)] {
        if (auto down = weak.lock()) down->Poke();
        if (auto r = reads.lock()) r->Poke();
      });
  dispatcher_.Route("up/requests",
                    [this](const std::string& agent_id, std::string payload) { down_->OnAck(agent_id, payload); });
  tunnel_->SetMessageHandler(dispatcher_.Handler());
  // Commands sent down before a reconnect may be lost: sent again.
  tunnel_->SetStateHandler([this](bool connected, const std::string&) {
    if (connected && down_) down_->OnReconnect();
  });
  if (!config_.inbound.host.empty()) {
    inbound_ = std::make_unique<InboundService>(io_.get_executor(), config_.inbound, *pki_, down_);
    if (Status s = inbound_->Start(); !s.ok()) return s;
  }
  if (!config_.fleet.enrollment_host.empty()) {
    enrollment_ = std::make_unique<EnrollmentService>(io_.get_executor(), config_.fleet, *identities_, *pki_,
                                                      bundle_public_key_pem_);
    if (Status s = enrollment_->Start(); !s.ok()) return s;
  }
  // Changes made through the console, the API or the CLI are audited.
  audit_ = std::make_unique<AuditLog>(*store_);
  dead_letter_actions_ = std::make_unique<DeadLetterActions>(*store_, *queue_, *dead_letters_);
  dead_letter_actions_->SetTrace(traces_.get());
  dead_letter_actions_->SetDownQueue(
      down_queue_.get(), [this](const ferry::v1::DownCommand& command, const std::string& agent_id) -> std::string {
        const ConfiguredChannel* channel = config_.inbound.Find(command.channel());
        if (channel == nullptr) return "its channel '" + command.channel() + "' is no longer configured";
        if (command.read_first()) return "";  // the control plane could not read it: read again here first
        auto agent = registry_->GetAgent(agent_id);
        const bool serves =
            agent.ok() &&
            std::all_of(channel->options.agents.begin(), channel->options.agents.end(), [&](const auto& label) {
              auto it = agent->labels().find(label.first);
              return it != agent->labels().end() && it->second == label.second;
            });
        if (!serves) return "agent " + agent_id + " does not serve channel " + command.channel() + ": not replayed";
        return "";
      });
  // Dead letters an agent could not map are mapped again there.
  agent_replays_ = std::make_unique<AgentReplays>(io_.get_executor(), *tunnel_, *store_, *dead_letters_, traces_.get());
  dead_letter_actions_->SetAgentRemap([this](std::vector<AgentRemap> remaps, const std::string& note) {
    agent_replays_->Send(std::move(remaps), note);
  });
  control_ = std::make_shared<app::ControlServer>(
      io_.get_executor(), config_.data_dir / "control.sock", [this](const boost::json::value& request, uid_t caller) {
        if (auto answer = HandleDeadLetterRequest(request, caller, *dead_letters_, *dead_letter_actions_, *audit_)) {
          return *answer;
        }
        return boost::json::object{{"ok", false}, {"code", "invalid"}, {"error", "unknown op"}};
      });
  if (Status s = control_->Start(); !s.ok()) return s;
  // The fleet as the console shows it, which the alerts watch with or
  // without a console.
  if (Status s = dead_letter_tally_.Seed(*dead_letters_, NowUnixMs()); !s.ok()) return s;
  engine_->SetDeadLetterObserver(
      [this](const std::string& agent_id, int64_t unix_ms) { dead_letter_tally_.Add(agent_id, unix_ms); });
  fleet_view_ = std::make_unique<FleetView>(*registry_, *identities_, dead_letter_tally_, config_.console.agents);
  alerts_ =
      std::make_shared<AlertService>(io_.get_executor(), config_.alerts,
                                     AlertServiceParts{*store_, *fleet_view_, dead_letter_tally_, *engine_, *audit_},
                                     BuildAlertChannels(io_.get_executor(), config_.alerts));
  if (Status s = alerts_->Start(); !s.ok()) return s;
  if (!config_.console.host.empty()) {
    console_users_ = std::make_unique<ConsoleUsers>(*store_);
    api_tokens_ = std::make_unique<ApiTokens>(*store_);
    console_ = std::make_unique<ConsoleService>(
        io_.get_executor(), config_.console,
        ConsoleParts{*console_users_, *api_tokens_, *pki_, *audit_, *fleet_view_, dead_letter_tally_, throughput_,
                     *engine_, *queue_, *dead_letters_, *dead_letter_actions_, *traces_, *alerts_, *registry_,
                     config_.flows, [this] { return down_->Stats(); }, [this] { return down_reads_->Stats(); },
                     [this] { return poller_->Stats(); }, down_queue_.get()});
    SampleThroughput();
    if (Status s = console_->Start(); !s.ok()) return s;
  }
  if (!config_.fleet.require_enrollment) {
    spdlog::warn(
        "event=enrollment_not_required detail=\"fleet.require_enrollment is false: events from any agent "
        "id are accepted\"");
  }
  engine_->Start();
  down_->Start();
  down_reads_->Start();
  poller_->Start();
  distributor_->Start();
  tunnel_->Start();
  SchedulePrune();
  LogStats();
  FlushTraces();
  spdlog::info("event=controlplane_started id={} connectors={} default_connector={}", config_.id, names,
               config_.delivery.default_connector);
  return Status::Ok();
}

ferry::v1::Heartbeat ControlPlane::WithEnrolledLabels(const std::string& agent_id,
                                                      const ferry::v1::Heartbeat& heartbeat) {
  // Bundles are chosen by the labels the control plane gave the agent
  // (agents add, agents label), never by what an agent says of itself: a
  // compromised plant must not get another plant's bundle by claiming its
  // labels.
  ferry::v1::Heartbeat trusted = heartbeat;
  trusted.mutable_labels()->clear();
  if (auto identity = identities_->Get(agent_id); identity.ok()) *trusted.mutable_labels() = identity->labels();
  const std::map<std::string, std::string> reported(heartbeat.labels().begin(), heartbeat.labels().end());
  const std::map<std::string, std::string> enrolled(trusted.labels().begin(), trusted.labels().end());
  if (reported != enrolled && labels_warned_.insert(agent_id).second) {
    spdlog::warn(
        "event=agent_labels_ignored agent_id={} detail=\"the agent reports labels other than its enrolled ones; "
        "bundles follow the enrolled ones (agents label to change them)\"",
        agent_id);
  }
  return trusted;
}

void ControlPlane::SchedulePrune() {
  // Idempotency keys only need to outlive any plausible resend.
  prune_timer_.expires_after(std::chrono::hours(1));
  prune_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    queue_->PruneKeys(NowUnixMs() - config_.dedup_retention.count(), nullptr);
    down_queue_->PruneKeys(NowUnixMs() - config_.dedup_retention.count(), nullptr);
    // Hourly, so the CRL never nears its next update and the own identity
    // is renewed long before it ends (the tunnel uses it at its next
    // connect).
    if (Status s = RefreshPki(); !s.ok()) spdlog::error("event=pki_refresh_failed error=\"{}\"", s.message());
    if (audit_) audit_->Prune(NowUnixMs() - config_.console.audit_retention.count());
    SchedulePrune();
  });
}

void ControlPlane::SampleThroughput() {
  const auto& d = engine_->stats();
  throughput_.Sample(NowUnixMs(), {queue_->appended_since_open(), d.delivered, d.dead_lettered});
  throughput_timer_.expires_after(std::chrono::seconds(5));
  throughput_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) SampleThroughput();
  });
}

void ControlPlane::FlushTraces() {
  traces_->Flush();
  trace_timer_.expires_after(std::chrono::seconds(1));
  trace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) FlushTraces();
  });
}

void ControlPlane::LogStats() {
  stats_timer_.expires_after(std::chrono::seconds(30));
  stats_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    auto q = queue_->Stats();
    const auto& d = engine_->stats();
    spdlog::info(
        "event=stats queue_depth={} queue_bytes={} in_flight={} delivered={} retries={} dead_lettered={} agents={}",
        q.depth, q.bytes, engine_->in_flight(), d.delivered, d.retries, d.dead_lettered, ingest_->agents().size());
    LogStats();
  });
}

std::string ControlPlane::StatusSummary() const {
  const store::QueueStats q = queue_->Stats();
  const DeliveryStats& d = engine_->stats();
  return "delivery queue " + std::to_string(q.depth) + " events, " + std::to_string(q.bytes) + " bytes; in flight " +
         std::to_string(engine_->in_flight()) + "; delivered " + std::to_string(d.delivered) + ", retries " +
         std::to_string(d.retries) + ", dead-lettered " + std::to_string(d.dead_lettered) + "; agents " +
         std::to_string(ingest_->agents().size()) + "; broker " +
         (tunnel_->connected() ? "connected" : "not connected");
}

void ControlPlane::Shutdown(std::function<void()> done) {
  spdlog::info("event=controlplane_stopping id={}", config_.id);
  prune_timer_.cancel();
  stats_timer_.cancel();
  throughput_timer_.cancel();
  trace_timer_.cancel();
  if (traces_) traces_->Flush();
  // Stop taking batches first; a batch received but not yet acked is sent
  // again by its agent.
  if (enrollment_) enrollment_->Stop();
  if (inbound_) inbound_->Stop();
  if (down_) down_->Stop();
  if (down_reads_) down_reads_->Stop();
  if (poller_) poller_->Stop();
  if (alerts_) alerts_->Stop();
  if (console_) console_->Stop();
  if (control_) control_->Stop();
  if (distributor_) distributor_->Stop();
  if (tunnel_) tunnel_->Stop();
  if (engine_) engine_->Stop();
  spdlog::info("event=controlplane_stopped id={}", config_.id);
  done();
}

}  // namespace ferry::controlplane
