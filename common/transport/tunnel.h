#pragma once
// Tunnel: the message channel between an agent and the control plane.
//
// It hides MQTT vs WebSocket from the uplink, the ingest and the delivery
// reports: they publish to and receive from topics of the tree in
// common/transport/topics.h. A tunnel connects in the background, reconnects
// with exponential back-off and jitter, re-subscribes after every connect, and
// delivers every callback on the executor it was given (never on a library
// thread), so users need no locks.

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace ferry::transport {

class Tunnel {
 public:
  using MessageHandler = std::function<void(const std::string& topic, std::string payload)>;
  // connected = false also carries the reason the connection was lost.
  using StateHandler = std::function<void(bool connected, const std::string& detail)>;
  using PublishDone = std::function<void(const Status&)>;

  virtual ~Tunnel() = default;
  // Set both handlers before Start().
  virtual void SetMessageHandler(MessageHandler handler) = 0;
  virtual void SetStateHandler(StateHandler handler) = 0;
  virtual void Start() = 0;
  // Disconnects cleanly (in-flight QoS 1 messages stay in the broker
  // session); no callback runs after Stop() returns.
  virtual void Stop() = 0;
  // At-least-once publish. `done` (optional) reports the transport-level
  // outcome: OK once the broker has taken the message, Unavailable when not
  // connected. Application acks are separate messages.
  virtual void Publish(const std::string& topic, std::string payload, PublishDone done) = 0;
  // The same, kept by the broker as the topic's last value for subscribers
  // that connect later (the agent's flow deployment).
  virtual void PublishRetained(const std::string& topic, std::string payload, PublishDone done) = 0;
  virtual bool connected() const = 0;
  // Drops the connection and connects again at once, reading the
  // credentials afresh (a renewed client certificate). Not connected: the
  // next connect reads them anyway, nothing to do.
  virtual void Reconnect(const std::string& why) = 0;
  // Back-pressure: true while the tunnel's own send queue holds as much as
  // it should; a sender then waits for the drain handler (called on the
  // executor once the queue has gone down) before publishing more. A
  // tunnel whose library bounds its own window never reports full.
  virtual bool SendQueueFull() const { return false; }
  // Whether messages taken by Publish still wait in the tunnel's own queue,
  // not yet handed to the socket: their acknowledgements cannot be due.
  virtual bool SendPending() const { return false; }
  virtual void SetDrainHandler(std::function<void()> handler) { (void)handler; }
};

}  // namespace ferry::transport
