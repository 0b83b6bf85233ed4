#pragma once
// Which alert conditions hold now, rule by rule (alert_rules.h), from what
// the console shows: the fleet's agents with their computed state, the
// dead-letter tally and the lanes' error rates. The alert tracker turns
// them into notifications.

#include <cstdint>
#include <vector>

#include "controlplane/alerts/alert_rules.h"
#include "controlplane/alerts/alert_tracker.h"
#include "controlplane/alerts/lane_error_rates.h"
#include "controlplane/console/dead_letter_tally.h"
#include "controlplane/console/fleet_view.h"

namespace ferry::controlplane {

struct AlertSignals {
  const std::vector<AgentView>& agents;
  const DeadLetterTally& dead_letters;
  const LaneErrorRates& lanes;
};

// Every condition of an enabled rule that holds at `now_unix_ms`. Revoked
// agents and agents never heard from raise nothing.
std::vector<AlertCondition> HoldingConditions(const std::vector<AlertRuleSpec>& rules, const AlertSignals& signals,
                                              int64_t now_unix_ms);

}  // namespace ferry::controlplane
