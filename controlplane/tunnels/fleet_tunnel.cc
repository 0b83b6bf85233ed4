#include "controlplane/tunnels/fleet_tunnel.h"

#include "common/transport/topics.h"

namespace ferry::controlplane {

void FleetTunnel::SetMessageHandler(MessageHandler handler) {
  if (broker_) broker_->SetMessageHandler(handler);
  if (listener_) listener_->SetMessageHandler(handler);
}

void FleetTunnel::SetStateHandler(StateHandler handler) {
  // The broker connection is the state worth reporting; a listener only
  // listens.
  if (broker_) broker_->SetStateHandler(std::move(handler));
}

void FleetTunnel::Start() {
  if (listener_) listener_->Start();
  if (broker_) broker_->Start();
}

void FleetTunnel::Stop() {
  if (broker_) broker_->Stop();
  if (listener_) listener_->Stop();
}

void FleetTunnel::Publish(const std::string& topic, std::string payload, PublishDone done) {
  if (listener_ && broker_) {
    // An agent connected over the listener gets it there, any other
    // through the broker (where its session keeps it while it is away).
    return listener_->PublishOrElse(topic, std::move(payload), std::move(done),
                                    [broker = broker_, topic](std::string payload, PublishDone done) {
                                      broker->Publish(topic, std::move(payload), std::move(done));
                                    });
  }
  if (listener_) return listener_->Publish(topic, std::move(payload), std::move(done));
  broker_->Publish(topic, std::move(payload), std::move(done));
}

void FleetTunnel::PublishRetained(const std::string& topic, std::string payload, PublishDone done) {
  if (listener_ && broker_) {
    listener_->PublishRetained(topic, payload, nullptr);
    return broker_->PublishRetained(topic, std::move(payload), std::move(done));
  }
  if (listener_) return listener_->PublishRetained(topic, std::move(payload), std::move(done));
  broker_->PublishRetained(topic, std::move(payload), std::move(done));
}

bool FleetTunnel::connected() const { return broker_ ? broker_->connected() : listener_->connected(); }

void FleetTunnel::Reconnect(const std::string& why) {
  if (broker_) broker_->Reconnect(why);
}

}  // namespace ferry::controlplane
