#pragma once
// Dispatcher: the one place per binary that says which part handles which
// incoming tunnel message. Every tunnel plug-in hands its messages here
// (Tunnel::SetMessageHandler(dispatcher.Handler())), so the uplink, the
// ingest and the rest never look at topics themselves.
//
// Messages on the agent tree (ferry/v1/agents/{id}/{channel}) are routed by
// channel to a handler that gets the agent id; other topics (the control
// plane's presence) by their whole name. A message whose agent id is not in
// the safe alphabet, or, on an agent, is not its own, is dropped; so is one
// the gate refuses, and one nobody routed (counted; logged the first time
// and then at powers of two).

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/transport/tunnel.h"

namespace ferry::transport {

class Dispatcher {
 public:
  using AgentHandler = std::function<void(const std::string& agent_id, std::string payload)>;
  using TopicHandler = std::function<void(std::string payload)>;
  // Runs before the handler of every message on the agent tree; false drops
  // the message (the control plane's fleet gate).
  using Gate = std::function<bool(const std::string& agent_id, const std::string& channel, const std::string& payload)>;

  // `only_agent` (an agent's own id): messages for any other agent are
  // dropped. Empty: every valid agent id (the control plane).
  explicit Dispatcher(std::string only_agent = "") : only_agent_(std::move(only_agent)) {}

  // One handler per channel ("up/events", "down/acks") and per topic; a
  // second registration replaces the first.
  void Route(const std::string& channel, AgentHandler handler) { channels_[channel] = std::move(handler); }
  void RouteTopic(const std::string& topic, TopicHandler handler) { topics_[topic] = std::move(handler); }
  void SetGate(Gate gate) { gate_ = std::move(gate); }

  void Dispatch(const std::string& topic, std::string payload);
  // For Tunnel::SetMessageHandler; the dispatcher must outlive the tunnel's
  // callbacks (Tunnel::Stop ends them).
  Tunnel::MessageHandler Handler() {
    return [this](const std::string& topic, std::string payload) { Dispatch(topic, std::move(payload)); };
  }

  // Messages dropped because nothing handles them or their topic is not
  // acceptable here (not counting what the gate refused).
  uint64_t dropped() const { return dropped_; }

 private:
  void Drop(const std::string& topic, const char* why);

  std::string only_agent_;
  std::map<std::string, AgentHandler, std::less<>> channels_;
  std::map<std::string, TopicHandler, std::less<>> topics_;
  Gate gate_;
  uint64_t dropped_ = 0;
};

}  // namespace ferry::transport
