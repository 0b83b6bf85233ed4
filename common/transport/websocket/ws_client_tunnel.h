#pragma once
// The agent's side of the direct WebSocket tunnel (libwebsockets): one WSS
// connection to the control plane's tunnel listener, authenticated with the
// agent's enrolled client certificate, optionally through an HTTP proxy with
// CONNECT and Basic credentials (what a plant that allows only HTTPS out
// through its proxy has). It is a Tunnel like the MQTT one: the same topics
// and payloads, one ferry.v1.TunnelFrame per WebSocket message.
//
// libwebsockets has no Asio integration in Debian's build, so each
// connection runs its own service thread; frames to send wait in a bounded
// queue that the thread drains one write at a time, and everything received
// is posted to the executor. A lost connection (or one that never came up)
// is retried after a jittered back-off; every attempt reads the certificate
// files afresh, so a renewed certificate is used on the next connect.
// libwebsockets pings a connection that has been quiet for `keep_alive` and
// closes it when nothing at all came back within twice that.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "common/transport/https_proxy.h"
#include "common/transport/reconnect_backoff.h"
#include "common/transport/tls_options.h"
#include "common/transport/tunnel.h"

struct lws;
struct lws_context;

namespace ferry::transport {

struct WebSocketClientOptions {
  std::string url;  // wss://host[:port][/path]; the path defaults to /ferry/v1/tunnel
  TlsOptions tls;   // the fleet's CA, the agent's certificate and key
  // The plant's proxy; empty: none (but see docs/configuration.md on the
  // http_proxy environment variable).
  HttpsProxy https_proxy;
  std::chrono::seconds keep_alive{10};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  size_t max_message_bytes = 16 << 20;
  // The send queue: a publish that would take it past `max_queued_bytes`
  // is refused; from `pause_queued_bytes` on, SendQueueFull() tells the
  // sender to wait for the drain handler (called at half of it).
  size_t max_queued_bytes = 64 << 20;
  size_t pause_queued_bytes = 8 << 20;
};

// The parts of a tunnel URL; InvalidArgument naming what is wrong.
struct TunnelUrl {
  std::string host;
  uint16_t port = 443;
  std::string path;
};
Result<TunnelUrl> ParseTunnelUrl(const std::string& url);

class WebSocketClientTunnel : public Tunnel, public std::enable_shared_from_this<WebSocketClientTunnel> {
 public:
  static Result<std::shared_ptr<WebSocketClientTunnel>> Create(boost::asio::any_io_executor executor,
                                                               WebSocketClientOptions options);
  ~WebSocketClientTunnel() override;

  void SetMessageHandler(MessageHandler handler) override { on_message_ = std::move(handler); }
  void SetStateHandler(StateHandler handler) override { on_state_ = std::move(handler); }
  void Start() override;
  void Stop() override;
  void Publish(const std::string& topic, std::string payload, PublishDone done) override;
  void PublishRetained(const std::string& topic, std::string payload, PublishDone done) override;
  bool connected() const override { return connected_; }
  void Reconnect(const std::string& why) override;
  bool SendQueueFull() const override;
  bool SendPending() const override;
  void SetDrainHandler(std::function<void()> handler) override { on_drain_ = std::move(handler); }

  struct Connection;  // one attempt and its service thread (defined in the .cc)

 private:
  WebSocketClientTunnel(boost::asio::any_io_executor executor, WebSocketClientOptions options, TunnelUrl url);
  void Connect();
  void OnConnected();
  void OnEnded(const std::string& reason, bool was_connected);

  boost::asio::any_io_executor executor_;
  WebSocketClientOptions options_;
  TunnelUrl url_;
  boost::asio::steady_timer reconnect_timer_;
  ReconnectBackoff backoff_;
  std::shared_ptr<Connection> connection_;  // the current attempt; executor only
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopped_{false};
  bool reconnect_now_ = false;  // Reconnect(): the next attempt without a wait
  MessageHandler on_message_;
  StateHandler on_state_;
  std::function<void()> on_drain_;
};

}  // namespace ferry::transport
