// The uplink's proxy settings, read once for both tunnels, and the choice
// of endpoint each tunnel makes from what the enrollment lists.

#include "common/transport/https_proxy.h"

#include <gtest/gtest.h>

#include "common/transport/mqtt/mqtt_config.h"
#include "common/transport/tunnel_plugin.h"
#include "common/transport/websocket/ws_client_config.h"
#include "tests/support/temp_dir.h"

namespace ferry::transport {
namespace {

class HttpsProxyTest : public ::testing::Test {
 protected:
  // Reads `yaml` (an uplink section's keys) with `read`; the config's
  // errors, joined, or "" when there are none.
  template <typename Read>
  std::string Parse(const std::string& yaml, Read read) {
    auto file = config::ConfigFile::FromString("uplink:\n" + yaml, "agent.yaml");
    if (!file.ok()) return file.status().message();
    auto uplink = file->Root().Section("uplink");
    read(uplink);
    const Status done = file->Finish();
    return done.ok() ? "" : done.message();
  }
  std::string PasswordFile(const std::string& password) {
    const auto file = dir_.path() / "proxy.password";
    ferry::testing::WriteFile(file, password + "\n");
    return file.string();
  }
  ferry::testing::TempDir dir_;
};

TEST_F(HttpsProxyTest, AUserAndAPasswordFileMakeBasicCredentialsSpelledForEachLibrary) {
  HttpsProxy proxy;
  const std::string errors = Parse(
      "  https_proxy: http://ferry@proxy.plant.local:3128/\n  https_proxy_password_file: " + PasswordFile("p@ss:w%rd") +
          "\n",
      [&](config::ConfigNode& node) { proxy = ReadHttpsProxy(node); });
  ASSERT_EQ(errors, "");
  EXPECT_EQ(proxy.address, "proxy.plant.local:3128");
  EXPECT_EQ(proxy.user, "ferry");
  EXPECT_EQ(proxy.password, "p@ss:w%rd");
  EXPECT_EQ(proxy.ForLibwebsockets(), "ferry:p@ss:w%rd@proxy.plant.local:3128");
  EXPECT_EQ(proxy.ForPaho(), "ferry:p%40ss%3Aw%25rd@proxy.plant.local:3128");
  EXPECT_EQ(proxy.ForLogs(), "proxy.plant.local:3128 (user ferry)");
}

TEST_F(HttpsProxyTest, NoProxyIsEmptyAndLogsAsNone) {
  HttpsProxy proxy;
  ASSERT_EQ(Parse("  transport: mqtt\n",
                  [&](config::ConfigNode& node) {
                    node.String("transport", "");
                    proxy = ReadHttpsProxy(node);
                  }),
            "");
  EXPECT_TRUE(proxy.empty());
  EXPECT_EQ(proxy.ForLogs(), "none");
}

TEST_F(HttpsProxyTest, MistakesAreNamedWithoutThePassword) {
  auto read = [](config::ConfigNode& node) { ReadHttpsProxy(node); };
  EXPECT_NE(Parse("  https_proxy: http://ferry:secret@proxy:3128\n", read).find("must not hold a password"),
            std::string::npos);
  EXPECT_NE(Parse("  https_proxy: https://proxy:3128\n", read).find("must be http://[user@]host:port"),
            std::string::npos);
  EXPECT_NE(Parse("  https_proxy: http://proxy\n", read).find("must name the proxy as host:port"), std::string::npos);
  const std::string password = PasswordFile("not-in-any-message");
  const std::string no_user =
      Parse("  https_proxy: http://proxy:3128\n  https_proxy_password_file: " + password + "\n", read);
  EXPECT_NE(no_user.find("needs a user in https_proxy"), std::string::npos) << no_user;
  EXPECT_EQ(no_user.find("not-in-any-message"), std::string::npos);
  EXPECT_NE(Parse("  https_proxy_password_file: " + password + "\n", read).find("is set but https_proxy is not"),
            std::string::npos);
}

TEST_F(HttpsProxyTest, ErrorsNeverRepeatAPasswordWrittenIntoTheUrl) {
  auto read = [](config::ConfigNode& node) { ReadHttpsProxy(node); };
  for (const std::string url :
       {"https://ferry:hunter2@proxy:3128", "http://ferry:hunter2@proxy", "http://ferry:hunter2@proxy:abc"}) {
    const std::string errors = Parse("  https_proxy: " + url + "\n", read);
    EXPECT_NE(errors, "") << url;
    EXPECT_EQ(errors.find("hunter2"), std::string::npos) << errors;
  }
}

TEST_F(HttpsProxyTest, TheProxyIsAHostAndANumericPort) {
  HttpsProxy proxy;
  auto read = [&](config::ConfigNode& node) { proxy = ReadHttpsProxy(node); };
  EXPECT_EQ(Parse("  https_proxy: http://[::1]:3128\n", read), "");
  EXPECT_EQ(proxy.address, "[::1]:3128");
  for (const std::string bad : {"http://proxy:abc", "http://proxy:0", "http://proxy:70000", "http://[::1]",
                                "http://proxy:3128/path", "http://:3128"}) {
    EXPECT_NE(Parse("  https_proxy: " + bad + "\n", read).find("must name the proxy as host:port"), std::string::npos)
        << bad;
  }
}

TEST_F(HttpsProxyTest, TheWebSocketTunnelRefusesCredentialsLibwebsocketsCannotCarry) {
  auto read = [](config::ConfigNode& node) {
    WebSocketClientOptions options;
    ReadWebSocketSettings(node, options);
  };
  const std::string base =
      "  url: wss://cp.example.com:443\n  tls:\n    cert_file: /id/agent.pem\n    key_file: /id/agent.pem\n"
      "  https_proxy: http://ferry@proxy:3128\n  https_proxy_password_file: ";
  EXPECT_EQ(Parse(base + PasswordFile(std::string(86, 'p')) + "\n", read), "");  // ferry: + 86 = 92
  const std::string long_one = Parse(base + PasswordFile(std::string(88, 'p')) + "\n", read);
  EXPECT_NE(long_one.find("at most 92 characters"), std::string::npos) << long_one;
}

TEST_F(HttpsProxyTest, MqttTakesAProxyOnlyForAWssBroker) {
  MqttOptions options;
  auto read = [&](config::ConfigNode& node) { ReadMqttSettings(node, "plant-01", options, true); };
  EXPECT_EQ(Parse("  broker: wss://broker.example.com:443/mqtt\n  https_proxy: http://proxy:3128\n", read), "");
  EXPECT_EQ(options.https_proxy.address, "proxy:3128");
  const std::string ssl = Parse("  broker: ssl://broker.example.com:8883\n  https_proxy: http://proxy:3128\n", read);
  EXPECT_NE(ssl.find("needs MQTT over WebSockets"), std::string::npos) << ssl;
  const std::string plain = Parse("  broker: ws://broker.example.com:80/mqtt\n", read);
  EXPECT_NE(plain.find("is plain text"), std::string::npos) << plain;
  EXPECT_EQ(Parse("  broker: ws://broker.example.com:80/mqtt\n  insecure: true\n", read), "");
  EXPECT_TRUE(IsMqttOverWebSockets("wss://b/mqtt"));
  EXPECT_FALSE(IsMqttOverWebSockets("ssl://b:8883"));
}

TEST_F(HttpsProxyTest, EachTunnelTakesItsOwnKindOfEnrolledEndpoint) {
  TunnelDefaults defaults;
  defaults.client_id = "plant-01";
  defaults.urls = {"wss://cp.example.com/ferry/v1/tunnel", "ssl://broker.example.com:8883"};
  defaults.tls = {"/id/ca.crt", "/id/agent.pem", "/id/agent.pem", true};
  std::map<std::string, std::string> endpoints;
  for (const TunnelFactory& factory : AllTunnels()) {
    const std::string errors = Parse("  transport: " + std::string(factory.name) + "\n", [&](config::ConfigNode& n) {
      n.String("transport", "");
      auto builder = factory.parse(n, defaults);
      if (builder) endpoints[std::string(factory.name)] = builder->Endpoint();
    });
    EXPECT_EQ(errors, "") << factory.name;
  }
  EXPECT_EQ(endpoints["mqtt"], "ssl://broker.example.com:8883");
  EXPECT_EQ(endpoints["websocket"], "wss://cp.example.com/ferry/v1/tunnel");
}

}  // namespace
}  // namespace ferry::transport
