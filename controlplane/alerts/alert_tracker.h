#pragma once
// The state of each alert, so that a notification goes out once per change
// of state and never as a storm (issue: console alerts).
//
// An alert is a rule and a subject ("agent_offline" / "plant-01"). Each
// evaluation says which conditions hold now. One that holds for the rule's
// `hold` time fires; while it fires it is notified again every `repeat`;
// when it no longer holds it resolves, once. A condition that comes and
// goes within `hold` is never notified. What changed in one evaluation is
// grouped per rule and kind, so a thousand agents going offline together
// make one notification, not a thousand.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ferry::controlplane {

struct AlertRule {
  std::string name;                                         // e.g. "agent_offline"
  std::chrono::milliseconds hold{0};                        // how long a condition must hold before it fires
  std::chrono::milliseconds repeat{std::chrono::hours(4)};  // notify again while firing; 0: never
};

struct AlertCondition {
  std::string rule;
  std::string subject;  // what it is about, e.g. an agent id
  std::string summary;  // in words, for the notification
};

enum class AlertChange { kFiring, kRepeat, kResolved };
const char* AlertChangeName(AlertChange change);

// The alerts of one rule that changed in the same way in one evaluation.
struct AlertNotification {
  std::string rule;
  AlertChange change = AlertChange::kFiring;
  std::vector<AlertCondition> alerts;  // by subject
  int64_t unix_ms = 0;
};

struct ActiveAlert {
  AlertCondition condition;
  int64_t holding_since_unix_ms = 0;
  bool firing = false;
  int64_t firing_since_unix_ms = 0;
  int64_t last_notified_unix_ms = 0;
};

class AlertTracker {
 public:
  explicit AlertTracker(std::vector<AlertRule> rules);

  // Every condition that holds at `now_unix_ms` (conditions of unknown
  // rules are ignored); the notifications to send.
  std::vector<AlertNotification> Evaluate(const std::vector<AlertCondition>& holding, int64_t now_unix_ms);
  // What holds now, pending or firing, by rule and subject.
  std::vector<ActiveAlert> Active() const;

  // New rules: the alerts of rules that are gone are dropped without a
  // notification (the change is in the audit log); the others keep their
  // state under the new hold and repeat.
  void SetRules(std::vector<AlertRule> rules);
  // The alerts that were firing before a restart: while they still hold
  // they are not notified again until their repeat is due, and when they
  // no longer hold they resolve once.
  void Restore(const std::vector<ActiveAlert>& firing);

 private:
  std::map<std::string, AlertRule> rules_;
  std::map<std::pair<std::string, std::string>, ActiveAlert> active_;  // by rule, subject
};

}  // namespace ferry::controlplane
