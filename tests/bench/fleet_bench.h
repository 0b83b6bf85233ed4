#pragma once
// The control plane at fleet scale: simulated agents (one MQTT connection
// speaking for all of them, each heartbeating at its interval, with a
// trickle of events) against a real control plane with its console, and
// traces seeded straight into its store.
//
// Figures: the control plane's CPU idle and with 1,000 and 10,000 agents
// (heartbeats every 10 s); p50 and p99 of the agent list's first page and
// of a fleet-wide IDoc-number search with 10,000 agents and 1 million
// stored events, against a cheap API call as the baseline; the time a
// change takes to reach 1 and 20 open live-update streams.

#include <map>
#include <string>

namespace ferry::testing {

void MeasureFleet(bool quick, std::map<std::string, double>& out);

}  // namespace ferry::testing
