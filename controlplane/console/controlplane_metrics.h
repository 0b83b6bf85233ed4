#pragma once
// The control plane's Prometheus metrics (GET /metrics on the console's
// listener, with an API token or a session; docs/metrics.md has a scrape
// configuration and alerting rules). Read at scrape time from what the
// control plane keeps anyway.

#include <cstdint>
#include <string>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "controlplane/alerts/alert_service.h"
#include "controlplane/console/fleet_view.h"
#include "controlplane/delivery/delivery_engine.h"
#include "controlplane/down/change_poller.h"
#include "controlplane/down/down_commands.h"
#include "controlplane/down/down_record_reads.h"

namespace ferry::controlplane {

struct ControlPlaneMetricsSources {
  const DeliveryEngine& engine;
  const store::DurableQueue& delivery;
  const store::DurableQueue& dead_letters;
  const FleetView& fleet;
  const AlertService& alerts;
  DownStats down;
  RecordReadStats down_reads;
  std::map<std::string, PollStats> polls;  // "<channel>/<object>"
};

Result<std::string> ControlPlaneMetrics(const ControlPlaneMetricsSources& sources, int64_t now_unix_ms);

}  // namespace ferry::controlplane
