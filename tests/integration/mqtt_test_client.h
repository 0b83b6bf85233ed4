#pragma once
// A plain Paho client for tests that act as someone on the broker: an agent
// with its own certificate, the control plane's identity, a stranger with a
// certificate from another CA, or no certificate at all.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace mqtt {
class async_client;
}

namespace ferry::testing {

struct MqttIdentity {
  std::filesystem::path ca_file;        // trusts the broker; empty: plain TCP
  std::filesystem::path identity_file;  // key and certificate PEM; empty: none
};

class MqttTestClient {
 public:
  MqttTestClient(const std::string& url, const std::string& client_id, MqttIdentity identity = {});
  ~MqttTestClient();

  // Empty when connected; the reason otherwise.
  std::string Connect();
  // Waits for the PUBACK (MQTT 5: its reason code is what the broker said).
  // Empty when the broker took it; the reason otherwise.
  std::string Publish(const std::string& topic, const std::string& payload, bool retained = false);
  // Empty when the broker granted the subscription; the reason otherwise.
  std::string Subscribe(const std::string& filter);
  // The next message received within `timeout`, as topic and payload.
  std::optional<std::pair<std::string, std::string>> Receive(std::chrono::milliseconds timeout);
  void Disconnect();

 private:
  std::unique_ptr<mqtt::async_client> client_;
  MqttIdentity identity_;
  bool tls_ = false;
};

}  // namespace ferry::testing
