#include "tests/support/tinyproxy.h"

#include <stdexcept>

#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ferry::testing {

Tinyproxy::Tinyproxy(const std::filesystem::path& dir, const std::string& user, const std::string& password)
    : port_(FreeTcpPort()), config_(dir / "tinyproxy.conf"), log_(dir / "tinyproxy.log") {
  WriteFile(config_, "Port " + std::to_string(port_) +
                         "\nListen 127.0.0.1\nTimeout 60\nMaxClients 20\nLogLevel Connect\nBasicAuth " + user + " " +
                         password + "\n");
  Start();
}

std::string Tinyproxy::log() const { return ReadFile(log_); }

void Tinyproxy::Restart() {
  process_.Kill9();
  Start();
}

void Tinyproxy::Start() {
  process_ = Process::Start({"/usr/bin/tinyproxy", "-d", "-c", config_.string()}, log_);
  if (!WaitUntil([&] { return TcpPortOpen(port_); }, std::chrono::seconds(10))) {
    throw std::runtime_error("tinyproxy did not start: " + ReadFile(log_));
  }
}

}  // namespace ferry::testing
