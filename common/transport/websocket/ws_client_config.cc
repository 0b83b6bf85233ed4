#include "common/transport/websocket/ws_client_config.h"

namespace ferry::transport {

namespace {

class WebSocketTunnelBuilder final : public TunnelBuilder {
 public:
  explicit WebSocketTunnelBuilder(WebSocketClientOptions options) : options_(std::move(options)) {}
  Result<std::shared_ptr<Tunnel>> Build(boost::asio::any_io_executor executor) const override {
    auto tunnel = WebSocketClientTunnel::Create(executor, options_);
    if (!tunnel.ok()) return tunnel.status();
    return std::shared_ptr<Tunnel>(*tunnel);
  }
  std::string Endpoint() const override { return options_.url; }

 private:
  WebSocketClientOptions options_;
};

}  // namespace

void ReadWebSocketSettings(config::ConfigNode& node, WebSocketClientOptions& out) {
  out.url = out.url.empty() ? node.RequiredString("url") : node.String("url", out.url);
  if (!out.url.empty()) {
    if (auto url = ParseTunnelUrl(out.url); !url.ok()) node.Error("url", std::string(url.status().message()));
  }
  out.https_proxy = ReadHttpsProxy(node);
  // libwebsockets encodes at most 93 bytes of "user:password" (its
  // buffers) and, past that, connects without its proxy.
  if (!out.https_proxy.user.empty() && out.https_proxy.user.size() + 1 + out.https_proxy.password.size() > 93) {
    node.Error("https_proxy_password_file",
               "the proxy user and password together must be at most 92 characters with transport: websocket");
  }
  auto tls = node.Section("tls");
  out.tls.ca_file = tls.String("ca_file", out.tls.ca_file);
  out.tls.cert_file = tls.String("cert_file", out.tls.cert_file);
  out.tls.key_file = tls.String("key_file", out.tls.key_file);
  if (out.tls.cert_file.empty() || out.tls.key_file.empty()) {
    tls.Error(
        "cert_file",
        "the direct tunnel needs the agent's certificate and key (enroll the agent, or set cert_file and key_file)");
  }
  const auto keep_alive = node.Duration("keep_alive", std::chrono::seconds(10));
  if (keep_alive < std::chrono::seconds(1) || keep_alive > std::chrono::hours(1)) {
    node.Error("keep_alive", "must be between 1s and 1h");
  }
  out.keep_alive = std::chrono::duration_cast<std::chrono::seconds>(keep_alive);
  out.reconnect_min = node.Duration("reconnect_min", out.reconnect_min);
  out.reconnect_max = node.Duration("reconnect_max", out.reconnect_max);
  if (out.reconnect_min.count() < 10) node.Error("reconnect_min", "must be at least 10ms");
  if (out.reconnect_max < out.reconnect_min) node.Error("reconnect_max", "must not be below reconnect_min");
  out.max_message_bytes = node.Bytes("max_message", out.max_message_bytes);
  if (out.max_message_bytes < (64u << 10) || out.max_message_bytes > (256u << 20)) {
    node.Error("max_message", "must be between 64KiB and 256MiB");
  }
}

TunnelFactory WebSocketTunnelFactory() {
  return {"websocket", [](config::ConfigNode& node, const TunnelDefaults& defaults) -> std::unique_ptr<TunnelBuilder> {
            WebSocketClientOptions options;
            for (const auto& url : defaults.urls) {
              if (url.rfind("wss://", 0) == 0) {
                options.url = url;
                break;
              }
            }
            options.tls = defaults.tls;
            ReadWebSocketSettings(node, options);
            return std::make_unique<WebSocketTunnelBuilder>(std::move(options));
          }};
}

}  // namespace ferry::transport
