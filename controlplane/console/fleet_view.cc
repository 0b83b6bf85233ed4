#include "controlplane/console/fleet_view.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace ferry::controlplane {
namespace {

using ferry::v1::AgentIdentity;
using ferry::v1::AgentRecord;
using ferry::v1::DeploymentRecord;

// Worst first: offline, stale, degraded, healthy.
int Severity(AgentState state) {
  switch (state) {
    case AgentState::kOffline:
      return 0;
    case AgentState::kStale:
      return 1;
    case AgentState::kDegraded:
      return 2;
    case AgentState::kHealthy:
      return 3;
  }
  return 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// `record` or `identity` may be null (never heard from; not enrolled).
AgentView Build(const std::string& agent_id, const AgentRecord* record, const AgentIdentity* identity,
                const std::vector<DeploymentRecord>& deployments, const DeadLetterTally& dead_letters,
                const AgentThresholds& thresholds, int64_t now) {
  AgentView view;
  view.agent_id = agent_id;
  if (record) view.record = *record;
  const Labels& labels = identity ? identity->labels() : view.record.labels();
  view.labels.insert(labels.begin(), labels.end());
  AgentSignals signals;
  if (identity) {
    view.identity = AgentIdentityStateName(identity->state());
    if (identity->certificates_size() > 0) {
      const auto& newest = *identity->certificates().rbegin();
      signals.certificate_issued_unix_ms = newest.issued_unix_ms();
      signals.certificate_not_after_unix_ms = newest.not_after_unix_ms();
    }
  }
  if (const DeploymentRecord* desired = BundleRegistry::DesiredFor(labels, deployments)) {
    view.desired_version = desired->bundle_version();
    view.desired_sequence = desired->sequence();
  }
  view.dead_letters = dead_letters.For(agent_id, now);
  const auto& heartbeat = view.record.heartbeat();
  signals.last_heartbeat_unix_ms = view.record.heartbeat_unix_ms();
  signals.heartbeat_interval_ms = heartbeat.interval_ms();
  signals.oldest_unsent_age_ms = heartbeat.oldest_age_ms();
  if (signals.certificate_not_after_unix_ms == 0) {
    signals.certificate_not_after_unix_ms = heartbeat.certificate_not_after_unix_ms();
  }
  // A rejection counts while it is about the deployment the agent should run.
  const auto& flows = view.record.flows();
  signals.bundle_rejected =
      !flows.applied() && flows.deployment_sequence() != 0 && flows.deployment_sequence() == view.desired_sequence;
  signals.bundle_error = flows.error();
  view.bundle_rejected = signals.bundle_rejected;
  signals.dead_letters_last_hour = view.dead_letters.last_hour;
  signals.dead_letters_hour_before = view.dead_letters.hour_before;
  view.certificate_not_after_unix_ms = signals.certificate_not_after_unix_ms;
  view.health = AssessAgent(signals, thresholds, now);
  return view;
}

bool Matches(const AgentView& view, const AgentQuery& query, const std::string& text) {
  if (!query.states.empty() &&
      std::find(query.states.begin(), query.states.end(), view.health.state) == query.states.end()) {
    return false;
  }
  for (const auto& [key, value] : query.labels) {
    auto it = view.labels.find(key);
    if (it == view.labels.end() || it->second != value) return false;
  }
  if (text.empty() || Lower(view.agent_id).find(text) != std::string::npos) return true;
  for (const auto& [key, value] : view.labels) {
    if (Lower(value).find(text) != std::string::npos) return true;
  }
  return false;
}

// The sort key; the id last so that the order is total and pages are stable.
bool Before(const AgentView& a, const AgentView& b, AgentSort sort) {
  switch (sort) {
    case AgentSort::kId:
      return a.agent_id < b.agent_id;
    case AgentSort::kState:
      return std::make_tuple(Severity(a.health.state), std::cref(a.agent_id)) <
             std::make_tuple(Severity(b.health.state), std::cref(b.agent_id));
    case AgentSort::kLastHeartbeat:
      return std::make_tuple(a.record.heartbeat_unix_ms(), std::cref(a.agent_id)) <
             std::make_tuple(b.record.heartbeat_unix_ms(), std::cref(b.agent_id));
    case AgentSort::kOldestUnsent:
      return std::make_tuple(a.record.heartbeat().oldest_age_ms(), std::cref(a.agent_id)) <
             std::make_tuple(b.record.heartbeat().oldest_age_ms(), std::cref(b.agent_id));
  }
  return a.agent_id < b.agent_id;
}

}  // namespace

Result<std::vector<AgentView>> FleetView::All(int64_t now) const {
  auto records = registry_.ListAgents();
  if (!records.ok()) return records.status();
  auto identities = identities_.List();
  if (!identities.ok()) return identities.status();
  auto deployments = registry_.ListDeployments();
  if (!deployments.ok()) return deployments.status();
  // Both lists are sorted by agent id: merge them.
  std::vector<AgentView> views;
  views.reserve(std::max(records->size(), identities->size()));
  auto r = records->begin();
  auto i = identities->begin();
  while (r != records->end() || i != identities->end()) {
    const bool take_record = r != records->end() && (i == identities->end() || r->agent_id() <= i->agent_id());
    const bool take_identity = i != identities->end() && (r == records->end() || i->agent_id() <= r->agent_id());
    const std::string& id = take_record ? r->agent_id() : i->agent_id();
    views.push_back(Build(id, take_record ? &*r : nullptr, take_identity ? &*i : nullptr, *deployments, dead_letters_,
                          thresholds_, now));
    if (take_record) ++r;
    if (take_identity) ++i;
  }
  return views;
}

Result<AgentPage> FleetView::List(const AgentQuery& query, int64_t now) const {
  auto all = All(now);
  if (!all.ok()) return all.status();
  AgentPage page;
  const std::string text = Lower(query.text);
  std::vector<AgentView> matching;
  for (auto& view : *all) {
    ++page.by_state[static_cast<size_t>(view.health.state)];
    if (Matches(view, query, text)) matching.push_back(std::move(view));
  }
  page.total = matching.size();
  const size_t begin = std::min(query.offset, matching.size());
  const size_t end = begin + std::min(std::min(query.limit, AgentQuery::kMaxLimit), matching.size() - begin);
  auto order = [&](const AgentView& a, const AgentView& b) {
    return query.descending ? Before(b, a, query.sort) : Before(a, b, query.sort);
  };
  // Only the page needs to be in order.
  std::partial_sort(matching.begin(), matching.begin() + static_cast<std::ptrdiff_t>(end), matching.end(), order);
  page.agents.assign(std::make_move_iterator(matching.begin() + static_cast<std::ptrdiff_t>(begin)),
                     std::make_move_iterator(matching.begin() + static_cast<std::ptrdiff_t>(end)));
  return page;
}

Result<AgentView> FleetView::Get(const std::string& agent_id, int64_t now) const {
  auto record = registry_.GetAgent(agent_id);
  if (!record.ok() && record.status().code() != StatusCode::kNotFound) return record.status();
  auto identity = identities_.Get(agent_id);
  if (!identity.ok() && identity.status().code() != StatusCode::kNotFound) return identity.status();
  if (!record.ok() && !identity.ok()) return Status::NotFound("no agent " + agent_id);
  auto deployments = registry_.ListDeployments();
  if (!deployments.ok()) return deployments.status();
  return Build(agent_id, record.ok() ? &*record : nullptr, identity.ok() ? &*identity : nullptr, *deployments,
               dead_letters_, thresholds_, now);
}

}  // namespace ferry::controlplane
