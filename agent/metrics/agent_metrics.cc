#include "agent/metrics/agent_metrics.h"

#include "common/metrics/metrics_text.h"

namespace ferry::agent {

using metrics::AgeSeconds;

std::string AgentMetrics(const AgentMetricsSources& s, int64_t now) {
  metrics::MetricsText m;
  const auto outbox = s.outbox.Stats();
  m.Gauge("ferry_agent_outbox_events", "Events committed and not yet acknowledged by the control plane.",
          static_cast<double>(outbox.depth));
  m.Gauge("ferry_agent_outbox_bytes", "Stored bytes of the outbox (store.max_bytes limits them).",
          static_cast<double>(outbox.bytes));
  m.Gauge("ferry_agent_outbox_max_bytes", "The outbox limit (store.max_bytes).",
          static_cast<double>(s.outbox.max_bytes()));
  m.Gauge("ferry_agent_outbox_oldest_age_seconds", "Age of the oldest unacknowledged event; 0 when none.",
          AgeSeconds(outbox.oldest_enqueued_unix_ms, now));
  m.Counter("ferry_agent_events_committed_total", "Events committed to the outbox since the agent started.",
            static_cast<double>(s.outbox.appended_since_open()));
  const auto raw = s.raw.Stats();
  m.Gauge("ferry_agent_raw_documents", "Documents kept as received, for mapping again (store.raw_retention).",
          static_cast<double>(raw.depth));
  m.Gauge("ferry_agent_raw_bytes", "Stored bytes of the documents kept as received.", static_cast<double>(raw.bytes));

  const auto receipts = s.receipts.Stats();
  m.Gauge("ferry_agent_receipts_pending", "Receipts (STATUS IDocs) waiting for SAP to take them.",
          static_cast<double>(receipts.depth));
  m.Gauge("ferry_agent_receipts_oldest_age_seconds", "Age of the oldest receipt SAP has not taken; 0 when none.",
          AgeSeconds(receipts.oldest_enqueued_unix_ms, now));
  m.Counter("ferry_agent_receipts_sent_total", "Receipts SAP took since the agent started.",
            static_cast<double>(s.receipts_sent));
  m.Counter("ferry_agent_receipts_dropped_total",
            "Receipts left out since the agent started: the queue full, or SAP refusing one for good.",
            static_cast<double>(s.receipts_dropped));

  if (s.down != nullptr) {
    const auto down = s.down->Stats();
    m.Gauge("ferry_agent_down_commands", "CRM records committed here and not yet run into SAP.",
            static_cast<double>(down.depth));
    m.Gauge("ferry_agent_down_oldest_age_seconds", "Age of the oldest CRM record waiting to go into SAP; 0 when none.",
            AgeSeconds(down.oldest_enqueued_unix_ms, now));
  }
  if (s.down_stats != nullptr) {
    const DownExecutorStats& d = *s.down_stats;
    for (const auto& [outcome, count] :
         {std::pair{"created", d.created.load()}, std::pair{"refused", d.refused.load()},
          std::pair{"unmapped", d.unmapped.load()}, std::pair{"skipped", d.skipped.load()}}) {
      m.Counter("ferry_agent_down_records_total", "CRM records run into SAP, by what came of them.",
                static_cast<double>(count), {{"outcome", outcome}});
    }
    m.Counter("ferry_agent_down_retries_total", "Attempts SAP did not answer (or answered 5xx or 429).",
              static_cast<double>(d.retries.load()));
  }
  m.Gauge("ferry_agent_uplink_connected", "1 while the uplink to the control plane is connected.",
          s.uplink.connected ? 1.0 : 0.0);
  m.Gauge("ferry_agent_uplink_state_seconds", "Time in the uplink's current state (connected or not).",
          AgeSeconds(s.uplink.state_since_unix_ms, now));
  m.Gauge("ferry_agent_last_ack_age_seconds", "Time since the control plane last acknowledged a batch; 0: never.",
          AgeSeconds(s.uplink.last_ack_unix_ms, now));
  m.Counter("ferry_agent_batches_sent_total", "Batches published to the control plane.",
            static_cast<double>(s.uplink.batches_sent));
  m.Counter("ferry_agent_events_acked_total", "Events the control plane acknowledged (stored durably).",
            static_cast<double>(s.uplink.events_acked));
  m.Counter("ferry_agent_uplink_rewinds_total", "Times the uplink sent again from the oldest unacknowledged event.",
            static_cast<double>(s.uplink.rewinds));
  m.Counter("ferry_agent_acks_ignored_total", "Acks for batches this agent never sent (forged, stale or corrupt).",
            static_cast<double>(s.uplink.acks_ignored));

  for (const auto& source : s.sources) {
    m.Gauge("ferry_agent_source_requests_in_flight", "Requests received and waiting for their commit, per source.",
            static_cast<double>(source->InFlight()), {{"source", std::string(source->name())}});
  }
  for (const auto& source : s.sources) source->WriteMetrics(m);
  return m.text();
}

}  // namespace ferry::agent
