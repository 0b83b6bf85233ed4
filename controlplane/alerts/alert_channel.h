#pragma once
// Where alert notifications go: a webhook, e-mail. Each channel sends one
// notification and says whether trying again later could help; the alert
// service (alert_service.h) owns retries, so a channel never sleeps or
// loops. Every channel is listed once in alert_channels.cc.

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "controlplane/alerts/alert_tracker.h"

namespace ferry::controlplane {

// One notification as the channels send it: the alerts of one rule that
// changed the same way in one evaluation.
struct AlertMessage {
  std::string id;  // unique per notification, stable across retries (Idempotency-Key, Message-ID)
  std::string rule;
  std::string kind;  // the rule's kind, e.g. "agent_offline"
  AlertChange change = AlertChange::kFiring;
  int64_t unix_ms = 0;
  std::vector<AlertCondition> alerts;  // by subject
  std::string console_url;             // the console's alerts page; empty: no console
};

// {"id","rule","kind","change","at","alerts":[{"subject","summary"}],"console"}
std::string AlertMessageJson(const AlertMessage& message);
// "[Ferry] firing: agent_offline (2 agents)": one line, no control
// characters.
std::string AlertMessageSubject(const AlertMessage& message);
// The plain-text body of an e-mail: what changed, each subject with its
// summary, where to look.
std::string AlertMessageText(const AlertMessage& message);

class AlertChannel {
 public:
  virtual ~AlertChannel() = default;
  // "webhook ops", "email": in logs, metrics and the console.
  virtual std::string_view name() const = 0;
  // OK when the receiver took it; Unavailable when a later attempt may
  // succeed (network, 5xx, 429, a temporary SMTP reply); any other error
  // is final for this notification.
  virtual boost::asio::awaitable<Status> Send(const AlertMessage& message) = 0;
};

}  // namespace ferry::controlplane
