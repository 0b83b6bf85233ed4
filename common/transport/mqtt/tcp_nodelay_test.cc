#include "common/transport/mqtt/tcp_nodelay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ferry::transport {
namespace {

// Under AddressSanitizer this also guards a read through a pointer into a
// temporary path (stack-use-after-scope) that the sanitizer stage found.
TEST(TcpNodelayTest, SetsNoDelayOnTheSocketsConnectedToThePort) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int client = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);

  EXPECT_EQ(DisableNagleOnSocketsToPort(ntohs(addr.sin_port)), 1);
  int nodelay = 0;
  socklen_t optlen = sizeof nodelay;
  ASSERT_EQ(::getsockopt(client, IPPROTO_TCP, TCP_NODELAY, &nodelay, &optlen), 0);
  EXPECT_NE(nodelay, 0);
  ::close(client);
  ::close(listener);
}

}  // namespace
}  // namespace ferry::transport
