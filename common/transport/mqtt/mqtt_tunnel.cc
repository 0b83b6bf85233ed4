#include "common/transport/mqtt/mqtt_tunnel.h"

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "common/transport/mqtt/mqtt_config.h"
#include "common/transport/mqtt/tcp_nodelay.h"

namespace ferry::transport {
namespace {

// Completion of one Paho action, forwarded to a std::function. The listener
// keeps itself alive until Paho has called it once.
class OnceListener : public mqtt::iaction_listener {
 public:
  using Fn = std::function<void(bool ok, std::string detail)>;
  static OnceListener* Make(Fn fn) {
    auto l = std::make_shared<OnceListener>(std::move(fn));
    l->self_ = l;
    return l.get();
  }
  explicit OnceListener(Fn fn) : fn_(std::move(fn)) {}

 private:
  void on_success(const mqtt::token&) override { Finish(true, ""); }
  void on_failure(const mqtt::token& tok) override {
    std::string detail = "code " + std::to_string(tok.get_return_code());
    if (tok.get_reason_code() != mqtt::SUCCESS) detail += ", reason " + std::to_string(tok.get_reason_code());
    Finish(false, detail);
  }
  void Finish(bool ok, std::string detail) {
    auto keep = std::move(self_);
    if (fn_) fn_(ok, std::move(detail));
  }
  Fn fn_;
  std::shared_ptr<OnceListener> self_;
};

// Reports whether a SUBSCRIBE was granted: with MQTT 5 a SUBACK can arrive
// (the token succeeds) and still refuse the filter with a reason code of
// 0x80 or above.
class SubscribeListener : public mqtt::iaction_listener {
 public:
  using Fn = std::function<void(bool ok, std::string detail)>;
  static SubscribeListener* Make(Fn fn) {
    auto l = std::make_shared<SubscribeListener>(std::move(fn));
    l->self_ = l;
    return l.get();
  }
  explicit SubscribeListener(Fn fn) : fn_(std::move(fn)) {}

 private:
  void on_success(const mqtt::token& tok) override {
    std::string refused;
    try {
      const mqtt::subscribe_response response = tok.get_subscribe_response();
      for (mqtt::ReasonCode code : response.get_reason_codes()) {
        if (static_cast<int>(code) >= 0x80) refused = "reason " + std::to_string(static_cast<int>(code));
      }
    } catch (const std::exception&) {
      // No SUBACK details (MQTT 3.1.1): the token's success is the grant.
    }
    Finish(refused.empty(), refused);
  }
  void on_failure(const mqtt::token& tok) override { Finish(false, "code " + std::to_string(tok.get_return_code())); }
  void Finish(bool ok, std::string detail) {
    auto keep = std::move(self_);
    if (fn_) fn_(ok, std::move(detail));
  }
  Fn fn_;
  std::shared_ptr<SubscribeListener> self_;
};

// The port of tcp://host:port, ssl://host:port, wss://host:port/path or
// host:port (0 when absent).
uint16_t BrokerPort(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const size_t colon = url.rfind(':', path == std::string::npos ? std::string::npos : path);
  const size_t bracket = url.rfind(']', path == std::string::npos ? std::string::npos : path);
  if (colon == std::string::npos || colon + 1 >= url.size()) return 0;
  if (bracket != std::string::npos && colon < bracket) return 0;  // [IPv6] without a port
  int port = std::atoi(url.c_str() + colon + 1);
  return port > 0 && port < 65536 ? static_cast<uint16_t>(port) : 0;
}

}  // namespace

std::shared_ptr<MqttTunnel> MqttTunnel::Create(boost::asio::any_io_executor executor, MqttOptions options) {
  return std::shared_ptr<MqttTunnel>(new MqttTunnel(std::move(executor), std::move(options)));
}

MqttTunnel::MqttTunnel(boost::asio::any_io_executor executor, MqttOptions options)
    : executor_(executor),
      options_(std::move(options)),
      reconnect_timer_(executor),
      backoff_(options_.reconnect_min, options_.reconnect_max) {
  // No Paho persistence: the caller's LMDB store is the durable buffer, and
  // a publish while disconnected fails fast instead of queueing in memory.
  client_ = std::make_unique<mqtt::async_client>(options_.broker_url, options_.client_id,
                                                 mqtt::create_options(MQTTVERSION_5), nullptr);
}

MqttTunnel::~MqttTunnel() { Stop(); }

void MqttTunnel::Start() {
  if (options_.insecure && IsPlainText(options_.broker_url)) {
    spdlog::warn(
        "event=mqtt_plain_text broker={} detail=\"insecure: true; everything on this connection can be "
        "read and forged on the network\"",
        options_.broker_url);
  }
  std::weak_ptr<MqttTunnel> weak = weak_from_this();
  client_->set_connection_lost_handler([weak](const std::string& cause) {
    if (auto self = weak.lock()) {
      boost::asio::post(self->executor_, [weak, cause] {
        if (auto s = weak.lock()) s->OnLost(cause.empty() ? "connection lost" : cause);
      });
    }
  });
  client_->set_message_callback([weak](mqtt::const_message_ptr msg) {
    auto self = weak.lock();
    if (!self || self->stopped_) return;
    boost::asio::post(self->executor_, [weak, topic = msg->get_topic(), payload = msg->get_payload_str()]() mutable {
      auto s = weak.lock();
      if (s && !s->stopped_ && s->on_message_) s->on_message_(topic, std::move(payload));
    });
  });
  boost::asio::post(executor_, [weak] {
    if (auto self = weak.lock()) self->Connect();
  });
}

void MqttTunnel::Connect() {
  if (stopped_ || connecting_ || connected_) return;
  connecting_ = true;
  auto builder = mqtt::connect_options_builder()
                     .mqtt_version(MQTTVERSION_5)
                     .clean_start(false)
                     .keep_alive_interval(options_.keep_alive)
                     .connect_timeout(std::chrono::seconds(10))
                     .properties({mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                                                 static_cast<int>(options_.session_expiry.count()))});
  if (!options_.presence_topic.empty()) {
    builder.will(mqtt::message(options_.presence_topic, options_.will_payload, 1, true));
  }
  if (!options_.username.empty()) builder.user_name(options_.username);
  if (!options_.password.empty()) builder.password(options_.password);
  const bool tls = options_.broker_url.rfind("ssl://", 0) == 0 || options_.broker_url.rfind("mqtts://", 0) == 0 ||
                   options_.broker_url.rfind("wss://", 0) == 0;
  if (tls) {
    mqtt::ssl_options ssl;
    if (!options_.tls.ca_file.empty()) ssl.set_trust_store(options_.tls.ca_file);
    if (!options_.tls.cert_file.empty()) ssl.set_key_store(options_.tls.cert_file);
    if (!options_.tls.key_file.empty()) ssl.set_private_key(options_.tls.key_file);
    ssl.set_enable_server_cert_auth(options_.tls.verify_peer);
    ssl.set_verify(options_.tls.verify_peer);
    builder.ssl(ssl);
  }
  auto opts = builder.finalize();
  opts.set_max_inflight(options_.max_inflight);
  // Paho asks https_proxy for wss:// and http_proxy for ws://; both get
  // the one configured proxy.
  if (!options_.https_proxy.empty()) {
    opts.set_https_proxy(options_.https_proxy.ForPaho());
    opts.set_http_proxy(options_.https_proxy.ForPaho());
  }
  std::weak_ptr<MqttTunnel> weak = weak_from_this();
  auto* listener = OnceListener::Make([weak](bool ok, std::string detail) {
    auto self = weak.lock();
    if (!self) return;
    boost::asio::post(self->executor_, [weak, ok, detail] {
      auto s = weak.lock();
      if (!s) return;
      if (ok)
        s->OnConnected();
      else
        s->OnConnectFailed(detail);
    });
  });
  try {
    client_->connect(opts, nullptr, *listener);
  } catch (const mqtt::exception& e) {
    // The listener never fires when connect() throws; it stays allocated
    // once, which is acceptable for this rare path.
    OnConnectFailed(e.what());
  }
}

void MqttTunnel::OnConnected() {
  connecting_ = false;
  if (stopped_) return;
  backoff_.Reset();
  // Through a proxy, the socket's far end is the proxy.
  const uint16_t port =
      options_.https_proxy.empty() ? BrokerPort(options_.broker_url) : BrokerPort(options_.https_proxy.address);
  if (port != 0) DisableNagleOnSocketsToPort(port);
  for (const auto& filter : options_.subscriptions) Subscribe(filter);
  if (!options_.presence_topic.empty()) {
    try {
      // Numbered per connect, so a reconnect (e.g. after a broker restart)
      // is visible to subscribers as a new presence.
      client_->publish(mqtt::make_message(options_.presence_topic,
                                          options_.birth_payload + " #" + std::to_string(++connects_), 1, true));
    } catch (const mqtt::exception& e) {
      spdlog::warn("event=mqtt_presence_failed error=\"{}\"", e.what());
    }
  }
  connected_ = true;
  spdlog::info("event=mqtt_connected broker={} client_id={} proxy={}", options_.broker_url, options_.client_id,
               options_.https_proxy.ForLogs());
  if (on_state_) on_state_(true, "connected to " + options_.broker_url);
}

// A subscription that is not in place means messages silently never arrive
// (acks, or the agents' batches): one that fails is tried again every
// second for as long as the connection lasts.
void MqttTunnel::Subscribe(const std::string& filter) {
  if (stopped_ || !client_->is_connected()) return;
  std::weak_ptr<MqttTunnel> weak = weak_from_this();
  auto* listener = SubscribeListener::Make([weak, filter](bool ok, std::string detail) {
    if (ok) return;
    auto self = weak.lock();
    if (!self) return;
    boost::asio::post(self->executor_, [weak, filter, detail] {
      auto s = weak.lock();
      if (!s || s->stopped_) return;
      spdlog::error("event=mqtt_subscribe_failed filter={} detail=\"{}\" retry_in_ms=1000", filter, detail);
      auto timer = std::make_shared<boost::asio::steady_timer>(s->executor_, std::chrono::seconds(1));
      timer->async_wait([weak, filter, timer](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto again = weak.lock()) again->Subscribe(filter);
      });
    });
  });
  try {
    client_->subscribe(filter, 1, nullptr, *listener);
  } catch (const mqtt::exception& e) {
    spdlog::error("event=mqtt_subscribe_failed filter={} error=\"{}\"", filter, e.what());
  }
}

void MqttTunnel::OnConnectFailed(const std::string& reason) {
  connecting_ = false;
  if (stopped_) return;
  spdlog::warn("event=mqtt_connect_failed broker={} detail=\"{}\" retry_in_ms={}", options_.broker_url, reason,
               backoff_.ceiling().count());
  if (on_state_) on_state_(false, "cannot connect to " + options_.broker_url + ": " + reason);
  ScheduleReconnect();
}

void MqttTunnel::OnLost(const std::string& reason) {
  if (stopped_ || !connected_) return;
  connected_ = false;
  spdlog::warn("event=mqtt_connection_lost broker={} detail=\"{}\"", options_.broker_url, reason);
  if (on_state_) on_state_(false, reason);
  ScheduleReconnect();
}

void MqttTunnel::ScheduleReconnect() {
  reconnect_timer_.expires_after(backoff_.Next());
  std::weak_ptr<MqttTunnel> weak = weak_from_this();
  reconnect_timer_.async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->Connect();
  });
}

void MqttTunnel::Reconnect(const std::string& why) {
  if (stopped_ || !connected_) return;
  connected_ = false;
  spdlog::info("event=mqtt_reconnecting broker={} reason=\"{}\"", options_.broker_url, why);
  if (on_state_) on_state_(false, why);
  // A normal DISCONNECT: the session (and its QoS 1 messages) stays with
  // the broker, and no last will is published.
  std::weak_ptr<MqttTunnel> weak = weak_from_this();
  auto* listener = OnceListener::Make([weak](bool, std::string) {
    auto self = weak.lock();
    if (!self) return;
    boost::asio::post(self->executor_, [weak] {
      if (auto s = weak.lock()) s->Connect();
    });
  });
  try {
    client_->disconnect(0, nullptr, *listener);
  } catch (const mqtt::exception& e) {
    spdlog::debug("event=mqtt_disconnect_error detail=\"{}\"", e.what());
    ScheduleReconnect();
  }
}

void MqttTunnel::Stop() {
  if (stopped_.exchange(true)) return;
  reconnect_timer_.cancel();
  connected_ = false;
  try {
    if (client_->is_connected()) client_->disconnect(std::chrono::seconds(2))->wait_for(std::chrono::seconds(3));
  } catch (const mqtt::exception& e) {
    spdlog::debug("event=mqtt_disconnect_error detail=\"{}\"", e.what());
  }
  try {
    // Paho refuses (throws) while a connect or disconnect is still in
    // progress; the weak_ptr checks in every callback make that harmless.
    client_->disable_callbacks();
  } catch (const mqtt::exception& e) {
    spdlog::debug("event=mqtt_disable_callbacks_error detail=\"{}\"", e.what());
  }
}

void MqttTunnel::Publish(const std::string& topic, std::string payload, PublishDone done) {
  PublishMessage(topic, std::move(payload), false, std::move(done));
}

void MqttTunnel::PublishRetained(const std::string& topic, std::string payload, PublishDone done) {
  PublishMessage(topic, std::move(payload), true, std::move(done));
}

void MqttTunnel::PublishMessage(const std::string& topic, std::string payload, bool retained, PublishDone done) {
  if (!connected_) {
    if (done) done(Status::Unavailable("not connected to " + options_.broker_url));
    return;
  }
  auto msg = mqtt::make_message(topic, std::move(payload), 1, retained);
  try {
    if (!done) {
      client_->publish(msg);
      return;
    }
    std::weak_ptr<MqttTunnel> weak = weak_from_this();
    auto* listener = OnceListener::Make([weak, done](bool ok, std::string detail) {
      auto self = weak.lock();
      if (!self) return;
      boost::asio::post(self->executor_, [done, ok, detail] {
        done(ok ? Status::Ok() : Status::Unavailable("publish failed: " + detail));
      });
    });
    client_->publish(msg, nullptr, *listener);
  } catch (const mqtt::exception& e) {
    if (done) done(Status::Unavailable(std::string("publish failed: ") + e.what()));
  }
}

}  // namespace ferry::transport
