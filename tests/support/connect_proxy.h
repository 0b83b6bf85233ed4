#pragma once
// ConnectProxy: a forward proxy on a free loopback port that answers
// CONNECT host:port by opening a TCP tunnel to it, as corporate HTTPS
// proxies do. It counts the tunnels it opened, so a test can tell that
// traffic went through it.

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::testing {

class ConnectProxy {
 public:
  ConnectProxy();
  // A proxy that answers 407 unless the CONNECT carries exactly this
  // Proxy-Authorization value.
  explicit ConnectProxy(std::string required_authorization);
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int tunnels() const { return tunnels_; }
  int refused() const { return refused_; }  // 407 answers
  // The CONNECT targets seen, in order.
  std::vector<std::string> targets() const;

 private:
  void AcceptLoop();
  void Serve(int client);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> tunnels_{0};
  std::atomic<int> refused_{0};
  std::string required_authorization_;
  mutable std::mutex mu_;
  std::vector<std::string> targets_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace ferry::testing
