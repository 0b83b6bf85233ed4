#include "common/app/service_notifier.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "tests/support/notify_socket.h"

namespace ferry::app {
namespace {

using namespace std::chrono_literals;

// systemd's end of the protocol, named by NOTIFY_SOCKET in this process's
// environment for as long as the test runs.
class ExportedNotifySocket : public testing::NotifySocket {
 public:
  ExportedNotifySocket() { ::setenv("NOTIFY_SOCKET", path().c_str(), 1); }
  ~ExportedNotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
};

// Runs `io` on a thread of its own until destroyed.
class LoopThread {
 public:
  explicit LoopThread(boost::asio::io_context& io) : io_(io), guard_(io.get_executor()), thread_([&io] { io.run(); }) {}
  ~LoopThread() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }

 private:
  boost::asio::io_context& io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

TEST(ServiceNotifier, SendsNothingWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  ::setenv("WATCHDOG_USEC", "100000", 1);
  const std::string pid = std::to_string(::getpid());
  ::setenv("WATCHDOG_PID", pid.c_str(), 1);
  boost::asio::io_context io;
  ServiceNotifier notifier;
  EXPECT_FALSE(notifier.enabled());
  notifier.Ready("up");
  notifier.Status("still up");
  notifier.Stopping();
  EXPECT_EQ(notifier.StartWatchdog(io).count(), 0);
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

TEST(ServiceNotifier, SendsReadyWithStatusThenStatusThenStopping) {
  ExportedNotifySocket socket;
  ServiceNotifier notifier;
  ASSERT_TRUE(notifier.enabled());

  notifier.Ready("outbox 0 events; uplink connected");
  EXPECT_EQ(socket.Receive(5s), "READY=1\nSTATUS=outbox 0 events; uplink connected");
  // A newline would start another assignment: it becomes a space.
  notifier.Status("uplink not connected (Connection refused\nretrying)");
  EXPECT_EQ(socket.Receive(5s), "STATUS=uplink not connected (Connection refused retrying)");
  notifier.Stopping();
  EXPECT_EQ(socket.Receive(5s), "STOPPING=1");
  EXPECT_EQ(socket.Receive(0ms), std::nullopt);
}

TEST(ServiceNotifier, WatchdogPingsFromTheLoopAndStopsWhileTheLoopIsBlocked) {
  ExportedNotifySocket socket;
  ::setenv("WATCHDOG_USEC", "100000", 1);  // 100 ms: a ping every 50 ms
  const std::string pid = std::to_string(::getpid());
  ::setenv("WATCHDOG_PID", pid.c_str(), 1);
  boost::asio::io_context io;
  ServiceNotifier notifier;
  ASSERT_EQ(notifier.StartWatchdog(io).count(), 50000);
  LoopThread loop(io);

  for (int i = 0; i < 3; ++i) EXPECT_EQ(socket.Receive(5s), "WATCHDOG=1") << "ping " << i;

  // Hang the loop: a handler that does not return until released (or,
  // should the test fail before releasing it, for 10 s at most).
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  boost::asio::post(io, [&entered, released] {
    entered.set_value();
    released.wait_for(10s);
  });
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);
  // Whatever was sent before the hang has already arrived (a local datagram
  // is queued when it is sent); nothing may come while it lasts, though six
  // pings are due in this window.
  socket.Drain();
  EXPECT_EQ(socket.Receive(300ms), std::nullopt);

  release.set_value();
  EXPECT_EQ(socket.Receive(5s), "WATCHDOG=1") << "pings resume once the loop runs again";
}

TEST(ServiceNotifier, WatchdogIsOffWhenSystemdDidNotAskThisProcess) {
  ExportedNotifySocket socket;
  boost::asio::io_context io;
  ServiceNotifier notifier;
  // No WATCHDOG_USEC: no WatchdogSec= in the unit.
  EXPECT_EQ(notifier.StartWatchdog(io).count(), 0);
  // WATCHDOG_PID names another process: this one inherited the variables.
  ::setenv("WATCHDOG_USEC", "100000", 1);
  const std::string other = std::to_string(::getpid() + 1);
  ::setenv("WATCHDOG_PID", other.c_str(), 1);
  EXPECT_EQ(notifier.StartWatchdog(io).count(), 0);
  io.run_for(200ms);
  EXPECT_EQ(socket.Receive(0ms), std::nullopt);
}

}  // namespace
}  // namespace ferry::app
