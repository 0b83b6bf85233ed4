#include "common/transport/websocket/ws_client_tunnel.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "common/transport/topics.h"
#include "common/transport/websocket/ws_frame.h"
#include "common/transport/websocket/ws_listener_tunnel.h"
#include "tests/support/connect_proxy.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/wait.h"

namespace ferry::transport {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ferry::testing::WaitUntil;

TEST(TunnelUrlTest, OnlyWssWithAHostAndAPortThatIsOne) {
  auto url = ParseTunnelUrl("wss://cp.example.com:8443");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "cp.example.com");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, kTunnelPath);
  url = ParseTunnelUrl("wss://cp.example.com/custom/tunnel");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->path, "/custom/tunnel");
  EXPECT_NE(ParseTunnelUrl("ws://cp:80").status().message().find("wss://"), std::string_view::npos);
  EXPECT_FALSE(ParseTunnelUrl("wss://:443").ok());
  EXPECT_FALSE(ParseTunnelUrl("wss://cp:0").ok());
  EXPECT_FALSE(ParseTunnelUrl("wss://cp:99999").ok());
  EXPECT_FALSE(ParseTunnelUrl("wss://cp:44x").ok());
}

// Both ends for real, in one process: the control plane's listener and the
// agent's libwebsockets client, with TLS both ways.
class WebSocketClientTunnelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<ferry::testing::TestPki>(dir_.path());
    pki_->IssueClient("plant-01");
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    OnIo([this] {
      if (agent_) agent_->Stop();
      if (listener_) listener_->Stop();
    });
    work_.reset();
    thread_.join();
  }
  template <typename Fn>
  void OnIo(Fn fn) {
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().get();
  }
  void StartListener(uint16_t port = 0) {
    WebSocketListenerOptions options;
    options.host = "127.0.0.1";
    options.port = port;
    options.cert_file = pki_->Path("server.crt");
    options.key_file = pki_->Path("server.key");
    options.client_ca_file = pki_->Path("ca.pem");
    options.presence_topic = std::string(topics::kControlPlanePresence);
    options.birth_payload = "online cp-" + std::to_string(++births_);
    OnIo([&] {
      listener_ = WebSocketListenerTunnel::Create(io_.get_executor(), options).value();
      listener_->SetMessageHandler([this](const std::string& topic, std::string payload) {
        std::lock_guard lock(mu_);
        up_.push_back(topic + " " + payload);
      });
      ASSERT_TRUE(listener_->Listen().ok());
      listener_->Start();
      port_ = listener_->port();
    });
  }
  void StartAgent(const std::string& ca_file, const HttpsProxy& proxy = {}, size_t pause_queued_bytes = 0) {
    WebSocketClientOptions options;
    if (pause_queued_bytes != 0) options.pause_queued_bytes = pause_queued_bytes;
    options.url = "wss://127.0.0.1:" + std::to_string(port_);
    options.tls.ca_file = ca_file;
    options.tls.cert_file = pki_->Path("plant-01.crt");
    options.tls.key_file = pki_->Path("plant-01.key");
    options.https_proxy = proxy;
    options.reconnect_min = 20ms;
    options.reconnect_max = 200ms;
    OnIo([&] {
      agent_ = WebSocketClientTunnel::Create(io_.get_executor(), options).value();
      agent_->SetMessageHandler([this](const std::string& topic, std::string payload) {
        std::lock_guard lock(mu_);
        down_.push_back(topic + " " + payload);
      });
      agent_->SetStateHandler([this](bool connected, const std::string& detail) {
        std::lock_guard lock(mu_);
        states_.push_back((connected ? "up: " : "down: ") + detail);
      });
      agent_->Start();
    });
  }
  std::vector<std::string> Down() {
    std::lock_guard lock(mu_);
    return down_;
  }
  std::vector<std::string> Up() {
    std::lock_guard lock(mu_);
    return up_;
  }
  std::vector<std::string> States() {
    std::lock_guard lock(mu_);
    return states_;
  }
  bool Contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  }
  Status Publish(const std::shared_ptr<Tunnel>& tunnel, const std::string& topic, const std::string& payload,
                 bool retained = false) {
    std::promise<Status> result;
    OnIo([&] {
      auto done = [&result](const Status& s) { result.set_value(s); };
      retained ? tunnel->PublishRetained(topic, payload, done) : tunnel->Publish(topic, payload, done);
    });
    return result.get_future().get();
  }
  bool AgentConnected() {
    bool up = false;
    OnIo([&] { up = agent_->connected(); });
    return up;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<ferry::testing::TestPki> pki_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  std::thread thread_;
  std::shared_ptr<WebSocketListenerTunnel> listener_;
  std::shared_ptr<WebSocketClientTunnel> agent_;
  uint16_t port_ = 0;
  int births_ = 0;
  std::mutex mu_;
  std::vector<std::string> down_, up_, states_;
};

TEST_F(WebSocketClientTunnelTest, TheAgentGetsPresenceAndDeploymentOnConnectAndMessagesFlowBothWays) {
  StartListener();
  Publish(listener_, topics::DownBundle("plant-01"), "signed deployment", true);
  StartAgent(pki_->Path("ca.pem"));
  ASSERT_TRUE(WaitUntil([&] { return Down().size() == 2; }, 10s)) << ::testing::PrintToString(States());
  EXPECT_EQ(Down()[0], std::string(topics::kControlPlanePresence) + " online cp-1");
  EXPECT_EQ(Down()[1], topics::DownBundle("plant-01") + " signed deployment");
  ASSERT_TRUE(AgentConnected());

  ASSERT_TRUE(Publish(agent_, topics::UpEvents("plant-01"), "batch 1").ok());
  ASSERT_TRUE(WaitUntil([&] { return Contains(Up(), topics::UpEvents("plant-01") + " batch 1"); }, 10s));
  ASSERT_TRUE(Publish(listener_, topics::DownAcks("plant-01"), "ack 1").ok());
  ASSERT_TRUE(WaitUntil([&] { return Contains(Down(), topics::DownAcks("plant-01") + " ack 1"); }, 10s));

  // Large batches go through whole.
  const std::string big(3 << 20, 'b');
  ASSERT_TRUE(Publish(agent_, topics::UpEvents("plant-01"), big).ok());
  ASSERT_TRUE(WaitUntil([&] { return Contains(Up(), topics::UpEvents("plant-01") + " " + big); }, 20s));
}

// Back-pressure: with the control plane not reading, the socket's buffers
// fill, then the tunnel's own queue; it says so, and calls the drain handler
// once the control plane reads again. Nothing is dropped or reordered.
TEST_F(WebSocketClientTunnelTest, AFullSendQueueSaysSoAndTheDrainHandlerRunsOnceTheControlPlaneReadsAgain) {
  StartListener();
  StartAgent(pki_->Path("ca.pem"), {}, 256 << 10);
  ASSERT_TRUE(WaitUntil([&] { return AgentConnected(); }, 10s));
  std::atomic<int> drains{0};
  OnIo([&] { agent_->SetDrainHandler([&] { ++drains; }); });
  // The control plane's thread (the agent tunnel's executor too) is held,
  // so nothing reads; this thread stands in for the executor meanwhile.
  std::promise<void> held, release;
  asio::post(io_, [&] {
    held.set_value();
    release.get_future().wait();
  });
  held.get_future().wait();
  const std::string payload(64 << 10, 'q');
  int sent = 0;
  while (!agent_->SendQueueFull() && sent < 2000) {
    Status result = Status::Internal("no answer");
    agent_->Publish(topics::UpEvents("plant-01"), payload + std::to_string(sent), [&](const Status& s) { result = s; });
    ASSERT_TRUE(result.ok()) << result.ToString();
    ++sent;
  }
  ASSERT_TRUE(agent_->SendQueueFull()) << "2000 frames of 64 KiB and never full";
  EXPECT_EQ(drains, 0);
  release.set_value();
  ASSERT_TRUE(WaitUntil([&] { return drains.load() == 1; }, 10s));
  ASSERT_TRUE(WaitUntil([&] { return Up().size() == static_cast<size_t>(sent); }, 30s)) << Up().size() << "/" << sent;
  const auto up = Up();
  for (int i = 0; i < sent; ++i) {
    ASSERT_EQ(up[i], topics::UpEvents("plant-01") + " " + payload + std::to_string(i)) << "frame " << i;
  }
  OnIo([&] { EXPECT_FALSE(agent_->SendQueueFull()); });
}

TEST_F(WebSocketClientTunnelTest, AControlPlaneRestartIsNoticedAtOnceAndTheAgentComesBackToTheNewOne) {
  StartListener();
  StartAgent(pki_->Path("ca.pem"));
  ASSERT_TRUE(WaitUntil([&] { return AgentConnected(); }, 10s));
  const uint16_t port = port_;
  OnIo([&] { listener_->Stop(); });
  ASSERT_TRUE(WaitUntil([&] { return !AgentConnected(); }, 5s)) << "a closed connection is seen at once";
  EXPECT_EQ(Publish(agent_, topics::UpEvents("plant-01"), "while down").code(), StatusCode::kUnavailable);
  StartListener(port);
  ASSERT_TRUE(
      WaitUntil([&] { return Contains(Down(), std::string(topics::kControlPlanePresence) + " online cp-2"); }, 10s))
      << ::testing::PrintToString(States());
  ASSERT_TRUE(AgentConnected());
}

TEST_F(WebSocketClientTunnelTest, AControlPlaneCertificateFromAnotherCaIsRefused) {
  StartListener();
  ferry::testing::TempDir other_dir;
  ferry::testing::TestPki other(other_dir.path(), "other-ca");
  StartAgent(other.Path("ca.pem"));
  ASSERT_TRUE(WaitUntil([&] { return States().size() >= 2; }, 10s));
  EXPECT_FALSE(AgentConnected());
  size_t agents = 1;
  OnIo([&] { agents = listener_->agents_connected(); });
  EXPECT_EQ(agents, 0u);
  for (const auto& state : States()) EXPECT_EQ(state.rfind("down: cannot connect", 0), 0u) << state;
}

TEST_F(WebSocketClientTunnelTest, ThroughAProxyThatWantsBasicCredentials) {
  StartListener();
  ferry::testing::ConnectProxy proxy("Basic YWxpY2U6czNjcmV0");  // alice:s3cret
  StartAgent(pki_->Path("ca.pem"), HttpsProxy{"127.0.0.1:" + std::to_string(proxy.port()), "alice", "s3cret"});
  ASSERT_TRUE(WaitUntil([&] { return AgentConnected(); }, 10s)) << ::testing::PrintToString(States());
  EXPECT_EQ(proxy.tunnels(), 1);
  ASSERT_TRUE(Publish(agent_, topics::UpEvents("plant-01"), "via proxy").ok());
  ASSERT_TRUE(WaitUntil([&] { return Contains(Up(), topics::UpEvents("plant-01") + " via proxy"); }, 10s));
}

}  // namespace
}  // namespace ferry::transport
