#include "tests/support/mosquitto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(10);

// A connection that the kernel completed, kept open, with the local port the
// broker will name when it accepts it. -1 when the port refuses.
struct Probe {
  int fd = -1;
  int local_port = 0;
};

Probe ConnectProbe(int port) {
  Probe probe;
  probe.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe.fd < 0) return probe;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  // A loopback connect completes or is refused at once; it cannot hang.
  sockaddr_in local{};
  socklen_t local_size = sizeof(local);
  if (::connect(probe.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(probe.fd, reinterpret_cast<sockaddr*>(&local), &local_size) != 0) {
    ::close(probe.fd);
    probe.fd = -1;
    return probe;
  }
  probe.local_port = ntohs(local.sin_port);
  return probe;
}

std::string Tail(const std::string& text, size_t max_bytes) {
  return text.size() <= max_bytes ? text : text.substr(text.size() - max_bytes);
}

// Run as root, mosquitto switches to the "mosquitto" user, which cannot write
// into our 0700 temp dir; naming the current user keeps it as is.
std::string CurrentUserName() {
  passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

}  // namespace

Mosquitto::Mosquitto(const std::filesystem::path& dir) : Mosquitto(dir, "", "", "") {}

Mosquitto::Mosquitto(const std::filesystem::path& dir, const std::string& ca_file, const std::string& cert_file,
                     const std::string& key_file)
    : dir_(dir),
      config_file_(dir / "mosquitto.conf"),
      log_file_(dir / "mosquitto.log"),
      output_file_(dir / "mosquitto.out"),
      port_(FreeTcpPort()) {
  std::string config;
  config += "listener " + std::to_string(port_) + " 127.0.0.1\n";
  if (!cert_file.empty()) {
    tls_ = true;
    config += "cafile " + ca_file + "\ncertfile " + cert_file + "\nkeyfile " + key_file + "\n";
  }
  config += "allow_anonymous true\n";
  config += "user " + CurrentUserName() + "\n";
  config += "persistence true\n";
  config += "persistence_location " + dir_.string() + "/\n";
  config += "persistence_file mosquitto.db\n";
  config += "log_dest file " + log_file_.string() + "\n";
  config += "log_timestamp_format %Y-%m-%dT%H:%M:%S\n";
  // Load tests push many QoS 1 messages to slow or offline subscribers; the
  // defaults (20 in flight, 1000 queued) would drop them silently.
  config += "max_inflight_messages 1000\n";
  config += "max_queued_messages 100000\n";
  config += "max_queued_bytes 0\n";
  config += "set_tcp_nodelay true\n";
  WriteFile(config_file_, config);
}

std::unique_ptr<Mosquitto> Mosquitto::AsShipped(const std::filesystem::path& dir, const std::filesystem::path& pki_dir,
                                                const std::filesystem::path& broker_identity, bool websockets) {
  auto broker = std::make_unique<Mosquitto>(dir);
  if (websockets) broker->ws_port_ = FreeTcpPort();
  const std::filesystem::path shipped = std::filesystem::path(FERRY_PACKAGING_DIR) / "mosquitto";
  const std::map<std::string, std::string> replaced = {
      {"acl_file", (shipped / "ferry.acl").string()},
      {"persistence_location", dir.string() + "/"},
      {"listener", std::to_string(broker->port_) + " 127.0.0.1"},
      {"cafile", (pki_dir / "ca.crt").string()},
      {"crlfile", (pki_dir / "crl.pem").string()},
      {"certfile", broker_identity.string()},
      {"keyfile", broker_identity.string()},
  };
  std::set<std::string> seen;
  std::string config;
  int listeners = 0;
  std::istringstream in(ReadFile(shipped / "ferry.conf"));
  for (std::string line; std::getline(in, line);) {
    // A '#' right before a setting comments out one the operator may
    // switch on; '# ' starts prose.
    if (websockets && line.size() > 1 && line[0] == '#' && line[1] >= 'a' && line[1] <= 'z') line.erase(0, 1);
    const std::string key = line.substr(0, line.find(' '));
    if (auto it = replaced.find(key); it != replaced.end() && !line.empty() && line[0] != '#') {
      line = key + " " + it->second;
      if (key == "listener" && listeners++ > 0) line = "listener " + std::to_string(broker->ws_port_) + " 127.0.0.1";
      seen.insert(key);
    }
    config += line + "\n";
  }
  if (seen.size() != replaced.size() || (websockets && listeners != 2)) {
    throw std::runtime_error("packaging/mosquitto/ferry.conf no longer has every setting the tests adapt");
  }
  // Settings mosquitto keeps per listener: each listener the test switches
  // on must carry them, or a client could take another's client id there.
  for (const char* per_listener :
       {"require_certificate true", "use_identity_as_username true", "use_username_as_clientid true"}) {
    size_t count = 0;
    for (size_t at = config.find(std::string("\n") + per_listener); at != std::string::npos;
         at = config.find(std::string("\n") + per_listener, at + 1)) {
      ++count;
    }
    if (count != static_cast<size_t>(std::max(listeners, 1))) {
      throw std::runtime_error(std::string("packaging/mosquitto/ferry.conf: not every listener has ") + per_listener);
    }
  }
  config += "user " + CurrentUserName() + "\npersistence_file mosquitto.db\nlog_dest file " +
            broker->log_file_.string() + "\nlog_timestamp_format %Y-%m-%dT%H:%M:%S\nset_tcp_nodelay true\n";
  WriteFile(broker->config_file_, config);
  broker->tls_ = true;
  return broker;
}

void Mosquitto::Reload() { process_.Signal(SIGHUP); }

std::string Mosquitto::url() const { return (tls_ ? "ssl://127.0.0.1:" : "tcp://127.0.0.1:") + std::to_string(port_); }

std::string Mosquitto::ws_url() const {
  return ws_port_ == 0 ? "" : "wss://127.0.0.1:" + std::to_string(ws_port_) + "/mqtt";
}

std::string Mosquitto::LogTail(size_t max_bytes) const {
  return "--- " + log_file_.string() + " ---\n" + Tail(ReadFile(log_file_), max_bytes) + "\n--- " +
         output_file_.string() + " ---\n" + Tail(ReadFile(output_file_), max_bytes);
}

void Mosquitto::Start() {
  if (process_.Running()) throw std::runtime_error("Mosquitto::Start: already running");
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    // Only what this attempt writes counts when deciding whether to retry.
    const size_t log_seen = ReadFile(log_file_).size();
    const size_t output_seen = ReadFile(output_file_).size();
    process_ = Process::Start({"/usr/sbin/mosquitto", "-c", config_file_.string()}, output_file_);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    // The kernel completes a connect as soon as mosquitto listens, which is
    // before its signal handlers and main loop are in place: a SIGTERM in that
    // window is lost and the broker never stops. Ready means the main loop has
    // accepted and logged our own probe connection.
    Probe probe;
    bool up = WaitUntil(
        [&] {
          if (!process_.Running()) return true;
          if (probe.fd < 0) probe = ConnectProbe(port_);
          if (probe.fd < 0) return false;
          const std::string accepted = "New connection from 127.0.0.1:" + std::to_string(probe.local_port) + " ";
          return ReadFile(log_file_).find(accepted, log_seen) != std::string::npos;
        },
        std::max(left, std::chrono::milliseconds(0)));
    if (probe.fd >= 0) ::close(probe.fd);
    if (up && process_.Running()) return;
    if (process_.Running()) {
      process_.Kill9();
      throw std::runtime_error("mosquitto did not accept connections on port " + std::to_string(port_) +
                               " within 10 s\n" + LogTail());
    }
    // After a restart the old listening socket may briefly linger; mosquitto
    // sets SO_REUSEADDR, so this is rare, but a bind failure is worth retrying
    // until the deadline. Any other early exit is a real error.
    const std::string attempt_output =
        ReadFile(log_file_).substr(log_seen) + ReadFile(output_file_).substr(output_seen);
    const bool bind_failed = attempt_output.find("Address already in use") != std::string::npos;
    if (!bind_failed || std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("mosquitto exited with code " + std::to_string(process_.exit_code().value_or(-1)) +
                               " during start-up\n" + LogTail());
    }
    // Back off before retrying so the kernel can release the port.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void Mosquitto::Stop() { process_.Terminate(); }

void Mosquitto::Kill9() { process_.Kill9(); }

void Mosquitto::Restart() {
  Stop();
  Start();
}

}  // namespace ferry::testing
