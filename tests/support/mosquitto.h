#pragma once
// A real mosquitto broker on a private loopback port, for tests that need the
// agent and control plane to talk over MQTT. Persistence is on, so a broker
// stopped with Stop() and started again keeps persistent (clean_session=false)
// sessions and their queued QoS 1 messages, as a production broker would.
// Kill9() loses whatever was not yet saved, like a crash.

#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/process.h"

namespace ferry::testing {

class Mosquitto {
 public:
  // Picks a free port and writes mosquitto.conf into `dir` (which must exist
  // and outlive the broker). The persistence database and logs go there too.
  explicit Mosquitto(const std::filesystem::path& dir);
  // A TLS listener: the broker presents cert_file/key_file (signed by the CA
  // in ca_file); url() then starts with ssl://.
  Mosquitto(const std::filesystem::path& dir, const std::string& ca_file, const std::string& cert_file,
            const std::string& key_file);
  // The broker as Ferry ships it: packaging/mosquitto/ferry.conf and
  // ferry.acl with every setting as shipped; only the port, the paths
  // (the control plane's pki folder, the broker's identity file, this
  // folder) and logging are the test's. url() starts with ssl://. With
  // `websockets`, the file's commented-out MQTT over WebSockets listener is
  // switched on as its comment says, on a port of its own (ws_url()).
  static std::unique_ptr<Mosquitto> AsShipped(const std::filesystem::path& dir, const std::filesystem::path& pki_dir,
                                              const std::filesystem::path& broker_identity, bool websockets = false);
  ~Mosquitto() = default;  // the Process member kills a running broker

  Mosquitto(const Mosquitto&) = delete;
  Mosquitto& operator=(const Mosquitto&) = delete;

  // Starts the broker and returns once it accepts TCP connections. Throws
  // std::runtime_error with the tail of the broker's log if it does not
  // within 10 s, or if it is already running.
  void Start();
  // SIGTERM: the broker writes its persistence database and exits.
  void Stop();
  // SIGKILL: nothing more is written.
  void Kill9();
  // Stop() then Start() on the same port.
  void Restart();
  // SIGHUP: the broker reads its configuration again, the CRL included.
  void Reload();

  bool Running() { return process_.Running(); }
  int port() const { return port_; }
  std::string url() const;  // "tcp://127.0.0.1:<port>"
  // "wss://127.0.0.1:<port>/mqtt" of the WebSockets listener; empty without one.
  std::string ws_url() const;
  int ws_port() const { return ws_port_; }
  const std::filesystem::path& log_file() const { return log_file_; }

  // The last `max_bytes` of the broker's log and its stdout/stderr, for
  // failure messages.
  std::string LogTail(size_t max_bytes = 4000) const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path config_file_;
  std::filesystem::path log_file_;     // written by mosquitto (log_dest file)
  std::filesystem::path output_file_;  // its stdout/stderr, e.g. config errors
  int port_ = 0;
  int ws_port_ = 0;
  bool tls_ = false;
  Process process_;
};

}  // namespace ferry::testing
