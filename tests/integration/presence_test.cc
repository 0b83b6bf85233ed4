// Batches an agent publishes while no control plane is subscribed are dropped
// by the broker (shared subscriptions keep nothing for absent members). The
// control plane's retained presence message makes agents resend at once when
// it comes online, instead of waiting for their ack timeout.

#include <gtest/gtest.h>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

TEST(PresenceTest, ControlPlaneComingOnlineTriggersResendBeforeAckTimeout) {
  PipelineOptions options;
  options.agent_ack_timeout = "10m";  // far longer than this test may take
  Pipeline p(options);
  p.broker().Start();
  p.StartAgent();
  const std::string base = ReadFixture("debmas05_customer.xml");
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(p.PostIdoc(ReplaceElement(base, "DOCNUM", Docnum(5100000 + i))).status, 200);
  }
  // Published into a broker with no subscriber: nothing can arrive yet.
  ASSERT_TRUE(WaitUntil(
      [&] { return ReadFile(p.dir().path() / "agent.log").find("event=mqtt_connected") != std::string::npos; },
      seconds(10)));
  EXPECT_EQ(p.AgentOutboxDepth(), 20u);

  p.StartControlPlane();
  EXPECT_TRUE(p.sink().WaitForAccepted(20, seconds(20))) << "delivered " << p.sink().AcceptedCount();
  EXPECT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0; }, seconds(10)));
  EXPECT_NE(ReadFile(p.dir().path() / "agent.log").find("control plane online"), std::string::npos);

  // A broker restart is a new connect of the control plane, seen the same way.
  p.sink().Clear();
  p.broker().Restart();
  for (int i = 0; i < 5; ++i) {
    auto res = p.PostIdoc(ReplaceElement(base, "DOCNUM", Docnum(5200000 + i)));
    ASSERT_EQ(res.status, 200) << res.body;
  }
  EXPECT_TRUE(p.sink().WaitForAccepted(5, seconds(20))) << "delivered " << p.sink().AcceptedCount();
}

}  // namespace
}  // namespace ferry::testing
