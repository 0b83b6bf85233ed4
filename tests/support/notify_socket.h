#pragma once
// systemd's end of the sd_notify protocol, for tests: an AF_UNIX datagram
// socket bound in a temp dir of its own. Point NOTIFY_SOCKET at path() (in
// this process's environment, or a child's through Process::Start's
// extra_env) and read what arrives: one datagram per sd_notify() call, such
// as "READY=1\nSTATUS=..." or "WATCHDOG=1".

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "tests/support/temp_dir.h"

namespace ferry::testing {

class NotifySocket {
 public:
  // Throws std::runtime_error if the socket cannot be created or bound.
  NotifySocket();
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // The next datagram, or nullopt if none arrives within `timeout` (0: only
  // what has already arrived). Throws std::runtime_error if reading fails.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout);

  // The first datagram within `timeout` for which `match` holds; the ones
  // before it are dropped. nullopt if none came.
  std::optional<std::string> ReceiveMatching(const std::function<bool(const std::string&)>& match,
                                             std::chrono::milliseconds timeout);

  // Drops every datagram that has already arrived.
  void Drain();

 private:
  TempDir dir_;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace ferry::testing
