// Tests of the test-support library itself: if these helpers are wrong, every
// integration test built on them is wrong too.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/http_client.h"
#include "tests/support/mosquitto.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"
#include "tests/support/webhook_sink.h"

namespace ferry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// A loopback socket: bound to `port` (and listening if asked); -1 on failure.
int BoundSocket(int port, bool listen) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || (listen && ::listen(fd, 16) != 0)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

TEST(PortsTest, FreeTcpPortIsBindable) {
  int port = FreeTcpPort();
  ASSERT_GT(port, 0);
  int fd = BoundSocket(port, /*listen=*/true);
  EXPECT_GE(fd, 0) << "port " << port;
  ::close(fd);
}

TEST(TempDirTest, FilesRoundTripAndDirectoryIsRemoved) {
  std::filesystem::path path;
  {
    TempDir dir;
    path = dir.path();
    EXPECT_NE(path.filename().string().find("ferry-test-"), std::string::npos);
    WriteFile(dir.path() / "sub" / "a.txt", "hello\n");
    EXPECT_EQ(ReadFile(dir.path() / "sub" / "a.txt"), "hello\n");
    EXPECT_EQ(ReadFile(dir.path() / "missing"), "");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(WaitTest, ReturnsAsSoonAsTrueAndFalseOnTimeout) {
  int calls = 0;
  EXPECT_TRUE(WaitUntil([&] { return ++calls == 3; }, seconds(5), milliseconds(1)));
  EXPECT_EQ(calls, 3);
  EXPECT_FALSE(WaitUntil([] { return false; }, milliseconds(20)));
}

class ProcessTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::filesystem::path log_ = dir_.path() / "child.log";
};

TEST_F(ProcessTest, ReportsExitCode) {
  Process p = Process::Start({"/bin/sh", "-c", "exit 3"}, log_);
  EXPECT_EQ(p.WaitExit(seconds(10)), 3);
  EXPECT_FALSE(p.Running());
}

TEST_F(ProcessTest, WritesOutputAndEnvironmentToLog) {
  Process p = Process::Start({"sh", "-c", "echo out=$FERRY_X; echo err >&2"}, log_, {"FERRY_X=42"});
  ASSERT_EQ(p.WaitExit(seconds(10)), 0);
  EXPECT_EQ(ReadFile(log_), "out=42\nerr\n");
}

TEST_F(ProcessTest, FailedExecExits127WithReasonInLog) {
  Process p = Process::Start({(dir_.path() / "no-such-binary").string()}, log_);
  EXPECT_EQ(p.WaitExit(seconds(10)), 127);
  EXPECT_NE(ReadFile(log_).find("cannot exec"), std::string::npos) << ReadFile(log_);
}

TEST_F(ProcessTest, Kill9) {
  Process p = Process::Start({"/bin/sleep", "60"}, log_);
  EXPECT_TRUE(p.Running());
  EXPECT_EQ(p.WaitExit(milliseconds(50)), std::nullopt);
  p.Kill9();
  EXPECT_FALSE(p.Running());
  EXPECT_EQ(p.exit_code(), 128 + SIGKILL);
}

TEST_F(ProcessTest, TerminateReturnsSignalExit) {
  Process p = Process::Start({"/bin/sleep", "60"}, log_);
  EXPECT_EQ(p.Terminate(), 128 + SIGTERM);
}

TEST_F(ProcessTest, TerminateEscalatesToSigkill) {
  // The shell ignores SIGTERM, so only the SIGKILL after the grace ends it.
  Process p = Process::Start({"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do :; done"}, log_);
  ASSERT_TRUE(WaitUntil([&] { return ReadFile(log_) == "ready\n"; }, seconds(10)));
  EXPECT_EQ(p.Terminate(milliseconds(100)), 128 + SIGKILL);
}

TEST_F(ProcessTest, DestructorKillsAndReapsChild) {
  pid_t pid;
  {
    Process p = Process::Start({"/bin/sleep", "60"}, log_);
    pid = p.pid();
    Process moved = std::move(p);
    EXPECT_EQ(p.pid(), -1);
    EXPECT_TRUE(moved.Running());
  }
  // Reaped, so the pid no longer exists at all (not even as a zombie).
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(MosquittoTest, StartStopRestart) {
  TempDir dir;
  Mosquitto broker(dir.path());
  EXPECT_EQ(broker.url(), "tcp://127.0.0.1:" + std::to_string(broker.port()));
  broker.Start();
  EXPECT_TRUE(CanConnect(broker.port()));

  broker.Stop();
  EXPECT_FALSE(broker.Running());
  EXPECT_FALSE(CanConnect(broker.port()));
  // A clean stop writes the persistence database a restart will load.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "mosquitto.db")) << broker.LogTail();

  broker.Restart();
  EXPECT_TRUE(CanConnect(broker.port()));
  broker.Kill9();
  EXPECT_FALSE(CanConnect(broker.port()));
}

TEST(WebhookSinkTest, RecordsRequestFromHttpRequest) {
  WebhookSink sink;
  EXPECT_EQ(sink.url(), "http://127.0.0.1:" + std::to_string(sink.port()) + "/hook");
  HttpResponse response = HttpRequest("POST", sink.port(), "/hook?x=1", R"({"a":1})",
                                      {{"Content-Type", "application/json"}, {"X-Ferry", "yes"}});
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{}");
  EXPECT_EQ(response.headers["content-type"], "application/json");

  ASSERT_EQ(sink.Count(), 1u);
  ReceivedRequest request = sink.Requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hook?x=1");
  EXPECT_EQ(request.headers["x-ferry"], "yes");
  EXPECT_EQ(request.headers["content-type"], "application/json");
  EXPECT_EQ(request.body, R"({"a":1})");
  sink.Clear();
  EXPECT_EQ(sink.Count(), 0u);
}

TEST(WebhookSinkTest, KeepAliveClientReusesOneConnection) {
  WebhookSink sink;
  KeepAliveClient client(sink.port());
  for (int i = 0; i < 3; ++i) {
    HttpResponse response = client.Post("/hook", "n=" + std::to_string(i), {});
    ASSERT_TRUE(response.ok()) << response.error;
    EXPECT_EQ(response.status, 200);
  }
  ASSERT_TRUE(sink.WaitForCount(3, seconds(5)));
  EXPECT_EQ(sink.Requests()[2].body, "n=2");
  EXPECT_EQ(sink.ConnectionCount(), 1u);
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(WebhookSinkTest, KeepAliveClientReconnectsWhenServerCloses) {
  WebhookSink sink;
  sink.SetResponder([](const ReceivedRequest&) { return SinkResponse{200, {{"Connection", "close"}}, "{}", {}}; });
  KeepAliveClient client(sink.port());
  for (int i = 0; i < 3; ++i) {
    HttpResponse response = client.Post("/hook", "x", {});
    ASSERT_TRUE(response.ok()) << response.error;
  }
  EXPECT_EQ(client.connections_opened(), 3);
}

TEST(WebhookSinkTest, KeepAliveClientSurvivesServerRestart) {
  auto sink = std::make_unique<WebhookSink>();
  const int port = sink->port();
  KeepAliveClient client(port);
  ASSERT_TRUE(client.Post("/hook", "1", {}).ok());
  sink.reset();  // drops the idle keep-alive connection without a word
  sink = std::make_unique<WebhookSink>(port);
  HttpResponse response = client.Post("/hook", "2", {});
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(sink->Count(), 1u);
  EXPECT_EQ(client.connections_opened(), 2);
}

TEST(WebhookSinkTest, ResponderCanAnswer503WithRetryAfter) {
  WebhookSink sink;
  sink.SetResponder([](const ReceivedRequest&) { return SinkResponse{503, {{"Retry-After", "2"}}, "busy", {}}; });
  HttpResponse response = HttpRequest("POST", sink.port(), "/hook", "{}");
  ASSERT_TRUE(response.ok()) << response.error;
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.headers["retry-after"], "2");
  EXPECT_EQ(response.body, "busy");
  EXPECT_EQ(sink.Count(), 1u);  // non-2xx answers are recorded too
}

TEST(WebhookSinkTest, DelayedResponseDoesNotBlockOtherConnections) {
  auto sink = std::make_unique<WebhookSink>();
  sink->SetResponder([](const ReceivedRequest& request) {
    SinkResponse response;
    if (request.target == "/slow") response.delay = seconds(60);
    return response;
  });
  std::atomic<bool> slow_done{false};
  HttpResponse slow_response;
  std::thread slow([&] {
    slow_response = HttpRequest("POST", sink->port(), "/slow", "s", {}, seconds(30));
    slow_done = true;
  });
  ASSERT_TRUE(sink->WaitForCount(1, seconds(10)));

  HttpResponse fast = HttpRequest("POST", sink->port(), "/fast", "f", {}, seconds(10));
  EXPECT_TRUE(fast.ok()) << fast.error;
  EXPECT_EQ(fast.status, 200);
  EXPECT_FALSE(slow_done);  // the fast one was answered while the slow one waits

  sink.reset();  // drops the slow connection, ending its request with an error
  slow.join();
  EXPECT_FALSE(slow_response.ok());
}

TEST(HttpClientTest, ClosedPortFailsFast) {
  const int port = FreeTcpPort();
  const auto start = Clock::now();
  HttpResponse response = HttpRequest("GET", port, "/", "");
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.error.find("connect"), std::string::npos) << response.error;
  EXPECT_LT(Clock::now() - start, seconds(2));
}

TEST(HttpClientTest, HungServerTimesOut) {
  // Listening but never accepting: the kernel completes the handshake and the
  // request then sits unanswered.
  const int fd = BoundSocket(0, /*listen=*/true);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const auto start = Clock::now();
  HttpResponse response = HttpRequest("POST", ntohs(addr.sin_port), "/", "x", {}, milliseconds(200));
  EXPECT_FALSE(response.ok());
  EXPECT_NE(response.error.find("timeout"), std::string::npos) << response.error;
  EXPECT_LT(Clock::now() - start, seconds(5));
  ::close(fd);
}

}  // namespace
}  // namespace ferry::testing
