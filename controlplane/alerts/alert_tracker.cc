#include "controlplane/alerts/alert_tracker.h"

namespace ferry::controlplane {

const char* AlertChangeName(AlertChange change) {
  switch (change) {
    case AlertChange::kFiring:
      return "firing";
    case AlertChange::kRepeat:
      return "still firing";
    case AlertChange::kResolved:
      return "resolved";
  }
  return "?";
}

AlertTracker::AlertTracker(std::vector<AlertRule> rules) {
  for (auto& rule : rules) rules_.emplace(rule.name, std::move(rule));
}

std::vector<AlertNotification> AlertTracker::Evaluate(const std::vector<AlertCondition>& holding, int64_t now_unix_ms) {
  // Grouped per rule and change, in rule order.
  std::map<std::pair<std::string, AlertChange>, AlertNotification> changed;
  auto note = [&](const ActiveAlert& alert, AlertChange change) {
    AlertNotification& n = changed[{alert.condition.rule, change}];
    n.rule = alert.condition.rule;
    n.change = change;
    n.unix_ms = now_unix_ms;
    n.alerts.push_back(alert.condition);
  };
  std::map<std::pair<std::string, std::string>, const AlertCondition*> now;
  for (const auto& condition : holding) {
    if (rules_.count(condition.rule)) now[{condition.rule, condition.subject}] = &condition;
  }
  // Resolved: held before, not now.
  for (auto it = active_.begin(); it != active_.end();) {
    if (now.count(it->first)) {
      ++it;
      continue;
    }
    if (it->second.firing) note(it->second, AlertChange::kResolved);
    it = active_.erase(it);
  }
  for (const auto& [key, condition] : now) {
    const AlertRule& rule = rules_.at(key.first);
    auto [it, added] = active_.try_emplace(key);
    ActiveAlert& alert = it->second;
    alert.condition = *condition;  // the latest summary
    if (added) alert.holding_since_unix_ms = now_unix_ms;
    if (!alert.firing) {
      if (now_unix_ms - alert.holding_since_unix_ms >= rule.hold.count()) {
        alert.firing = true;
        alert.firing_since_unix_ms = now_unix_ms;
        alert.last_notified_unix_ms = now_unix_ms;
        note(alert, AlertChange::kFiring);
      }
    } else if (rule.repeat.count() > 0 && now_unix_ms - alert.last_notified_unix_ms >= rule.repeat.count()) {
      alert.last_notified_unix_ms = now_unix_ms;
      note(alert, AlertChange::kRepeat);
    }
  }
  std::vector<AlertNotification> out;
  for (auto& [key, notification] : changed) out.push_back(std::move(notification));
  return out;
}

void AlertTracker::SetRules(std::vector<AlertRule> rules) {
  rules_.clear();
  for (auto& rule : rules) rules_.emplace(rule.name, std::move(rule));
  std::erase_if(active_, [this](const auto& entry) { return !rules_.count(entry.first.first); });
}

void AlertTracker::Restore(const std::vector<ActiveAlert>& firing) {
  for (const auto& alert : firing) {
    if (!rules_.count(alert.condition.rule)) continue;
    ActiveAlert& restored = active_[{alert.condition.rule, alert.condition.subject}];
    restored = alert;
    restored.firing = true;
  }
}

std::vector<ActiveAlert> AlertTracker::Active() const {
  std::vector<ActiveAlert> out;
  for (const auto& [key, alert] : active_) out.push_back(alert);
  return out;
}

}  // namespace ferry::controlplane
