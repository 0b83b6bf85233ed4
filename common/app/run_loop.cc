#include "common/app/run_loop.h"

#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <csignal>

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif
#ifndef FERRY_GIT_REVISION
#define FERRY_GIT_REVISION "unknown"
#endif

namespace ferry::app {

void RunUntilSignal(boost::asio::io_context& io, std::function<void(std::function<void()> done)> shutdown) {
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
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
    signals.async_wait(on_signal);
    shutdown([&io] { io.stop(); });
  };
  signals.async_wait(on_signal);
  io.run();
}

std::string VersionLine(const std::string& program) {
  return program + " " FERRY_VERSION " (git " FERRY_GIT_REVISION ", " __DATE__ ", g++ " __VERSION__ ")";
}

}  // namespace ferry::app
