#include "controlplane/console/controlplane_metrics.h"

#include <array>

#include "common/metrics/metrics_text.h"

namespace ferry::controlplane {

Result<std::string> ControlPlaneMetrics(const ControlPlaneMetricsSources& s, int64_t now) {
  metrics::MetricsText m;
  const auto queue = s.delivery.Stats();
  m.Gauge("ferry_controlplane_delivery_queue_events", "Events stored and waiting for delivery.",
          static_cast<double>(queue.depth));
  m.Gauge("ferry_controlplane_delivery_queue_bytes", "Stored bytes of the events waiting for delivery.",
          static_cast<double>(queue.bytes));
  m.Gauge("ferry_controlplane_delivery_queue_oldest_age_seconds", "Age of the oldest event waiting for delivery.",
          metrics::AgeSeconds(queue.oldest_enqueued_unix_ms, now));
  m.Counter("ferry_controlplane_events_stored_total", "Events stored for delivery since the control plane started.",
            static_cast<double>(s.delivery.appended_since_open()));
  const auto dlq = s.dead_letters.Stats();
  m.Gauge("ferry_controlplane_dead_letters", "Dead letters stored.", static_cast<double>(dlq.depth));
  m.Gauge("ferry_controlplane_dead_letter_bytes", "Stored bytes of the dead letters.", static_cast<double>(dlq.bytes));

  const auto lanes = s.engine.Lanes();
  for (const auto& lane : lanes) {
    m.Counter("ferry_controlplane_delivered_total", "Events delivered, per connector.",
              static_cast<double>(lane.delivered), {{"connector", lane.connector}});
  }
  for (const auto& lane : lanes) {
    m.Counter("ferry_controlplane_dead_lettered_total", "Events dead-lettered, per connector.",
              static_cast<double>(lane.dead_lettered), {{"connector", lane.connector}});
  }
  for (const auto& lane : lanes) {
    m.Counter("ferry_controlplane_delivery_retries_total", "Events whose delivery will be tried again.",
              static_cast<double>(lane.retries), {{"connector", lane.connector}});
  }
  for (const auto& lane : lanes) {
    m.Gauge("ferry_controlplane_requests_in_flight", "Requests to the target in flight, per connector.",
            static_cast<double>(lane.requests), {{"connector", lane.connector}});
  }
  for (const auto& lane : lanes) {
    m.Gauge("ferry_controlplane_lane_paused_seconds", "Time left of a Retry-After pause, per connector.",
            static_cast<double>(lane.paused_for.count()) / 1000.0, {{"connector", lane.connector}});
  }
  for (const auto& lane : lanes) {
    m.Histogram("ferry_controlplane_crm_request_seconds", "Duration of each request to the target, per connector.",
                lane.request_seconds, {{"connector", lane.connector}});
  }
  m.Histogram("ferry_controlplane_end_to_end_seconds",
              "From the agent's receipt of an event to its delivery to the target.", s.engine.EndToEndSeconds());

  m.Gauge("ferry_controlplane_down_commands",
          "CRM records committed here on their way into SAP, not yet committed by an agent.",
          static_cast<double>(s.down.depth));
  m.Gauge("ferry_controlplane_down_commands_unrouted", "Of those, records no online agent serves the channel of.",
          static_cast<double>(s.down.unrouted));
  m.Gauge("ferry_controlplane_down_commands_unread", "Of those, records waiting to be read whole from the CRM.",
          static_cast<double>(s.down.unread));
  m.Counter("ferry_controlplane_down_accepted_total", "CRM records committed from the inbound listener.",
            static_cast<double>(s.down.accepted_total));
  m.Counter("ferry_controlplane_down_sent_total", "CRM records published to agents, resends included.",
            static_cast<double>(s.down.sent_total));
  m.Counter("ferry_controlplane_down_committed_total", "CRM records an agent acknowledged it committed.",
            static_cast<double>(s.down.committed_total));
  for (const auto& [outcome, count] :
       {std::pair{"read", s.down_reads.read_total}, std::pair{"retry", s.down_reads.retries_total},
        std::pair{"dead_lettered", s.down_reads.dead_lettered_total}}) {
    m.Counter("ferry_controlplane_down_reads_total", "Reads of partial CRM records through the CRM's API, by outcome.",
              static_cast<double>(count), {{"outcome", outcome}});
  }

  for (const auto& [polled, p] : s.polls) {
    const size_t slash = polled.find('/');
    const metrics::Labels labels{{"channel", polled.substr(0, slash)}, {"object", polled.substr(slash + 1)}};
    m.Counter("ferry_controlplane_poll_passes_total", "Passes of a polled channel over one object.",
              static_cast<double>(p.passes_total), labels);
    m.Counter("ferry_controlplane_poll_changes_total", "Changes a polled channel committed as CRM records going down.",
              static_cast<double>(p.committed_total), labels);
    m.Counter("ferry_controlplane_poll_failures_total", "Listings of changes that failed (asked again next pass).",
              static_cast<double>(p.failures_total), labels);
    if (p.last_success_unix_ms > 0) {
      m.Gauge("ferry_controlplane_poll_last_success_seconds",
              "When a pass over the object last listed every change (Unix time).",
              static_cast<double>(p.last_success_unix_ms) / 1000.0, labels);
    }
  }

  auto agents = s.fleet.All(now);
  if (!agents.ok()) return agents.status();
  std::array<uint64_t, 4> by_state{};
  for (const auto& view : *agents) ++by_state[static_cast<size_t>(view.health.state)];
  for (AgentState state : {AgentState::kHealthy, AgentState::kDegraded, AgentState::kStale, AgentState::kOffline}) {
    m.Gauge("ferry_controlplane_agents", "Agents by state, as the console computes it.",
            static_cast<double>(by_state[static_cast<size_t>(state)]), {{"state", AgentStateName(state)}});
  }
  m.Gauge("ferry_controlplane_alerts_firing", "Alerts firing now, all rules together.",
          static_cast<double>(s.alerts.firing()));
  const auto channels = s.alerts.Channels();
  for (const auto& c : channels) {
    m.Counter("ferry_controlplane_alert_notifications_total", "Alert notifications taken by a channel's receiver.",
              static_cast<double>(c.sent), {{"channel", c.name}, {"outcome", "sent"}});
    m.Counter("ferry_controlplane_alert_notifications_total", "Alert notifications taken by a channel's receiver.",
              static_cast<double>(c.failed), {{"channel", c.name}, {"outcome", "failed"}});
  }
  return m.text();
}

}  // namespace ferry::controlplane
