#pragma once
// What the console's fleet page and connectors page show, as JSON
// (docs/api.md, "Fleet" and "Connectors"):
//
//   GET /api/v1/fleet       agents by state, events in and out per minute
//                           over the last hour, the oldest unsent event
//                           anywhere, dead letters in the last hour and
//                           their top reasons, lanes paused by Retry-After
//   GET /api/v1/connectors  per connector lane: counters since start,
//                           requests in flight, concurrency, paused for

#include <boost/json/object.hpp>

#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "controlplane/console/dead_letter_tally.h"
#include "controlplane/console/fleet_view.h"
#include "controlplane/console/throughput_history.h"
#include "controlplane/delivery/delivery_engine.h"

namespace ferry::controlplane {

struct FleetSources {
  const FleetView& fleet;
  const DeadLetterTally& dead_letters;
  const ThroughputHistory& throughput;
  const store::DurableQueue& delivery;
  const store::DurableQueue& dlq;
  std::vector<LaneView> lanes;
};

Result<boost::json::object> FleetSummaryJson(const FleetSources& sources, int64_t now_unix_ms);
boost::json::object ConnectorsJson(const std::vector<LaneView>& lanes);

}  // namespace ferry::controlplane
