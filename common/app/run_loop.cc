#include "common/app/run_loop.h"

#include <spdlog/spdlog.h>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <csignal>

#include "common/app/service_notifier.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif
#ifndef FERRY_GIT_REVISION
#define FERRY_GIT_REVISION "unknown"
#endif

namespace ferry::app {
namespace {

constexpr std::chrono::seconds kStatusInterval{5};

}  // namespace

void RunUntilSignal(boost::asio::io_context& io, std::function<void(std::function<void()> done)> shutdown,
                    std::function<std::string()> status, std::function<void()> reload) {
  // Signals are caught from here on, so a SIGTERM right after READY=1 is a
  // graceful stop and not the default action.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  boost::asio::signal_set hangups(io, SIGHUP);
  ServiceNotifier notifier;
  const bool notify = notifier.enabled() && status != nullptr;
  notifier.Ready(notify ? status() : "running");
  notifier.StartWatchdog(io);

  boost::asio::steady_timer status_timer(io);
  std::function<void()> schedule_status;
  schedule_status = [&] {
    status_timer.expires_after(kStatusInterval);
    status_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      notifier.Status(status());
      schedule_status();
    });
  };
  if (notify) schedule_status();

  bool stopping = false;
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (stopping) {
      spdlog::warn("event=second_signal signal={} action=exit_now", signo);
      io.stop();
      return;
    }
    stopping = true;
    spdlog::info("event=signal signal={} action=graceful_shutdown", signo);
    // The watchdog keeps pinging while the component winds down on the loop.
    status_timer.cancel();
    notifier.Stopping();
    signals.async_wait(on_signal);
    shutdown([&io] { io.stop(); });
  };
  signals.async_wait(on_signal);

  std::function<void(const boost::system::error_code&, int)> on_hangup;
  on_hangup = [&](const boost::system::error_code& ec, int) {
    if (ec || stopping) return;
    if (reload) {
      spdlog::info("event=signal signal={} action=reload", SIGHUP);
      notifier.Reloading();
      reload();
      notifier.Ready(notify ? status() : "running");
    }
    hangups.async_wait(on_hangup);
  };
  hangups.async_wait(on_hangup);
  io.run();
}

std::string VersionLine(const std::string& program) {
  return program + " " FERRY_VERSION " (git " FERRY_GIT_REVISION ", " __DATE__ ", g++ " __VERSION__ ")";
}

std::string Version() { return FERRY_VERSION "+" FERRY_GIT_REVISION; }

}  // namespace ferry::app
