#pragma once
// What the console's pages are made of, reduced to one number per topic,
// so that a change can be announced to the open tabs (console_events.h)
// without sending them the data: a tab fetches what it shows again.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "controlplane/console/audit_log.h"
#include "controlplane/console/fleet_view.h"
#include "controlplane/console/throughput_history.h"
#include "controlplane/flows/bundle_registry.h"

namespace ferry::controlplane {

struct ConsoleFingerprint {
  uint64_t agents = 0;        // each agent's state, reasons and last heartbeat
  uint64_t dead_letters = 0;  // what the dead-letter queue holds
  uint64_t audit = 0;         // the newest audit entry
  uint64_t fleet = 0;         // the fleet page: all of the above and the throughput chart
  uint64_t alerts = 0;        // firing and pending alerts, sent notifications, channel counters
  uint64_t flows = 0;         // bundles, deployments, what agents report of them
  uint64_t down = 0;          // what the down queue holds
};

struct ConsoleSources {
  const FleetView& fleet;
  const store::DurableQueue& dead_letters;
  const AuditLog& audit;
  const ThroughputHistory& throughput;
  uint64_t alerts_version = 0;  // AlertService::version()
  const BundleRegistry& registry;
  const store::DurableQueue* down = nullptr;
};

Result<ConsoleFingerprint> TakeFingerprint(const ConsoleSources& sources, int64_t now_unix_ms);

// The topics whose numbers differ ("agents", "dead-letters", "audit",
// "fleet", "alerts", "flows", "down"), in that order.
std::vector<std::string> ChangedTopics(const ConsoleFingerprint& before, const ConsoleFingerprint& now);

}  // namespace ferry::controlplane
