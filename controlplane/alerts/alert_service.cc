#include "controlplane/alerts/alert_service.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>

#include "common/crypto/random.h"
#include "common/util/clock.h"
#include "common/util/one_line.h"
#include "controlplane/alerts/alert_conditions.h"

namespace ferry::controlplane {

AlertService::AlertService(boost::asio::any_io_executor executor, AlertsOptions options, AlertServiceParts parts,
                           std::vector<std::unique_ptr<AlertChannel>> channels)
    : executor_(executor),
      options_(std::move(options)),
      parts_(parts),
      store_(parts.store),
      channels_(std::move(channels)),
      timer_(executor),
      boot_id_(crypto::RandomHex(4)) {
  for (const auto& channel : channels_) {
    AlertChannelStats stats;
    stats.name = std::string(channel->name());
    stats_.push_back(std::move(stats));
  }
}

Status AlertService::Start() {
  auto rules = store_.Rules();
  if (!rules.ok()) return rules.status();
  ApplyRules(std::move(*rules));
  auto firing = store_.Firing();
  if (!firing.ok()) {
    // Only what was firing is lost: those alerts fire again if they hold.
    spdlog::warn("event=alerts_firing_unreadable error=\"{}\"", OneLine(firing.status().message()));
  } else {
    tracker_.Restore(*firing);
  }
  ScheduleEvaluation();
  return Status::Ok();
}

void AlertService::Stop() {
  stopped_ = true;
  timer_.cancel();
  for (auto* wait : retry_waits_) wait->cancel();
}

void AlertService::ScheduleEvaluation() {
  timer_.expires_after(options_.evaluate_every);
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->stopped_) return;
    self->Evaluate(NowUnixMs());
    self->ScheduleEvaluation();
  });
}

void AlertService::ApplyRules(std::vector<AlertRuleSpec> rules) {
  std::vector<AlertRule> tracked;
  for (const auto& rule : rules) tracked.push_back({rule.name, rule.hold, rule.repeat});
  tracker_.SetRules(std::move(tracked));
  rules_ = std::move(rules);
  ++version_;
}

AlertKind AlertService::KindOf(const std::string& rule) const {
  for (const auto& r : rules_)
    if (r.name == rule) return r.kind;
  return AlertKind::kAgentOffline;
}

void AlertService::Evaluate(int64_t now) {
  lane_rates_.Sample(parts_.engine.Lanes(), now);
  auto agents = parts_.fleet.All(now);
  if (!agents.ok()) {
    // Judging from nothing would resolve every agent alert: skip this round.
    spdlog::warn("event=alerts_evaluation_skipped error=\"{}\"", OneLine(agents.status().message()));
    return;
  }
  const auto holding = HoldingConditions(rules_, {*agents, parts_.dead_letters, lane_rates_}, now);
  const size_t firing_before = firing();
  const auto notifications = tracker_.Evaluate(holding, now);
  if (firing() != firing_before) ++version_;
  if (notifications.empty()) return;
  std::vector<AlertMessage> messages;
  for (const auto& n : notifications) {
    AlertMessage m;
    m.id = boot_id_ + "-" + std::to_string(++sent_);
    m.rule = n.rule;
    m.kind = AlertKindName(KindOf(n.rule));
    m.change = n.change;
    m.unix_ms = n.unix_ms;
    m.alerts = n.alerts;
    if (!options_.console_url.empty()) m.console_url = options_.console_url + "/alerts";
    spdlog::info("event=alert rule={} change=\"{}\" subjects={} id={}", m.rule, AlertChangeName(m.change),
                 m.alerts.size(), m.id);
    messages.push_back(std::move(m));
  }
  std::vector<ActiveAlert> firing_now;
  for (const auto& a : tracker_.Active())
    if (a.firing) firing_now.push_back(a);
  store_.Record(messages, firing_now, [](const Status& s) {
    if (!s.ok()) spdlog::error("event=alert_history_write_failed error=\"{}\"", OneLine(s.message()));
  });
  for (const auto& m : messages) Dispatch(m);
  ++version_;
}

void AlertService::Dispatch(const AlertMessage& message) {
  for (size_t i = 0; i < channels_.size(); ++i) {
    AlertChannelStats& stats = stats_[i];
    if (stats.pending >= kMaxPending) {
      ++stats.failed;
      stats.last_error = "dropped: " + std::to_string(stats.pending) + " notifications already waiting";
      spdlog::error("event=alert_dropped channel=\"{}\" id={} pending={}", stats.name, message.id, stats.pending);
      continue;
    }
    ++stats.pending;
    boost::asio::co_spawn(executor_, Send(shared_from_this(), i, message), boost::asio::detached);
  }
}

boost::asio::awaitable<void> AlertService::Send(std::shared_ptr<AlertService> self, size_t channel,
                                                AlertMessage message) {
  AlertChannelStats& stats = stats_[channel];
  std::chrono::milliseconds pause{1000};
  for (int attempt = 1;; ++attempt) {
    Status status = co_await channels_[channel]->Send(message);
    if (status.ok()) {
      ++stats.sent;
      break;
    }
    stats.last_error = OneLine(status.message());
    const bool again = status.code() == StatusCode::kUnavailable && attempt < kMaxAttempts && !stopped_;
    spdlog::warn("event=alert_send_failed channel=\"{}\" id={} attempt={} retry={} error=\"{}\"", stats.name,
                 message.id, attempt, again, stats.last_error);
    if (!again) {
      ++stats.failed;
      break;
    }
    boost::asio::steady_timer wait(executor_, pause);
    retry_waits_.insert(&wait);
    boost::system::error_code ec;
    co_await wait.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    retry_waits_.erase(&wait);
    pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::minutes(5));
    if (stopped_) {
      ++stats.failed;
      break;
    }
  }
  --stats.pending;
  ++version_;
}

void AlertService::ReplaceRules(std::vector<AlertRuleSpec> rules, ferry::v1::AuditEntry audit,
                                std::function<void(const Status&)> done) {
  auto shared = std::make_shared<std::vector<AlertRuleSpec>>(std::move(rules));
  parts_.store.Write(
      [self = shared_from_this(), shared, audit = std::move(audit)](store::WriteTxn& txn) {
        if (auto s = self->store_.PutRules(txn.txn(), *shared); !s.ok()) return s;
        return self->parts_.audit.Append(txn.txn(), audit);
      },
      [weak = weak_from_this(), executor = executor_, shared, done = std::move(done)](const Status& s) {
        boost::asio::post(executor, [weak, shared, s, done] {
          auto self = weak.lock();
          if (self && s.ok()) self->ApplyRules(std::move(*shared));
          done(s);
        });
      });
}

size_t AlertService::firing() const {
  size_t n = 0;
  for (const auto& a : tracker_.Active()) n += a.firing;
  return n;
}

boost::json::object AlertService::ActiveJson() const {
  boost::json::array firing, pending;
  for (const auto& a : tracker_.Active()) {
    boost::json::object o{{"rule", a.condition.rule},
                          {"kind", AlertKindName(KindOf(a.condition.rule))},
                          {"subject", a.condition.subject},
                          {"summary", a.condition.summary},
                          {"since", FormatIsoTimeMs(a.holding_since_unix_ms)}};
    if (a.firing) {
      o["firing_since"] = FormatIsoTimeMs(a.firing_since_unix_ms);
      firing.push_back(std::move(o));
    } else {
      pending.push_back(std::move(o));
    }
  }
  boost::json::array channels;
  for (const auto& s : stats_) {
    channels.push_back({{"name", s.name},
                        {"sent", s.sent},
                        {"failed", s.failed},
                        {"pending", s.pending},
                        {"last_error", s.last_error}});
  }
  return {{"firing", std::move(firing)}, {"pending", std::move(pending)}, {"channels", std::move(channels)}};
}

}  // namespace ferry::controlplane
