#pragma once
// The alerts, end to end: every `evaluate_every` the rules (alert_rules.h)
// are checked against the fleet as the console shows it
// (alert_conditions.h), the tracker turns what changed into one
// notification per rule and change (alert_tracker.h), each notification
// is kept in the history and sent to every channel (alert_channel.h).
//
// A channel that is unreachable is tried again with a growing pause (1 s,
// doubling to 5 min) up to kMaxAttempts; at most kMaxPending notifications
// wait per channel, so a dead receiver costs bounded memory. Everything
// runs on the control plane's event loop.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "controlplane/alerts/alert_channel.h"
#include "controlplane/alerts/alert_rules.h"
#include "controlplane/alerts/alert_store.h"
#include "controlplane/alerts/alert_tracker.h"
#include "controlplane/alerts/alerts_config.h"
#include "controlplane/alerts/lane_error_rates.h"
#include "controlplane/console/audit_log.h"
#include "controlplane/console/dead_letter_tally.h"
#include "controlplane/console/fleet_view.h"
#include "controlplane/delivery/delivery_engine.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct AlertServiceParts {
  store::Store& store;
  const FleetView& fleet;
  const DeadLetterTally& dead_letters;
  const DeliveryEngine& engine;
  const AuditLog& audit;
};

struct AlertChannelStats {
  std::string name;
  uint64_t sent = 0;
  uint64_t failed = 0;  // given up on: a final error, too many attempts, or too many pending
  size_t pending = 0;   // being sent or waiting to be tried again
  std::string last_error;
};

class AlertService : public std::enable_shared_from_this<AlertService> {
 public:
  static constexpr int kMaxAttempts = 10;
  static constexpr size_t kMaxPending = 256;

  AlertService(boost::asio::any_io_executor executor, AlertsOptions options, AlertServiceParts parts,
               std::vector<std::unique_ptr<AlertChannel>> channels);
  // Reads the rules and the alerts firing before a restart; evaluates
  // every evaluate_every from now on.
  Status Start();
  // No evaluation after this; notifications waiting to be tried again are
  // given up.
  void Stop();
  // One evaluation as of `now_unix_ms` (what the timer runs).
  void Evaluate(int64_t now_unix_ms);

  const std::vector<AlertRuleSpec>& rules() const { return rules_; }
  // Stores `rules` with `audit` in one transaction and applies them once
  // committed; `done` on the event loop.
  void ReplaceRules(std::vector<AlertRuleSpec> rules, ferry::v1::AuditEntry audit,
                    std::function<void(const Status&)> done);

  // {"firing":[...], "pending":[...], "channels":[...]} (docs/api.md).
  boost::json::object ActiveJson() const;
  const AlertStore& store() const { return store_; }
  std::vector<AlertChannelStats> Channels() const { return stats_; }
  size_t firing() const;
  // Changes whenever what ActiveJson or the history shows changes.
  uint64_t version() const { return version_; }

 private:
  void ScheduleEvaluation();
  void Dispatch(const AlertMessage& message);
  boost::asio::awaitable<void> Send(std::shared_ptr<AlertService> self, size_t channel, AlertMessage message);
  void ApplyRules(std::vector<AlertRuleSpec> rules);
  AlertKind KindOf(const std::string& rule) const;

  boost::asio::any_io_executor executor_;
  AlertsOptions options_;
  AlertServiceParts parts_;
  AlertStore store_;
  std::vector<std::unique_ptr<AlertChannel>> channels_;
  std::vector<AlertChannelStats> stats_;  // by channel
  std::vector<AlertRuleSpec> rules_;
  AlertTracker tracker_{{}};
  LaneErrorRates lane_rates_;
  boost::asio::steady_timer timer_;
  std::set<boost::asio::steady_timer*> retry_waits_;  // cancelled by Stop
  std::string boot_id_;                               // notification ids: BOOT-N
  uint64_t sent_ = 0;
  uint64_t version_ = 0;
  bool stopped_ = false;
};

}  // namespace ferry::controlplane
