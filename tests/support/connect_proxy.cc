#include "tests/support/connect_proxy.h"

#include <cctype>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace ferry::testing {

ConnectProxy::ConnectProxy() : ConnectProxy(std::string()) {}

// Set before the acceptor thread starts, which reads it.
ConnectProxy::ConnectProxy(std::string required_authorization)
    : required_authorization_(std::move(required_authorization)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("ConnectProxy: cannot listen");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

ConnectProxy::~ConnectProxy() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  for (auto& w : workers_) w.join();
}

std::vector<std::string> ConnectProxy::targets() const {
  std::lock_guard lock(mu_);
  return targets_;
}

void ConnectProxy::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    workers_.emplace_back([this, client] { Serve(client); });
  }
}

// Reads "CONNECT host:port HTTP/1.1" and its headers, connects, answers 200
// and copies bytes both ways until either side closes.
void ConnectProxy::Serve(int client) {
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && ::recv(client, &c, 1, 0) == 1) head += c;
  const size_t sp = head.find(' '), sp2 = head.find(' ', sp + 1);
  const std::string method = head.substr(0, sp);
  const std::string target = sp2 == std::string::npos ? "" : head.substr(sp + 1, sp2 - sp - 1);
  const size_t colon = target.rfind(':');
  if (method != "CONNECT" || colon == std::string::npos) {
    const std::string no = "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n";
    ::send(client, no.data(), no.size(), MSG_NOSIGNAL);
    ::close(client);
    return;
  }
  // Header names and the scheme are case-insensitive (RFC 9110 and 7235):
  // libwebsockets sends "Proxy-authorization: basic ..."; the credentials
  // are not.
  auto lower = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  auto authorized = [&] {
    const std::string name = "\r\nproxy-authorization: ";
    const size_t at = lower(head).find(name);
    if (at == std::string::npos) return false;
    const size_t from = at + name.size();
    const std::string value = head.substr(from, head.find("\r\n", from) - from);
    const size_t got_space = value.find(' '), want_space = required_authorization_.find(' ');
    if (got_space == std::string::npos || want_space == std::string::npos) return value == required_authorization_;
    return lower(value.substr(0, got_space)) == lower(required_authorization_.substr(0, want_space)) &&
           value.substr(got_space) == required_authorization_.substr(want_space);
  };
  if (!required_authorization_.empty() && !authorized()) {
    ++refused_;
    const std::string no =
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
        "Content-Length: 0\r\n\r\n";
    ::send(client, no.data(), no.size(), MSG_NOSIGNAL);
    ::close(client);
    return;
  }
  {
    std::lock_guard lock(mu_);
    targets_.push_back(target);
  }
  const int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(target.substr(colon + 1))));
  ::inet_pton(AF_INET, target.substr(0, colon) == "localhost" ? "127.0.0.1" : target.substr(0, colon).c_str(),
              &addr.sin_addr);
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    const std::string bad = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    ::send(client, bad.data(), bad.size(), MSG_NOSIGNAL);
    ::close(upstream);
    ::close(client);
    return;
  }
  ++tunnels_;
  const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
  ::send(client, ok.data(), ok.size(), MSG_NOSIGNAL);
  pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
  char buf[16384];
  while (!stop_) {
    if (::poll(fds, 2, 100) < 0) break;
    bool closed = false;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::recv(fds[i].fd, buf, sizeof(buf), 0);
      if (n <= 0 || ::send(fds[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) closed = true;
    }
    if (closed) break;
  }
  ::close(upstream);
  ::close(client);
}

}  // namespace ferry::testing
