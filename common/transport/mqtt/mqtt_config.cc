#include "common/transport/mqtt/mqtt_config.h"

namespace ferry::transport {

bool IsPlainText(const std::string& broker_url) {
  return broker_url.rfind("tcp://", 0) == 0 || broker_url.rfind("mqtt://", 0) == 0 || broker_url.rfind("ws://", 0) == 0;
}

bool IsMqttOverWebSockets(const std::string& broker_url) {
  return broker_url.rfind("ws://", 0) == 0 || broker_url.rfind("wss://", 0) == 0;
}

void ReadMqttSettings(config::ConfigNode& node, const std::string& default_client_id, MqttOptions& out,
                      bool allow_proxy) {
  // What `out` holds already (the agent's enrollment) are the defaults.
  out.broker_url = out.broker_url.empty() ? node.RequiredString("broker") : node.String("broker", out.broker_url);
  const std::string& url = out.broker_url;
  if (!url.empty() && url.rfind("tcp://", 0) != 0 && url.rfind("ssl://", 0) != 0 && url.rfind("mqtt://", 0) != 0 &&
      url.rfind("mqtts://", 0) != 0 && !IsMqttOverWebSockets(url)) {
    node.Error(
        "broker",
        "must start with tcp://, ssl://, mqtt://, mqtts:// or, for MQTT over WebSockets, wss:// (got '" + url + "')");
  }
  out.insecure = node.Bool("insecure", false);
  if (IsPlainText(url) && !out.insecure) {
    node.Error("broker", "'" + url +
                             "' is plain text: anyone on the network reads and forges what crosses it. Use ssl:// "
                             "or wss:// (or set insecure: true to allow plain text explicitly)");
  }
  if (allow_proxy) {
    out.https_proxy = ReadHttpsProxy(node);
    if (!out.https_proxy.empty() && !IsMqttOverWebSockets(url)) {
      node.Error("https_proxy", "needs MQTT over WebSockets: a wss:// broker URL (got '" + url + "')");
    }
  }
  out.client_id = node.String("client_id", default_client_id);
  out.username = node.String("username", "");
  out.password = node.SecretFile("password_file");
  auto tls = node.Section("tls");
  out.tls.ca_file = tls.String("ca_file", out.tls.ca_file);
  out.tls.cert_file = tls.String("cert_file", out.tls.cert_file);
  out.tls.key_file = tls.String("key_file", out.tls.key_file);
  out.tls.verify_peer = tls.Bool("verify_peer", true);
  if (out.tls.cert_file.empty() != out.tls.key_file.empty()) {
    tls.Error("key_file", "cert_file and key_file must be given together");
  }
  auto keep_alive = node.Duration("keep_alive", std::chrono::seconds(20));
  if (keep_alive < std::chrono::seconds(1)) node.Error("keep_alive", "must be at least 1s");
  out.keep_alive = std::chrono::duration_cast<std::chrono::seconds>(keep_alive);
  out.reconnect_min = node.Duration("reconnect_min", out.reconnect_min);
  out.reconnect_max = node.Duration("reconnect_max", out.reconnect_max);
  if (out.reconnect_min.count() < 10) node.Error("reconnect_min", "must be at least 10ms");
  if (out.reconnect_max < out.reconnect_min) node.Error("reconnect_max", "must not be below reconnect_min");
}

namespace {

class MqttTunnelBuilder final : public TunnelBuilder {
 public:
  explicit MqttTunnelBuilder(MqttOptions options) : options_(std::move(options)) {}
  Result<std::shared_ptr<Tunnel>> Build(boost::asio::any_io_executor executor) const override {
    return std::shared_ptr<Tunnel>(MqttTunnel::Create(executor, options_));
  }
  std::string Endpoint() const override { return options_.broker_url; }

 private:
  MqttOptions options_;
};

}  // namespace

TunnelFactory MqttTunnelFactory() {
  return {"mqtt", [](config::ConfigNode& node, const TunnelDefaults& defaults) -> std::unique_ptr<TunnelBuilder> {
            MqttOptions options;
            // The enrollment lists brokers and the control plane's own
            // WebSocket listener; MQTT over WebSockets is a broker URL the
            // site sets itself (uplink.broker: wss://...).
            for (const auto& url : defaults.urls) {
              if (url.rfind("ssl://", 0) == 0 || url.rfind("mqtts://", 0) == 0) {
                options.broker_url = url;
                break;
              }
            }
            options.tls = defaults.tls;
            ReadMqttSettings(node, defaults.client_id, options, /*allow_proxy=*/true);
            options.subscriptions = defaults.subscriptions;
            return std::make_unique<MqttTunnelBuilder>(std::move(options));
          }};
}

}  // namespace ferry::transport
