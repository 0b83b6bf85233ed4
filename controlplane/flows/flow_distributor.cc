#include "controlplane/flows/flow_distributor.h"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/util/one_line.h"

namespace ferry::controlplane {
FlowDistributor::FlowDistributor(boost::asio::any_io_executor executor, transport::Tunnel& tunnel,
                                 BundleRegistry& registry, std::optional<crypto::SigningKey> key, FlowsOptions options)
    : executor_(executor),
      tunnel_(tunnel),
      registry_(registry),
      key_(std::move(key)),
      options_(std::move(options)),
      poll_timer_(executor) {
  if (key_) key_id_ = key_->KeyId();
}

void FlowDistributor::Start() {
  if (!key_) {
    spdlog::info("event=flows_distribution_off reason=\"flows.signing_key_file is not set\"");
    return;
  }
  spdlog::info("event=flows_distribution_on key_id={} poll_interval_ms={}", key_id_, options_.poll_interval.count());
  SchedulePoll();
}

void FlowDistributor::Stop() {
  stopped_ = true;
  poll_timer_.cancel();
}

void FlowDistributor::SchedulePoll() {
  poll_timer_.expires_after(options_.poll_interval);
  poll_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->ReconcileAll();
    self->SchedulePoll();
  });
}

void FlowDistributor::OnHeartbeat(const std::string& agent_id, const ferry::v1::Heartbeat& heartbeat) {
  if (stopped_) return;
  // Check the agent only once its heartbeat is committed, so the check sees
  // the labels and status it carried.
  auto done = [weak = weak_from_this(), executor = executor_, agent_id](const Status& s) {
    // On the store's writer thread: hand over to the event loop.
    boost::asio::post(executor, [weak, agent_id, s] {
      if (auto self = weak.lock()) self->OnHeartbeatRecorded(agent_id, s);
    });
  };
  registry_.RecordHeartbeat(agent_id, heartbeat, std::move(done));
}

void FlowDistributor::OnHeartbeatRecorded(const std::string& agent_id, const Status& status) {
  if (stopped_) return;
  if (!status.ok()) {
    spdlog::warn("event=flows_record_failed agent_id={} error=\"{}\"", agent_id, status.message());
    return;
  }
  ReconcileAgent(agent_id);
}

void FlowDistributor::OnFlowStatus(const std::string& agent_id, const std::string& payload) {
  if (stopped_) return;
  ferry::v1::FlowStatus status;
  if (!status.ParseFromString(payload)) {
    spdlog::warn("event=flows_bad_status agent_id={}", agent_id);
    return;
  }
  if (!status.agent_id().empty() && status.agent_id() != agent_id) {
    // An agent may only report for itself (broker ACLs enforce the topic).
    spdlog::error("event=flows_agent_mismatch topic_agent={} status_agent={}", agent_id, status.agent_id());
    return;
  }
  status.set_agent_id(agent_id);
  if (status.applied()) {
    spdlog::info("event=flows_applied agent_id={} sequence={} version={}", agent_id, status.deployment_sequence(),
                 status.bundle_version());
  } else {
    spdlog::warn("event=flows_rejected agent_id={} sequence={} version={} running_version={} error=\"{}\"", agent_id,
                 status.deployment_sequence(), status.bundle_version(), status.running_version(),
                 OneLine(status.error()));
  }
  registry_.RecordFlowStatus(status, [executor = executor_, agent_id](const Status& s) {
    if (s.ok()) return;
    boost::asio::post(executor, [agent_id, s] {
      spdlog::warn("event=flows_record_failed agent_id={} error=\"{}\"", agent_id, s.message());
    });
  });
}

void FlowDistributor::ReconcileAll() {
  if (!key_ || !tunnel_.connected()) return;
  auto deployments = registry_.ListDeployments();
  if (!deployments.ok()) {
    spdlog::error("event=flows_read_failed what=deployments error=\"{}\"", deployments.status().message());
    return;
  }
  if (deployments->empty()) return;
  auto agents = registry_.ListAgents();
  if (!agents.ok()) {
    spdlog::error("event=flows_read_failed what=agents error=\"{}\"", agents.status().message());
    return;
  }
  for (const auto& agent : *agents) Reconcile(agent, *deployments);
}

void FlowDistributor::ReconcileAgent(const std::string& agent_id) {
  if (!key_ || !tunnel_.connected()) return;
  auto deployments = registry_.ListDeployments();
  auto agent = registry_.GetAgent(agent_id);
  if (!deployments.ok() || !agent.ok()) {
    const Status& s = deployments.ok() ? agent.status() : deployments.status();
    spdlog::error("event=flows_read_failed agent_id={} error=\"{}\"", agent_id, s.message());
    return;
  }
  Reconcile(*agent, *deployments);
}

void FlowDistributor::Reconcile(const ferry::v1::AgentRecord& agent,
                                const std::vector<ferry::v1::DeploymentRecord>& deployments) {
  if (admitted_ && !admitted_(agent.agent_id())) return;
  const ferry::v1::DeploymentRecord* desired = BundleRegistry::DesiredFor(agent.labels(), deployments);
  if (desired == nullptr) return;
  const uint64_t sequence = desired->sequence();
  const ferry::v1::FlowStatus& status = agent.flows();
  // Attempted (applied or rejected, which the agent has said why) or running.
  if (status.deployment_sequence() == sequence || status.running_sequence() == sequence) return;
  auto it = published_.find(agent.agent_id());
  if (it != published_.end() && it->second.sequence == sequence) {
    const bool heard_since = agent.last_seen_unix_ms() > it->second.unix_ms;
    const bool overdue = NowUnixMs() - it->second.unix_ms >= kRepublishAfter.count();
    if (!heard_since || !overdue) return;
  }
  Publish(agent, *desired);
}

void FlowDistributor::Publish(const ferry::v1::AgentRecord& agent, const ferry::v1::DeploymentRecord& record) {
  const std::string& agent_id = agent.agent_id();
  const uint64_t sequence = record.sequence();
  // The same deployment again keeps its issue (and so its exact bytes); a
  // different one, even an older deployment after a label change, gets the
  // next issue, which is what the agent checks against replays.
  // What was sent last: the stored record, or a newer send not yet stored.
  uint64_t last_sequence = agent.published_sequence();
  uint64_t issue = agent.published_issue();
  if (auto it = published_.find(agent_id); it != published_.end() && it->second.issue >= issue) {
    last_sequence = it->second.sequence;
    issue = it->second.issue;
  }
  if (last_sequence != sequence || issue == 0) ++issue;
  const uint64_t version = record.bundle_version();
  auto bundle = registry_.GetBundle(version);
  if (!bundle.ok()) {
    spdlog::error("event=flows_publish_failed agent_id={} sequence={} version={} error=\"{}\"", agent_id, sequence,
                  version, bundle.status().message());
    return;
  }
  ferry::v1::Deployment deployment;
  deployment.set_sequence(sequence);
  deployment.set_agent_id(agent_id);
  *deployment.mutable_bundle() = std::move(bundle).value();
  // The deployment's own time, not the publish time, so a repeated publish
  // sends the same bytes.
  deployment.set_issued_unix_ms(record.unix_ms());
  deployment.set_issue(issue);
  ferry::v1::SignedDeployment signed_deployment;
  signed_deployment.set_deployment(deployment.SerializeAsString());
  auto signature = key_->Sign(signed_deployment.deployment());
  if (!signature.ok()) {
    spdlog::error("event=flows_publish_failed agent_id={} sequence={} version={} error=\"{}\"", agent_id, sequence,
                  version, signature.status().message());
    return;
  }
  signed_deployment.set_signature(std::move(signature).value());
  signed_deployment.set_key_id(key_id_);
  published_[agent_id] = {sequence, issue, NowUnixMs()};
  tunnel_.PublishRetained(transport::topics::DownBundle(agent_id), signed_deployment.SerializeAsString(),
                          [weak = weak_from_this(), agent_id, sequence, issue, version](const Status& s) {
                            if (auto self = weak.lock()) self->OnPublished(agent_id, sequence, issue, version, s);
                          });
}

void FlowDistributor::OnPublished(const std::string& agent_id, uint64_t sequence, uint64_t issue, uint64_t version,
                                  const Status& status) {
  if (stopped_) return;
  if (!status.ok()) {
    // Forget the attempt, so the next poll tries again.
    auto it = published_.find(agent_id);
    if (it != published_.end() && it->second.sequence == sequence) published_.erase(it);
    spdlog::warn("event=flows_publish_failed agent_id={} sequence={} version={} error=\"{}\"", agent_id, sequence,
                 version, status.message());
    return;
  }
  spdlog::info("event=flows_published agent_id={} sequence={} version={}", agent_id, sequence, version);
  registry_.SetPublished(agent_id, sequence, issue, nullptr);
}

}  // namespace ferry::controlplane
