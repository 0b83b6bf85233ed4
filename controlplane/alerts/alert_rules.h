#pragma once
// Alert rules: what to watch and when to tell someone. Kept in the control
// plane's store and changed by admins through the console or the API
// (PUT /api/v1/alerts/rules, audited); the defaults below apply until then.
//
//   kind                  holds for a subject when                         subject
//   agent_offline         the agent is offline (it was heard from before)  agent id
//   agent_stale           the agent is stale or offline                    agent id
//   oldest_unsent         its oldest unsent event is older than older_than agent id
//   dead_letters          more than more_than dead letters in window       "fleet"
//   error_rate            failed attempts / attempts above `above` over
//                         window (at least min_attempts attempts)          connector
//   bundle_rejected       the agent rejected the bundle it was sent        agent id
//   certificate_expiring  the agent's certificate ends within `within`     agent id
//
// Every rule also has `for` (how long a condition must hold before the
// alert fires) and `repeat` (how often a firing alert is notified again;
// 0: never). In JSON, durations are strings as in the config ("90s", "5m").

#include <boost/json/array.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferry::controlplane {

enum class AlertKind {
  kAgentOffline,
  kAgentStale,
  kOldestUnsent,
  kDeadLetters,
  kErrorRate,
  kBundleRejected,
  kCertificateExpiring,
};
const char* AlertKindName(AlertKind kind);
std::optional<AlertKind> AlertKindFromName(std::string_view name);
// Whether the kind's subjects are agents (the console links them).
bool IsAgentAlert(AlertKind kind);

struct AlertRuleSpec {
  static constexpr size_t kMaxRules = 100;

  std::string name;  // [a-z0-9_-], 1 to 64 characters, unique
  AlertKind kind = AlertKind::kAgentOffline;
  bool enabled = true;
  std::chrono::milliseconds hold{0};  // "for"
  std::chrono::milliseconds repeat{std::chrono::hours(4)};
  std::chrono::milliseconds older_than{std::chrono::minutes(30)};  // oldest_unsent
  uint64_t more_than = 10;                                         // dead_letters
  std::chrono::milliseconds window{std::chrono::hours(1)};         // dead_letters, error_rate
  double above = 0.25;                                             // error_rate, a fraction
  uint64_t min_attempts = 20;                                      // error_rate
  std::chrono::milliseconds within{std::chrono::hours(14 * 24)};   // certificate_expiring
};

// What a new control plane watches.
std::vector<AlertRuleSpec> DefaultAlertRules();

// {"rules":[...]} as the API takes it. InvalidArgument naming the first
// problem by its place ("rules[2].window: must be between 1m and 2h").
Result<std::vector<AlertRuleSpec>> ParseAlertRules(std::string_view json);
// Each rule with only the settings of its kind.
boost::json::array AlertRulesJson(const std::vector<AlertRuleSpec>& rules);
// Every kind with a description and its settings (for the console's editor).
boost::json::array AlertKindsJson();

// "0s", "90s", "5m", "4h", "14d": the largest unit that is exact.
std::string DurationText(std::chrono::milliseconds duration);

}  // namespace ferry::controlplane
