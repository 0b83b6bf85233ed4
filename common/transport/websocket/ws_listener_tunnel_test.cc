#include "common/transport/websocket/ws_listener_tunnel.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <sys/socket.h>
#include <filesystem>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <future>
#include <mutex>
#include <thread>

#include "common/transport/topics.h"
#include "common/transport/websocket/ws_frame.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/wait.h"

namespace ferry::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using namespace std::chrono_literals;

using Pki = ferry::testing::TestPki;

// An agent's end, written plainly with Beast: TLS with its certificate, the
// upgrade, then frames.
class TestAgent {
 public:
  TestAgent(uint16_t port, const Pki& trust, const std::string& cert_name) : tls_(asio::ssl::context::tls_client) {
    tls_.load_verify_file(trust.Path("ca.pem"));
    if (!cert_name.empty()) {
      tls_.use_certificate_chain_file(trust.Path(cert_name + ".crt"));
      tls_.use_private_key_file(trust.Path(cert_name + ".key"), asio::ssl::context::pem);
    }
    tls_.set_verify_mode(asio::ssl::verify_peer);
    ws_ = std::make_unique<websocket::stream<beast::ssl_stream<tcp::socket>>>(io_, tls_);
    auto& socket = beast::get_lowest_layer(*ws_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval timeout{10, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    port_ = port;
  }
  // The TLS handshake and the upgrade; the error, or the refusal's status
  // and body.
  std::string Connect(const std::string& path = kTunnelPath, const char* subprotocol = kTunnelSubprotocol) {
    boost::system::error_code ec;
    ws_->next_layer().handshake(asio::ssl::stream_base::client, ec);
    if (ec) return "tls: " + ec.message();
    ws_->set_option(websocket::stream_base::decorator([subprotocol](websocket::request_type& req) {
      if (subprotocol) req.set(beast::http::field::sec_websocket_protocol, subprotocol);
    }));
    websocket::response_type res;
    ws_->handshake(res, "127.0.0.1:" + std::to_string(port_), path, ec);
    if (ec) return std::to_string(res.result_int()) + " " + res.body();
    ws_->binary(true);
    return "";
  }
  void Send(const std::string& topic, const std::string& payload) {
    ws_->write(asio::buffer(EncodeFrame(topic, payload, false)));
  }
  void SendRaw(const std::string& bytes) { ws_->write(asio::buffer(bytes)); }
  // The next frame, or nullopt when the connection ended or nothing came.
  std::optional<ferry::v1::TunnelFrame> Receive() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws_->read(buffer, ec);
    if (ec) return std::nullopt;
    auto frame = DecodeFrame(beast::buffers_to_string(buffer.data()));
    if (!frame.ok()) return std::nullopt;
    return *frame;
  }

 private:
  asio::io_context io_;
  asio::ssl::context tls_;
  std::unique_ptr<websocket::stream<beast::ssl_stream<tcp::socket>>> ws_;
  uint16_t port_ = 0;
};

class WebSocketListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<Pki>(dir_.path());
    pki_->IssueClient("plant-01");
    pki_->IssueClient("plant-02");
    pki_->IssueClient("revoked-01");
  }
  void Start(size_t max_message_bytes = 1 << 20) {
    WebSocketListenerOptions options;
    options.host = "127.0.0.1";
    options.cert_file = pki_->Path("server.crt");
    options.key_file = pki_->Path("server.key");
    options.client_ca_file = pki_->Path("ca.pem");
    options.max_message_bytes = max_message_bytes;
    options.presence_topic = std::string(topics::kControlPlanePresence);
    options.birth_payload = "online cp-1 42";
    options.admit = [](const std::string& agent_id, const crypto::Certificate&) {
      return agent_id == "revoked-01" ? Status::Unauthenticated("agent revoked-01 is revoked") : Status::Ok();
    };
    auto created = WebSocketListenerTunnel::Create(io_.get_executor(), options);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    tunnel_ = *created;
    tunnel_->SetMessageHandler([this](const std::string& topic, std::string payload) {
      std::lock_guard lock(mu_);
      received_.push_back(topic + " " + payload);
    });
    ASSERT_TRUE(tunnel_->Listen().ok());
    tunnel_->Start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (tunnel_) asio::post(io_, [t = tunnel_] { t->Stop(); });
    work_.reset();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> Received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  bool Connected(const std::string& agent) {
    std::promise<bool> p;
    asio::post(io_, [&] { p.set_value(tunnel_->HasAgent(agent)); });
    return p.get_future().get();
  }
  Status PublishSync(const std::string& topic, const std::string& payload, bool retained = false) {
    std::promise<Status> p;
    auto done = [&p](const Status& s) { p.set_value(s); };
    retained ? tunnel_->PublishRetained(topic, payload, done) : tunnel_->Publish(topic, payload, done);
    return p.get_future().get();
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<Pki> pki_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  std::shared_ptr<WebSocketListenerTunnel> tunnel_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> received_;
};

TEST_F(WebSocketListenerTest, AnEnrolledAgentGetsPresenceAndItsDeploymentOnConnectAndTalksOnlyAsItself) {
  Start();
  // Kept for the agent before it connects, as a broker keeps a retained message.
  ASSERT_TRUE(PublishSync(topics::DownBundle("plant-01"), "signed deployment", true).ok());
  EXPECT_EQ(PublishSync(topics::DownAcks("plant-01"), "ack").code(), StatusCode::kUnavailable);

  TestAgent agent(tunnel_->port(), *pki_, "plant-01");
  ASSERT_EQ(agent.Connect(), "");
  auto presence = agent.Receive();
  ASSERT_TRUE(presence);
  EXPECT_EQ(presence->topic(), topics::kControlPlanePresence);
  EXPECT_EQ(presence->payload(), "online cp-1 42");
  auto bundle = agent.Receive();
  ASSERT_TRUE(bundle);
  EXPECT_EQ(bundle->topic(), topics::DownBundle("plant-01"));
  EXPECT_EQ(bundle->payload(), "signed deployment");
  EXPECT_TRUE(bundle->retained());

  agent.Send(topics::UpEvents("plant-02"), "forged");     // another agent's
  agent.Send(topics::DownAcks("plant-01"), "wrong way");  // not an up/ topic
  agent.SendRaw("\xff\xff not a frame");                  // not a TunnelFrame
  agent.Send(topics::UpEvents("plant-01"), "batch");
  ASSERT_TRUE(ferry::testing::WaitUntil([&] { return !Received().empty(); }, 10s));
  EXPECT_EQ(Received(), (std::vector<std::string>{topics::UpEvents("plant-01") + " batch"}));

  ASSERT_TRUE(PublishSync(topics::DownAcks("plant-01"), "ack").ok());
  auto ack = agent.Receive();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->topic(), topics::DownAcks("plant-01"));
  EXPECT_EQ(ack->payload(), "ack");
  EXPECT_FALSE(ack->retained());
}

// This process's TCP sockets bound to `local_port` (the listener's side of
// its connections, here in the same process), and whether each has Nagle's
// algorithm off.
std::vector<bool> NoDelayOfSocketsOnLocalPort(uint16_t local_port) {
  std::vector<bool> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::atoi(entry.path().filename().c_str());
    sockaddr_in local{};
    socklen_t size = sizeof local;
    int type = 0;
    socklen_t type_size = sizeof type;
    if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_size) != 0 || type != SOCK_STREAM) continue;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &size) != 0 || local.sin_family != AF_INET) continue;
    sockaddr_in peer{};
    socklen_t peer_size = sizeof peer;
    if (ntohs(local.sin_port) != local_port || ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_size) != 0) {
      continue;  // another port, or the listening socket
    }
    int nodelay = 0;
    socklen_t nodelay_size = sizeof nodelay;
    ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &nodelay_size);
    out.push_back(nodelay != 0);
  }
  return out;
}

// Acks are small frames; with Nagle on, each waits for the agent's delayed
// ACK of the one before (the tunnel's end-to-end p99 went from 2 to 19 ms).
TEST_F(WebSocketListenerTest, AcceptedConnectionsSendSmallFramesWithoutNaglesDelay) {
  Start();
  TestAgent agent(tunnel_->port(), *pki_, "plant-01");
  ASSERT_EQ(agent.Connect(), "");
  ASSERT_TRUE(agent.Receive());  // presence: the connection is served
  EXPECT_EQ(NoDelayOfSocketsOnLocalPort(tunnel_->port()), std::vector<bool>{true});
}

// The control plane with a broker as well: a message for an agent connected
// here goes here, one for any other agent to the broker instead. Decided
// on the listener's thread, whichever thread publishes (this one).
TEST_F(WebSocketListenerTest, PublishOrElseSendsToAConnectedAgentAndHandsTheRestOn) {
  Start();
  TestAgent agent(tunnel_->port(), *pki_, "plant-01");
  ASSERT_EQ(agent.Connect(), "");
  ASSERT_TRUE(agent.Receive());  // presence
  auto publish = [&](const std::string& agent_id, const std::string& payload) {
    std::promise<std::string> routed;  // exactly one of the two answers
    tunnel_->PublishOrElse(
        topics::DownAcks(agent_id), payload,
        [&routed](const Status& s) { routed.set_value(s.ok() ? "listener" : s.ToString()); },
        [&routed](std::string handed_on, Tunnel::PublishDone) { routed.set_value("otherwise: " + handed_on); });
    return routed.get_future().get();
  };
  EXPECT_EQ(publish("plant-01", "ack 1"), "listener");
  auto ack = agent.Receive();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->payload(), "ack 1");
  EXPECT_EQ(publish("plant-02", "ack 2"), "otherwise: ack 2");
}

TEST_F(WebSocketListenerTest, NoCertificateOrOneFromAnotherCaIsRefusedInTheTlsHandshake) {
  Start();
  // With TLS 1.3 the server's refusal may arrive after the client thinks
  // the handshake is done: the upgrade then fails instead.
  TestAgent anonymous(tunnel_->port(), *pki_, "");
  EXPECT_NE(anonymous.Connect(), "");

  ferry::testing::TempDir other_dir;
  Pki other(other_dir.path(), "other-ca");
  other.IssueClient("plant-01");
  // It trusts the real server (its CA file is swapped in), but its
  // certificate comes from a CA the control plane does not know.
  std::filesystem::copy_file(pki_->Path("ca.pem"), other.Path("ca.pem"),
                             std::filesystem::copy_options::overwrite_existing);
  TestAgent stranger(tunnel_->port(), other, "plant-01");
  EXPECT_NE(stranger.Connect(), "");
  EXPECT_FALSE(Connected("plant-01"));
  // The same name with the fleet's certificate gets in.
  TestAgent enrolled(tunnel_->port(), *pki_, "plant-01");
  EXPECT_EQ(enrolled.Connect(), "");
  EXPECT_TRUE(ferry::testing::WaitUntil([&] { return Connected("plant-01"); }, 10s));
}

TEST_F(WebSocketListenerTest, ARefusedAgentIsTold403WithTheReason) {
  Start();
  TestAgent revoked(tunnel_->port(), *pki_, "revoked-01");
  EXPECT_EQ(revoked.Connect(), "403 agent revoked-01 is revoked\n");
  TestAgent wrong_path(tunnel_->port(), *pki_, "plant-01");
  EXPECT_EQ(wrong_path.Connect("/mqtt").substr(0, 3), "404");
  TestAgent no_subprotocol(tunnel_->port(), *pki_, "plant-01");
  EXPECT_EQ(no_subprotocol.Connect(kTunnelPath, nullptr).substr(0, 3), "400");
}

TEST_F(WebSocketListenerTest, ASecondConnectionOfTheSameAgentReplacesTheFirst) {
  Start();
  TestAgent first(tunnel_->port(), *pki_, "plant-01");
  ASSERT_EQ(first.Connect(), "");
  ASSERT_TRUE(first.Receive());  // presence
  TestAgent second(tunnel_->port(), *pki_, "plant-01");
  ASSERT_EQ(second.Connect(), "");
  ASSERT_TRUE(second.Receive());  // presence
  EXPECT_FALSE(first.Receive()) << "the replaced connection is closed";
  ASSERT_TRUE(PublishSync(topics::DownAcks("plant-01"), "to the newest").ok());
  auto ack = second.Receive();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->payload(), "to the newest");
}

TEST_F(WebSocketListenerTest, AMessageAboveTheLimitClosesTheConnection) {
  Start(/*max_message_bytes=*/64 * 1024);
  TestAgent agent(tunnel_->port(), *pki_, "plant-01");
  ASSERT_EQ(agent.Connect(), "");
  ASSERT_TRUE(agent.Receive());  // presence
  agent.Send(topics::UpEvents("plant-01"), std::string(100 * 1024, 'x'));
  EXPECT_FALSE(agent.Receive());
  ASSERT_TRUE(ferry::testing::WaitUntil([&] { return !Connected("plant-01"); }, 10s));
  EXPECT_TRUE(Received().empty());
}

}  // namespace
}  // namespace ferry::transport
