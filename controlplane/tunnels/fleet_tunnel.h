#pragma once
// FleetTunnel: the control plane's one Tunnel over every way its agents
// reach it, the broker (MQTT) and its own WebSocket listener, either of
// them optional. Ingest, delivery reports, flow distribution and renewal
// see one tunnel:
//  - messages from both arrive at the one handler (the dispatcher);
//  - a publish to an agent goes over the listener when that agent is
//    connected there, through the broker otherwise;
//  - a retained publish (an agent's deployment) goes to both, since the
//    agent may come back over either.
// Publish is called on the control plane's event loop, where the listener
// keeps its connections (everything that publishes runs there).

#include <memory>

#include "common/transport/tunnel.h"
#include "common/transport/websocket/ws_listener_tunnel.h"

namespace ferry::controlplane {

class FleetTunnel : public transport::Tunnel {
 public:
  FleetTunnel(std::shared_ptr<transport::Tunnel> broker, std::shared_ptr<transport::WebSocketListenerTunnel> listener)
      : broker_(std::move(broker)), listener_(std::move(listener)) {}

  void SetMessageHandler(MessageHandler handler) override;
  void SetStateHandler(StateHandler handler) override;
  void Start() override;
  void Stop() override;
  void Publish(const std::string& topic, std::string payload, PublishDone done) override;
  void PublishRetained(const std::string& topic, std::string payload, PublishDone done) override;
  bool connected() const override;
  void Reconnect(const std::string& why) override;

 private:
  std::shared_ptr<transport::Tunnel> broker_;                     // null: no broker
  std::shared_ptr<transport::WebSocketListenerTunnel> listener_;  // null: no listener
};

}  // namespace ferry::controlplane
