#pragma once
// FakeTunnel: a Tunnel for unit tests of what sits on one (uplink, ingest,
// delivery, flow distribution). It records what is published, answers each
// publish with `publish_result`, and lets the test play the other side:
// Receive() hands a message to the handler as a broker would, Connect()
// and Disconnect() drive the state handler, `queue_full` and Drain() its
// send queue's back-pressure.

#include <functional>
#include <string>
#include <vector>

#include "common/transport/tunnel.h"

namespace ferry::testing {

class FakeTunnel : public transport::Tunnel {
 public:
  struct Sent {
    std::string topic, payload;
    bool retained = false;
  };
  void SetMessageHandler(MessageHandler handler) override { on_message_ = std::move(handler); }
  void SetStateHandler(StateHandler handler) override { on_state_ = std::move(handler); }
  void Start() override {}
  void Stop() override {}
  void Publish(const std::string& topic, std::string payload, PublishDone done) override {
    sent.push_back({topic, std::move(payload), false});
    if (done) done(publish_result);
  }
  void PublishRetained(const std::string& topic, std::string payload, PublishDone done) override {
    sent.push_back({topic, std::move(payload), true});
    if (done) done(publish_result);
  }
  bool connected() const override { return connected_; }
  bool SendQueueFull() const override { return queue_full; }
  bool SendPending() const override { return send_pending; }
  void SetDrainHandler(std::function<void()> handler) override { on_drain_ = std::move(handler); }
  // The send queue went down: the sender is told, as a real tunnel does.
  void Drain() {
    queue_full = false;
    if (on_drain_) on_drain_();
  }
  void Reconnect(const std::string& why) override {
    ++reconnects;
    Disconnect(why);
    Connect();
  }

  void Receive(const std::string& topic, std::string payload) {
    if (on_message_) on_message_(topic, std::move(payload));
  }
  void Connect() {
    connected_ = true;
    if (on_state_) on_state_(true, "connected");
  }
  void Disconnect(const std::string& why) {
    connected_ = false;
    if (on_state_) on_state_(false, why);
  }
  // The messages published on `topic`, in order.
  std::vector<std::string> PayloadsOn(const std::string& topic) const {
    std::vector<std::string> out;
    for (const auto& s : sent) {
      if (s.topic == topic) out.push_back(s.payload);
    }
    return out;
  }

  std::vector<Sent> sent;
  Status publish_result;
  bool queue_full = false;    // what SendQueueFull() answers
  bool send_pending = false;  // what SendPending() answers
  int reconnects = 0;

 private:
  MessageHandler on_message_;
  StateHandler on_state_;
  std::function<void()> on_drain_;
  bool connected_ = true;
};

}  // namespace ferry::testing
