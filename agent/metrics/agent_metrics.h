#pragma once
// The agent's Prometheus metrics (docs/metrics.md): what `ferry-agent
// status` shows (outbox, raw buffer, uplink) and each source's own figures
// (requests answered, IDocs accepted, the commit latency), written at
// scrape time from the figures the agent keeps anyway.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/down/down_executor.h"
#include "agent/sources/source.h"
#include "agent/uplink/uplink.h"
#include "common/store/durable_queue.h"

namespace ferry::agent {

struct AgentMetricsSources {
  const store::DurableQueue& outbox;
  const store::DurableQueue& raw;
  const UplinkStats& uplink;
  const std::vector<std::unique_ptr<Source>>& sources;
  const store::DurableQueue& receipts;
  uint64_t receipts_sent = 0;
  uint64_t receipts_dropped = 0;
  const store::DurableQueue* down = nullptr;      // CRM records on their way into SAP
  const DownExecutorStats* down_stats = nullptr;  // null: no down: section
};

std::string AgentMetrics(const AgentMetricsSources& sources, int64_t now_unix_ms);

}  // namespace ferry::agent
