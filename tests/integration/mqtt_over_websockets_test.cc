// MQTT over WebSockets between real processes: the agent's Paho client to
// the WebSockets listener of the broker as shipped (packaging/mosquitto),
// with the fleet's mutual TLS, through tinyproxy wanting Basic credentials,
// for sites that have a broker but let nothing out except through the proxy.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/connect_proxy.h"
#include "tests/support/tinyproxy.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

size_t AcceptedOnce(WebhookSink& sink) {
  std::set<std::string> docnums;
  for (const auto& r : sink.Requests()) {
    if (r.status_sent < 200 || r.status_sent >= 300) continue;
    const std::string docnum = nlohmann::json::parse(r.body)["idoc"]["docnum"];
    EXPECT_TRUE(docnums.insert(docnum).second) << "delivered twice: " << docnum;
  }
  return docnums.size();
}

// An enrolled agent on MQTT over WebSockets to the shipped broker's
// WebSockets listener, through the proxy on `port` as user ferry.
PipelineOptions ThroughProxy(int port, const std::string& password) {
  PipelineOptions options;
  options.broker_websockets = true;
  options.agent_https_proxy = "http://ferry@127.0.0.1:" + std::to_string(port);
  options.agent_https_proxy_password = password;
  return options;
}

TEST(MqttOverWebSocketsTest, ThroughTinyproxyToTheShippedBrokersWebSocketsListenerAndAcrossAProxyRestart) {
  TempDir proxy_dir;
  Tinyproxy proxy(proxy_dir.path(), "ferry", "s3cretProxy");
  Pipeline p(ThroughProxy(proxy.port(), "s3cretProxy"));
  p.StartAll();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7400000 + i)).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(5, seconds(30))) << proxy.log() << p.broker().LogTail();
  const std::string target = "CONNECT 127.0.0.1:" + std::to_string(p.broker().ws_port());
  EXPECT_NE(proxy.log().find(target), std::string::npos) << proxy.log();
  const std::string agent_log = ReadFile(p.dir().path() / "agent.log");
  EXPECT_NE(agent_log.find("event=mqtt_connected broker=" + p.broker().ws_url()), std::string::npos) << agent_log;
  // The proxy goes away and comes back: the agent reconnects through it,
  // and what it buffered meanwhile arrives once.
  proxy.Restart();
  for (int i = 5; i < 10; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7400000 + i)).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(10, seconds(60))) << proxy.log();
  EXPECT_EQ(AcceptedOnce(p.sink()), 10u);
  EXPECT_EQ(ReadFile(p.dir().path() / "agent.log").find("s3cretProxy"), std::string::npos)
      << "the proxy password reached the log";
}

// tinyproxy takes only letters and digits in its BasicAuth setting; the
// test proxy checks the exact header for a password Paho needs encoded.
TEST(MqttOverWebSocketsTest, APasswordWithReservedCharactersReachesTheProxyIntact) {
  ConnectProxy proxy("Basic ZmVycnk6cEBzczp3JXJk");  // ferry:p@ss:w%rd
  Pipeline p(ThroughProxy(proxy.port(), "p@ss:w%rd"));
  p.StartAll();
  ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7400000)).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(30))) << "refused: " << proxy.refused();
  EXPECT_EQ(proxy.refused(), 0);
  EXPECT_GE(proxy.tunnels(), 1);
}

TEST(MqttOverWebSocketsTest, AProxyRefusingTheCredentialsKeepsEverythingBufferedUntilTheyAreRight) {
  TempDir proxy_dir;
  Tinyproxy proxy(proxy_dir.path(), "ferry", "right-password");
  Pipeline p(ThroughProxy(proxy.port(), "wrong-password"));
  p.StartAll();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(p.PostIdoc(FixtureCustomerIdoc(7400000 + i)).status, 200);
  // The proxy answers 407: nothing reaches the broker, nothing is lost.
  ASSERT_TRUE(WaitUntil(
      [&] { return ReadFile(p.dir().path() / "agent.log").find("event=mqtt_connect_failed") != std::string::npos; },
      seconds(20)));
  EXPECT_EQ(p.sink().AcceptedCount(), 0u);
  EXPECT_EQ(p.AgentOutboxDepth(), 3u);
  // With the right password (read at the next start) everything arrives once.
  p.agent().Terminate();
  WriteFile(p.dir().path() / "proxy.password", "right-password\n");
  p.StartAgent();
  ASSERT_TRUE(p.sink().WaitForAccepted(3, seconds(30))) << proxy.log();
  EXPECT_EQ(AcceptedOnce(p.sink()), 3u);
}

}  // namespace
}  // namespace ferry::testing
