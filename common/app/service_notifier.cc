#include "common/app/service_notifier.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <cstring>

namespace ferry::app {
namespace {

std::string OneLine(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

}  // namespace

ServiceNotifier::ServiceNotifier() = default;

ServiceNotifier::~ServiceNotifier() { StopWatchdog(); }

bool ServiceNotifier::enabled() const {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && *socket != '\0';
}

void ServiceNotifier::Ready(std::string_view status) { Send("READY=1\nSTATUS=" + OneLine(status)); }

void ServiceNotifier::Status(std::string_view status) { Send("STATUS=" + OneLine(status)); }

void ServiceNotifier::Stopping() { Send("STOPPING=1"); }

void ServiceNotifier::Reloading() { Send("RELOADING=1"); }

std::chrono::microseconds ServiceNotifier::StartWatchdog(boost::asio::io_context& io) {
  StopWatchdog();
  if (!enabled()) return std::chrono::microseconds(0);
  // sd_watchdog_enabled also checks WATCHDOG_PID, so a child that inherited
  // the variables does not ping on its parent's behalf.
  uint64_t usec = 0;
  const int r = sd_watchdog_enabled(/*unset_environment=*/0, &usec);
  if (r < 0) {
    spdlog::warn("event=watchdog_unusable error=\"{}\"", std::strerror(-r));
    return std::chrono::microseconds(0);
  }
  if (r == 0 || usec == 0) return std::chrono::microseconds(0);
  // Half the deadline, as sd_watchdog_enabled(3) advises: one late turn of
  // the loop does not get the daemon killed, a hung loop does.
  ping_interval_ = std::chrono::microseconds(usec / 2);
  watchdog_timer_ = std::make_unique<boost::asio::steady_timer>(io);
  watchdog_alive_ = std::make_shared<int>(0);
  spdlog::info("event=watchdog_enabled timeout_ms={} ping_ms={}", usec / 1000, ping_interval_.count() / 1000);
  ArmWatchdog();
  return ping_interval_;
}

void ServiceNotifier::StopWatchdog() {
  watchdog_alive_.reset();
  if (watchdog_timer_) watchdog_timer_->cancel();
  watchdog_timer_.reset();
}

void ServiceNotifier::ArmWatchdog() {
  watchdog_timer_->expires_after(ping_interval_);
  // After StopWatchdog() (or destruction) the handler may still run, with
  // operation_aborted or, if its wait had already completed, without: it
  // checks before it touches `this`.
  std::weak_ptr<int> alive = watchdog_alive_;
  watchdog_timer_->async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    Send("WATCHDOG=1");
    ArmWatchdog();
  });
}

void ServiceNotifier::Send(const std::string& message) {
  // 0: NOTIFY_SOCKET is unset, nobody listens.
  const int r = sd_notify(/*unset_environment=*/0, message.c_str());
  if (r >= 0 || send_failure_logged_) return;
  send_failure_logged_ = true;
  spdlog::warn("event=sd_notify_failed error=\"{}\" note=\"further failures are not logged\"", std::strerror(-r));
}

}  // namespace ferry::app
