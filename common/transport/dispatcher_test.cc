#include "common/transport/dispatcher.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/transport/topics.h"

namespace ferry::transport {
namespace {

struct Seen {
  std::string what, agent, payload;
  bool operator==(const Seen&) const = default;
};

TEST(DispatcherTest, RoutesByChannelWithTheAgentIdAndByWholeTopic) {
  Dispatcher d;
  std::vector<Seen> seen;
  d.Route("up/events", [&](const std::string& agent, std::string p) { seen.push_back({"events", agent, p}); });
  d.RouteTopic(std::string(topics::kControlPlanePresence), [&](std::string p) { seen.push_back({"presence", "", p}); });
  d.Dispatch(topics::UpEvents("plant-01"), "a");
  d.Dispatch(std::string(topics::kControlPlanePresence), "online cp-1 1");
  d.Dispatch(topics::UpHeartbeat("plant-01"), "unrouted");
  EXPECT_EQ(seen, (std::vector<Seen>{{"events", "plant-01", "a"}, {"presence", "", "online cp-1 1"}}));
  EXPECT_EQ(d.dropped(), 1u);
}

TEST(DispatcherTest, DropsTopicsOutsideTheTreeAndAgentIdsOutsideTheSafeAlphabet) {
  Dispatcher d;
  int calls = 0;
  d.Route("up/events", [&](const std::string&, std::string) { ++calls; });
  d.Dispatch("ferry/v1/agents/plant 01/up/events", "x");
  d.Dispatch("ferry/v1/agents/" + std::string(65, 'a') + "/up/events", "x");
  d.Dispatch("ferry/v1/agents//up/events", "x");
  d.Dispatch("elsewhere/plant-01/up/events", "x");
  d.Dispatch("ferry/v1/agents/plant-01", "x");
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(d.dropped(), 5u);
}

TEST(DispatcherTest, AnAgentTakesOnlyItsOwnTopics) {
  Dispatcher d("plant-01");
  std::vector<std::string> agents;
  d.Route("down/acks", [&](const std::string& agent, std::string) { agents.push_back(agent); });
  d.Dispatch(topics::DownAcks("plant-02"), "forged");
  d.Dispatch(topics::DownAcks("plant-01"), "mine");
  EXPECT_EQ(agents, (std::vector<std::string>{"plant-01"}));
  EXPECT_EQ(d.dropped(), 1u);
}

TEST(DispatcherTest, TheGateSeesEveryAgentMessageFirstAndCanDropIt) {
  Dispatcher d;
  std::vector<std::string> gated, handled;
  d.SetGate([&](const std::string& agent, const std::string& channel, const std::string&) {
    gated.push_back(agent + " " + channel);
    return agent != "stranger";
  });
  d.Route("up/heartbeat", [&](const std::string& agent, std::string) { handled.push_back(agent); });
  d.Dispatch(topics::UpHeartbeat("plant-01"), "");
  d.Dispatch(topics::UpHeartbeat("stranger"), "");
  EXPECT_EQ(gated, (std::vector<std::string>{"plant-01 up/heartbeat", "stranger up/heartbeat"}));
  EXPECT_EQ(handled, (std::vector<std::string>{"plant-01"}));
  EXPECT_EQ(d.dropped(), 0u) << "a refusal by the gate is the gate's to count";
}

}  // namespace
}  // namespace ferry::transport
