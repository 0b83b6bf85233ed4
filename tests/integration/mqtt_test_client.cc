#include "tests/integration/mqtt_test_client.h"

#include <mqtt/async_client.h>

namespace ferry::testing {

MqttTestClient::MqttTestClient(const std::string& url, const std::string& client_id, MqttIdentity identity)
    : client_(std::make_unique<mqtt::async_client>(url, client_id, mqtt::create_options(MQTTVERSION_5))),
      identity_(std::move(identity)),
      tls_(url.rfind("ssl://", 0) == 0) {
  client_->start_consuming();
}

MqttTestClient::~MqttTestClient() { Disconnect(); }

std::string MqttTestClient::Connect() {
  auto options = mqtt::connect_options_builder().mqtt_version(MQTTVERSION_5).clean_start(true);
  if (tls_) {
    auto ssl = mqtt::ssl_options_builder();
    if (!identity_.ca_file.empty()) ssl.trust_store(identity_.ca_file.string());
    if (!identity_.identity_file.empty()) {
      ssl.key_store(identity_.identity_file.string()).private_key(identity_.identity_file.string());
    }
    options.ssl(ssl.finalize());
  }
  try {
    client_->connect(options.finalize())->wait_for(std::chrono::seconds(10));
    return client_->is_connected() ? "" : "not connected";
  } catch (const mqtt::exception& e) {
    return e.what();
  }
}

std::string MqttTestClient::Publish(const std::string& topic, const std::string& payload, bool retained) {
  try {
    auto token = client_->publish(mqtt::make_message(topic, payload, 1, retained));
    if (!token->wait_for(std::chrono::seconds(10))) return "no PUBACK";
    const auto code = token->get_reason_code();
    return code < mqtt::ReasonCode::UNSPECIFIED_ERROR ? "" : "reason code " + std::to_string(code);
  } catch (const mqtt::exception& e) {
    return e.what();
  }
}

std::string MqttTestClient::Subscribe(const std::string& filter) {
  try {
    auto token = client_->subscribe(filter, 1);
    if (!token->wait_for(std::chrono::seconds(10))) return "no SUBACK";
    const auto codes = token->get_subscribe_response().get_reason_codes();
    if (codes.empty()) return "no reason code";
    return codes[0] < mqtt::ReasonCode::UNSPECIFIED_ERROR ? "" : "reason code " + std::to_string(codes[0]);
  } catch (const mqtt::exception& e) {
    return e.what();
  }
}

std::optional<std::pair<std::string, std::string>> MqttTestClient::Receive(std::chrono::milliseconds timeout) {
  mqtt::const_message_ptr msg;
  if (!client_->try_consume_message_for(&msg, timeout) || !msg) return std::nullopt;
  return std::make_pair(msg->get_topic(), msg->to_string());
}

void MqttTestClient::Disconnect() {
  try {
    if (client_ && client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception&) {
  }
}

}  // namespace ferry::testing
