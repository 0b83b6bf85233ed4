// Hostile and slow clients at the SAP listener: a client without credentials
// never makes the agent read a body, a crowd of idle connections cannot take
// every slot, and a client that sends its headers slowly is cut off.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A plain TCP connection the test drives byte by byte.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) { (void)::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // What the server sends until it closes or `timeout` passes; `closed`
  // tells which.
  std::string ReadUntilClosed(milliseconds timeout, bool* closed) {
    std::string out;
    *closed = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 1))) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

PipelineOptions Limited() {
  PipelineOptions options;
  options.basic_auth_user = "SAPIDOC";
  options.basic_auth_password = "s3cret-Pa55";
  options.listener_extra_yaml = "    max_connections: 4\n    header_timeout: 1s\n    idle_timeout: 30s\n";
  return options;
}

class ListenerLimitsTest : public ::testing::Test {
 protected:
  ListenerLimitsTest() : p_(Limited()) {}
  void SetUp() override {
    p_.broker().Start();
    p_.StartAgent();
  }
  HttpResponse PostAuthorized(const std::string& docnum) {
    return p_.PostIdoc(ReplaceElement(ReadFixture("debmas05_customer.xml"), "DOCNUM", docnum), "text/xml",
                       {{"Authorization", "Basic U0FQSURPQzpzM2NyZXQtUGE1NQ=="}});
  }
  Pipeline p_;
};

TEST_F(ListenerLimitsTest, NoCredentialsIsRefusedFromTheHeadBeforeAnyBodyIsSent) {
  RawConnection c(p_.agent_port());
  ASSERT_TRUE(c.connected());
  // Announces half a megabyte (under max_body) and sends none of it.
  c.Send("POST /sap/idoc HTTP/1.1\r\nHost: sap\r\nContent-Type: text/xml\r\nContent-Length: 500000\r\n\r\n");
  bool closed = false;
  const std::string answer = c.ReadUntilClosed(seconds(10), &closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
  EXPECT_TRUE(closed) << "the unread body must not be taken as the next request";
  EXPECT_EQ(p_.AgentOutboxDepth(), 0u);
}

TEST_F(ListenerLimitsTest, IdleConnectionsBeyondTheCapGet503AndTheSlotsComeBack) {
  {
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 4; ++i) {
      idle.push_back(std::make_unique<RawConnection>(p_.agent_port()));
      ASSERT_TRUE(idle.back()->connected());
    }
    // The four are accepted (and idle) once a fifth is turned away.
    HttpResponse busy;
    ASSERT_TRUE(WaitUntil(
        [&] {
          busy = PostAuthorized(Docnum(7100001));
          return busy.status == 503;
        },
        seconds(10)))
        << busy.status << " " << busy.body;
    EXPECT_EQ(busy.headers["retry-after"], "7");
    EXPECT_NE(busy.body.find("too many connections (4)"), std::string::npos) << busy.body;
    EXPECT_EQ(p_.AgentOutboxDepth(), 0u);
  }
  // Closed by the client: their slots are free again.
  HttpResponse ok;
  ASSERT_TRUE(WaitUntil(
      [&] {
        ok = PostAuthorized(Docnum(7100001));
        return ok.status == 200;
      },
      seconds(10)))
      << ok.status << " " << ok.body;
  EXPECT_EQ(p_.AgentOutboxDepth(), 1u);
}

TEST_F(ListenerLimitsTest, AClientThatSendsItsHeadersSlowlyIsCutOffAtTheHeaderTimeout) {
  RawConnection slow(p_.agent_port());
  ASSERT_TRUE(slow.connected());
  slow.Send("POST /sap/idoc HTTP/1.1\r\nHost: sap\r\n");  // and nothing more
  bool closed = false;
  const auto start = std::chrono::steady_clock::now();
  slow.ReadUntilClosed(seconds(15), &closed);
  EXPECT_TRUE(closed) << "still open after 15 s; header_timeout is 1 s";
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(10));
  // The agent serves others meanwhile and after.
  EXPECT_EQ(PostAuthorized(Docnum(7100002)).status, 200);
}

}  // namespace
}  // namespace ferry::testing
