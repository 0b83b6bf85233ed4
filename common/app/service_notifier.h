#pragma once
// ServiceNotifier: what a daemon tells systemd when its unit is Type=notify
// (systemd/*.service): READY=1 once it serves, a STATUS= line for
// `systemctl status`, STOPPING=1 when a graceful stop begins, and WATCHDOG=1
// pings.
//
// The pings come from a timer on the daemon's own event loop, not from a
// thread of their own: a loop that hangs stops pinging, and systemd kills
// and restarts the service after WatchdogSec.
//
// Every method is a no-op when NOTIFY_SOCKET is unset (started by hand, by a
// test, or by a unit that is not Type=notify). A message that cannot be sent
// is logged once and otherwise ignored: systemd's own timeouts catch a
// daemon that never gets through.
//
// All methods run on the thread that runs the event loop.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace ferry::app {

class ServiceNotifier {
 public:
  ServiceNotifier();
  ~ServiceNotifier();
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  // True when systemd listens (NOTIFY_SOCKET is set).
  bool enabled() const;

  // "READY=1" plus "STATUS=<status>" in the same message. Newlines in
  // `status` become spaces: the protocol is one assignment per line.
  void Ready(std::string_view status);
  // "STATUS=<status>".
  void Status(std::string_view status);
  // "STOPPING=1".
  void Stopping();
  // "RELOADING=1": a reload began; Ready() again when it is done.
  void Reloading();

  // When systemd asked this process for pings (WATCHDOG_USEC set, and
  // WATCHDOG_PID unset or this pid), sends WATCHDOG=1 from a timer on `io`
  // every half of WATCHDOG_USEC, until StopWatchdog() or destruction, and
  // returns that interval. Otherwise returns 0 and does nothing. `io` must
  // outlive this object.
  std::chrono::microseconds StartWatchdog(boost::asio::io_context& io);
  void StopWatchdog();

 private:
  void Send(const std::string& message);
  void ArmWatchdog();

  std::unique_ptr<boost::asio::steady_timer> watchdog_timer_;
  // Reset by StopWatchdog: a ping whose wait had already completed when the
  // timer was stopped sees it expired and does nothing.
  std::shared_ptr<int> watchdog_alive_;
  std::chrono::microseconds ping_interval_{0};
  bool send_failure_logged_ = false;
};

}  // namespace ferry::app
