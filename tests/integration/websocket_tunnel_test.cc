// The direct WebSocket tunnel between real processes: the agent's
// libwebsockets client and the control plane's listener, with the fleet's
// mutual TLS, without a broker, through a real proxy from Debian that wants
// credentials, and across a kill -9 of the control plane mid-stream.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"
#include "tests/support/tinyproxy.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

// The IDoc numbers the CRM accepted, each once; fails on a duplicate.
std::set<std::string> AcceptedOnce(WebhookSink& sink) {
  std::set<std::string> docnums;
  for (const auto& r : sink.Requests()) {
    if (r.status_sent < 200 || r.status_sent >= 300) continue;
    const std::string docnum = nlohmann::json::parse(r.body)["idoc"]["docnum"];
    EXPECT_TRUE(docnums.insert(docnum).second) << "delivered twice: " << docnum;
  }
  return docnums;
}

PipelineOptions DirectTunnel() {
  PipelineOptions options;
  options.transport = "websocket";
  options.broker = false;
  return options;
}

TEST(WebSocketTunnelTest, WithoutABrokerIdocsReachTheCrmOverTheControlPlanesOwnListener) {
  Pipeline p(DirectTunnel());
  p.StartAll();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(20, seconds(30))) << "accepted " << p.sink().AcceptedCount();
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0; }, seconds(10))) << "the Acks came back";
  EXPECT_EQ(AcceptedOnce(p.sink()).size(), 20u);
  const std::string log = ReadFile(p.dir().path() / "controlplane.log");
  EXPECT_NE(log.find("event=websocket_agent_connected agent_id=plant-01"), std::string::npos);
  EXPECT_EQ(log.find("event=mqtt_"), std::string::npos) << "no broker was configured";
}

TEST(WebSocketTunnelTest, KillNineOfTheControlPlaneMidStreamLosesAndDuplicatesNothing) {
  Pipeline p(DirectTunnel());
  // A slow CRM, so that the kill lands with deliveries in flight.
  p.sink().SetResponder([](const ReceivedRequest&) {
    SinkResponse res;
    res.delay = std::chrono::milliseconds(20);
    return res;
  });
  p.StartAll();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  p.controlplane().Kill9();
  // Accepted by the agent while nothing listens: kept in its outbox.
  for (int i = 100; i < 150; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p.sink()).size() == 150; }, seconds(60)))
      << "delivered " << DeliveriesByDocnum(p.sink()).size();
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0 && p.ControlPlaneQueueDepth() == 0; }, seconds(20)));
  // Nothing the agent sent was stored twice. A delivery the kill cut short
  // goes again as the same event with the same Idempotency-Key (one record
  // at the CRM); at most the engine's concurrency of them.
  size_t redelivered = 0;
  for (const auto& [docnum, times] : DeliveriesByDocnum(p.sink())) {
    redelivered += times.size() > 1;
    for (const auto& t : times) EXPECT_EQ(t.idempotency_key, times.front().event_id) << docnum;
  }
  EXPECT_LE(redelivered, 8u);
}

TEST(WebSocketTunnelTest, KillNineOfTheAgentMidSendLosesAndDuplicatesNothing) {
  Pipeline p(DirectTunnel());
  p.StartAll();
  for (int i = 0; i < 300; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  p.agent().Kill9();
  p.StartAgent();
  ASSERT_TRUE(p.sink().WaitForAccepted(300, seconds(60))) << "accepted " << p.sink().AcceptedCount();
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0; }, seconds(20)));
  // What the agent sends again after its restart the control plane already
  // has (by event id): nothing reaches the CRM twice.
  EXPECT_EQ(AcceptedOnce(p.sink()).size(), 300u);
}

TEST(WebSocketTunnelTest, AnAgentSwitchedFromMqttToWebSocketWithABacklogLosesAndDuplicatesNothing) {
  PipelineOptions options;
  options.cp_listener = true;  // the control plane takes both
  Pipeline p(options);
  p.StartAll();
  constexpr int kDelivered = 200, kBacklog = 10000;
  for (int i = 0; i < kDelivered; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(kDelivered, seconds(30)));
  // Every delivery committed, so that the kill below cuts none short.
  ASSERT_TRUE(WaitUntil([&] { return p.ControlPlaneQueueDepth() == 0; }, seconds(10)));
  // A backlog builds up while the control plane is away.
  p.controlplane().Kill9();
  for (int i = kDelivered; i < kDelivered + kBacklog; ++i)
    ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  p.agent().Kill9();
  p.SetAgentTransport("websocket");
  p.StartControlPlane();
  p.StartAgent();
  ASSERT_TRUE(p.sink().WaitForAccepted(kDelivered + kBacklog, seconds(120))) << "accepted " << p.sink().AcceptedCount();
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0; }, seconds(20)));
  EXPECT_EQ(AcceptedOnce(p.sink()).size(), static_cast<size_t>(kDelivered + kBacklog));
  EXPECT_NE(ReadFile(p.dir().path() / "controlplane.log").find("event=websocket_agent_connected agent_id=plant-01"),
            std::string::npos);
}

TEST(WebSocketTunnelTest, AControlPlaneCertificateFromAnotherCaIsRefusedAndNothingIsLost) {
  TempDir other_dir;
  TestPki other(other_dir.path(), "another-ca");  // what a rogue endpoint would present
  PipelineOptions options = DirectTunnel();
  options.agent_tls_ca_override = other.Path("ca.pem");
  Pipeline p(options);
  p.StartAll();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  const auto agent_log = [&] { return ReadFile(p.dir().path() / "agent.log"); };
  ASSERT_TRUE(
      WaitUntil([&] { return agent_log().find("event=websocket_connect_failed") != std::string::npos; }, seconds(20)));
  EXPECT_NE(agent_log().find("certificate"), std::string::npos) << agent_log();
  EXPECT_EQ(p.sink().AcceptedCount(), 0u);
  EXPECT_EQ(p.AgentOutboxDepth(), 3u);
  EXPECT_EQ(ReadFile(p.dir().path() / "controlplane.log").find("event=websocket_agent_connected"), std::string::npos);
  // Trusting the fleet's CA again, the agent delivers what it kept, once.
  p.agent().Terminate();
  p.SetAgentCaOverride("");
  p.StartAgent();
  ASSERT_TRUE(p.sink().WaitForAccepted(3, seconds(30)));
  EXPECT_EQ(AcceptedOnce(p.sink()).size(), 3u);
}

TEST(WebSocketTunnelTest, ThroughTinyproxyWithBasicCredentialsAndAcrossItsRestart) {
  TempDir proxy_dir;
  Tinyproxy proxy(proxy_dir.path(), "ferry", "s3cret-proxy");
  PipelineOptions options = DirectTunnel();
  options.agent_https_proxy = "http://ferry@127.0.0.1:" + std::to_string(proxy.port());
  options.agent_https_proxy_password = "s3cret-proxy";
  Pipeline p(options);
  p.StartAll();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(5, seconds(30))) << proxy.log();
  EXPECT_NE(proxy.log().find("CONNECT 127.0.0.1:" + std::to_string(p.tunnel_port())), std::string::npos) << proxy.log();
  // The proxy goes away and comes back: the agent reconnects through it.
  proxy.Restart();
  for (int i = 5; i < 10; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7300000 + i)).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(10, seconds(60))) << proxy.log();
  EXPECT_EQ(AcceptedOnce(p.sink()).size(), 10u);
  const std::string agent_log = ReadFile(p.dir().path() / "agent.log");
  EXPECT_EQ(agent_log.find("s3cret-proxy"), std::string::npos) << "the proxy password reached the log";
}

}  // namespace
}  // namespace ferry::testing
