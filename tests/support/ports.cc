#include "tests/support/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ferry::testing {

namespace {

// The lowest port the kernel hands out for outgoing connections
// (ip_local_port_range). A port above it, free when probed, can be taken by
// any process's next outgoing connection before the server binds it;
// below it only another server takes ports.
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  if (!(range >> low) || low <= 11000) low = 32768;
  return low;
}

bool Bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  // The probe socket never connects, so it leaves no TIME_WAIT behind; the
  // option only matters if a caller reuses a port a server just released.
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int FreeTcpPort() {
  // Ports below the ephemeral range, from a place of this process's own
  // (several test processes run at once) and never the same twice in it.
  static const int low = 10000;
  static const int high = EphemeralLow();
  static std::atomic<int> next{static_cast<int>(::getpid() * 7919 % (high - low))};
  for (int tries = 0; tries < high - low; ++tries) {
    const int port = low + next.fetch_add(1) % (high - low);
    if (Bindable(port)) return port;
  }
  throw std::runtime_error("FreeTcpPort: no free port below the ephemeral range");
}

bool TcpPortOpen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return open;
}

}  // namespace ferry::testing
