#pragma once
// tinyproxy from Debian on a free loopback port, as a plant's HTTP proxy
// that allows CONNECT only with Basic credentials. Its log (LogLevel
// Connect) names every CONNECT target, so a test can tell that traffic
// went through it.

#include <filesystem>
#include <string>

#include "tests/support/process.h"

namespace ferry::testing {

class Tinyproxy {
 public:
  // Writes tinyproxy.conf into `dir` and starts the proxy; throws if it
  // does not listen within 10 s.
  Tinyproxy(const std::filesystem::path& dir, const std::string& user, const std::string& password);

  int port() const { return port_; }
  std::string log() const;
  // kill -9, then a new proxy on the same port: every tunnel through it is cut.
  void Restart();

 private:
  void Start();

  int port_;
  std::filesystem::path config_;
  std::filesystem::path log_;
  Process process_;
};

}  // namespace ferry::testing
