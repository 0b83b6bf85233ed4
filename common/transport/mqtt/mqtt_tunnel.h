#pragma once
// MQTT 5 tunnel on Eclipse Paho C++: QoS 1, persistent session (clean start
// off, session expiry), own reconnect loop with exponential back-off and full
// jitter (Paho's built-in reconnect has no jitter, and a fleet reconnecting in
// lock-step after a broker restart is what jitter prevents).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/transport/https_proxy.h"
#include "common/transport/reconnect_backoff.h"
#include "common/transport/tls_options.h"
#include "common/transport/tunnel.h"

namespace mqtt {
class async_client;
}

namespace ferry::transport {

struct MqttOptions {
  // tcp://host:port, ssl://host:port, or MQTT over WebSockets:
  // wss://host:port/path (ws:// in plain text).
  std::string broker_url;
  std::string client_id;
  std::string username;
  std::string password;  // never logged
  TlsOptions tls;
  bool insecure = false;                   // a plain-text broker was allowed explicitly
  HttpsProxy https_proxy;                  // CONNECT proxy for a wss:// broker; empty: none
  std::vector<std::string> subscriptions;  // filters, QoS 1
  std::chrono::seconds keep_alive{20};
  std::chrono::seconds session_expiry{7 * 24 * 3600};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  int max_inflight = 1000;  // broker-level QoS 1 window
  // Presence: after each connect (and its subscriptions) `birth_payload` is
  // published retained to `presence_topic`; the broker publishes the
  // retained `will_payload` there if the connection dies. Empty topic: off.
  std::string presence_topic;
  std::string birth_payload;
  std::string will_payload;
};

class MqttTunnel : public Tunnel, public std::enable_shared_from_this<MqttTunnel> {
 public:
  static std::shared_ptr<MqttTunnel> Create(boost::asio::any_io_executor executor, MqttOptions options);
  ~MqttTunnel() override;

  void SetMessageHandler(MessageHandler handler) override { on_message_ = std::move(handler); }
  void SetStateHandler(StateHandler handler) override { on_state_ = std::move(handler); }
  void Start() override;
  void Stop() override;
  void Publish(const std::string& topic, std::string payload, PublishDone done) override;
  void PublishRetained(const std::string& topic, std::string payload, PublishDone done) override;
  bool connected() const override { return connected_; }
  void Reconnect(const std::string& why) override;

 private:
  MqttTunnel(boost::asio::any_io_executor executor, MqttOptions options);
  void PublishMessage(const std::string& topic, std::string payload, bool retained, PublishDone done);
  void Subscribe(const std::string& filter);
  void Connect();
  void OnConnected();
  void OnConnectFailed(const std::string& reason);
  void OnLost(const std::string& reason);
  void ScheduleReconnect();

  boost::asio::any_io_executor executor_;
  MqttOptions options_;
  std::unique_ptr<mqtt::async_client> client_;
  boost::asio::steady_timer reconnect_timer_;
  ReconnectBackoff backoff_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopped_{false};
  bool connecting_ = false;
  uint64_t connects_ = 0;
  MessageHandler on_message_;
  StateHandler on_state_;
};

}  // namespace ferry::transport
