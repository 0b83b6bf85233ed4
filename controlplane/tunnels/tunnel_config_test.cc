// How the control plane's configuration chooses the ways agents reach it:
// a broker, its own WebSocket listener, or both; never neither.

#include <gtest/gtest.h>

#include "controlplane/cp_config.h"
#include "tests/support/temp_dir.h"

namespace ferry::controlplane {
namespace {

class TunnelConfigTest : public ::testing::Test {
 protected:
  Result<ControlPlaneConfig> Load(const std::string& sections) {
    const auto file = dir_.path() / "controlplane.yaml";
    ferry::testing::WriteFile(file, "controlplane:\n  data_dir: " + (dir_.path() / "cp").string() + "\n" + sections +
                                        "connectors:\n  webhook:\n    url: https://crm.example.com/hook\n");
    return LoadControlPlaneConfig(file);
  }
  ferry::testing::TempDir dir_;
};

TEST_F(TunnelConfigTest, ABrokerAloneMeansNoListener) {
  auto c = Load("mqtt:\n  broker: ssl://broker.example.com:8883\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mqtt.broker_url, "ssl://broker.example.com:8883");
  EXPECT_TRUE(c->websocket.host.empty()) << "a listener nobody asked for";
}

TEST_F(TunnelConfigTest, AListenerAloneMeansNoBroker) {
  auto c = Load("websocket:\n  listen: 0.0.0.0:8443\n  hosts: [cp.example.com]\n  idle_timeout: 30s\n");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->mqtt.broker_url.empty());
  EXPECT_EQ(c->websocket.host, "0.0.0.0");
  EXPECT_EQ(c->websocket.port, 8443);
  EXPECT_EQ(c->websocket.idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(c->websocket_hosts, (std::vector<std::string>{"cp.example.com"}));
  EXPECT_EQ(c->fleet.broker_urls, (std::vector<std::string>{"wss://cp.example.com:8443"}))
      << "enrolled agents are told the listener";
}

TEST_F(TunnelConfigTest, AgentsAreToldTheTlsBrokerAndTheListenerUnlessBrokerUrlsSaysOtherwise) {
  const std::string both =
      "mqtt:\n  broker: ssl://broker.example.com:8883\n"
      "websocket:\n  listen: 0.0.0.0:443\n  hosts: [cp.example.com, 10.0.0.5]\n";
  auto c = Load(both);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->fleet.broker_urls,
            (std::vector<std::string>{"ssl://broker.example.com:8883", "wss://cp.example.com:443"}));
  auto plain = Load("mqtt:\n  broker: tcp://127.0.0.1:1883\n  insecure: true\n");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_TRUE(plain->fleet.broker_urls.empty()) << "a plain-text broker is never handed to agents";
  auto chosen = Load(both + "fleet:\n  broker_urls: [wss://cp.example.com:443]\n");
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ(chosen->fleet.broker_urls, (std::vector<std::string>{"wss://cp.example.com:443"}));
}

TEST_F(TunnelConfigTest, NeitherIsAnErrorNamingTheBroker) {
  auto c = Load("");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("mqtt.broker"), std::string::npos) << c.status().message();
}

TEST_F(TunnelConfigTest, AListenerNeedsAnIpAddressAndANameOrACertificate) {
  auto c = Load("websocket:\n  listen: cp.example.com:443\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("websocket.listen': must be an IP address"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("websocket.hosts"), std::string::npos) << c.status().message();
  c = Load("websocket:\n  listen: 0.0.0.0:443\n  cert_file: /etc/ferry/tunnel.crt\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cert_file and key_file go together"), std::string::npos) << c.status().message();
}

}  // namespace
}  // namespace ferry::controlplane
