// The control plane's down queue on a real store with a fake tunnel:
// routing by label, one command in flight per CRM record, acknowledgements
// that only the agent sent to can give, and resending after a reconnect.

#include "controlplane/down/down_commands.h"

#include <gtest/gtest.h>

#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "controlplane/down/down_test_fixture.h"

namespace ferry::controlplane {
namespace {

class DownCommandsTest : public testing::DownStoreTest {
 protected:
  void SetUp() override {
    ConfiguredChannel channel;
    channel.options = {"orders", "webhook", "salesforce", {{"sap", "S4P"}}};
    agents_ = {{"plant-02", {{"sap", "ECC"}}, NowUnixMs()}, {"plant-01", {{"sap", "S4P"}}, NowUnixMs()}};
    Open(std::move(channel));
  }

  void Accept(const std::string& record_id, const std::string& delivery) {
    bool done = false;
    commands_->Accept(inbound_.channels[0].options, {{{"Opportunity", record_id, "{}", ""}}, delivery},
                      [&](Result<std::vector<std::string>> ids) {
                        EXPECT_TRUE(ids.ok());
                        done = true;
                      });
    for (int i = 0; i < 500 && !done; ++i) Run();
    ASSERT_TRUE(done);
  }
  // The commands sent to `agent` so far, as record ids, in order.
  std::vector<ferry::v1::DownCommand> SentTo(const std::string& agent) {
    std::vector<ferry::v1::DownCommand> out;
    for (const std::string& payload : tunnel_.PayloadsOn(transport::topics::DownRequests(agent))) {
      ferry::v1::DownCommandBatch batch;
      EXPECT_TRUE(batch.ParseFromString(payload));
      for (const auto& c : batch.commands()) out.push_back(c);
    }
    return out;
  }
  void Pass() {
    commands_->Poke();
    io_.restart();
    io_.poll();
  }
  void Ack(const std::string& agent, const std::string& command_id) {
    ferry::v1::DownCommandAck ack;
    ack.add_command_ids(command_id);
    ack.set_accepted(true);
    commands_->OnAck(agent, ack.SerializeAsString());
    const uint64_t before = down_queue_->Stats().depth;
    for (int i = 0; i < 50 && down_queue_->Stats().depth == before; ++i) Run();
  }
};

TEST_F(DownCommandsTest, OneCommandPerRecordIsInFlightAndOnlyItsAgentCanAcknowledgeIt) {
  Accept("006A", "n-1");
  Accept("006A", "n-2");  // the same opportunity again: must not overtake the first
  Accept("006B", "n-3");
  Pass();
  std::vector<ferry::v1::DownCommand> sent = SentTo("plant-01");
  ASSERT_EQ(sent.size(), 2u) << "006A's second command waits for the first's acknowledgement";
  EXPECT_EQ(sent[0].record_id(), "006A");
  EXPECT_EQ(sent[1].record_id(), "006B");
  EXPECT_TRUE(SentTo("plant-02").empty()) << "plant-02 does not serve the channel's SAP system";

  Ack("plant-02", sent[0].command_id());  // not the agent it went to
  EXPECT_EQ(down_queue_->Stats().depth, 3u);
  Ack("plant-01", sent[0].command_id());
  ASSERT_EQ(down_queue_->Stats().depth, 2u);
  Pass();
  sent = SentTo("plant-01");
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[2].record_id(), "006A");
  EXPECT_NE(sent[2].command_id(), sent[0].command_id());
}

TEST_F(DownCommandsTest, AfterAReconnectOrTheAgentsHeartbeatWhatItHasNotAcknowledgedIsSentAgain) {
  Accept("006A", "n-1");
  Pass();
  ASSERT_EQ(SentTo("plant-01").size(), 1u);
  Pass();
  EXPECT_EQ(SentTo("plant-01").size(), 1u) << "not sent again within resend_after";
  commands_->OnReconnect();
  for (int i = 0; i < 3; ++i) Run();
  EXPECT_EQ(SentTo("plant-01").size(), 2u);

  // The agent comes back (its heartbeat): what it did not acknowledge may
  // have gone while it was away.
  commands_->OnAgentHeard("plant-02");
  for (int i = 0; i < 3; ++i) Run();
  EXPECT_EQ(SentTo("plant-01").size(), 2u) << "another agent's heartbeat changes nothing";
  commands_->OnAgentHeard("plant-01");
  for (int i = 0; i < 3; ++i) Run();
  EXPECT_EQ(SentTo("plant-01").size(), 3u);

  agents_[1].last_seen_unix_ms = NowUnixMs() - 3'600'000;  // silent for an hour
  Accept("006C", "n-2");
  commands_->OnReconnect();
  for (int i = 0; i < 3; ++i) Run();
  EXPECT_EQ(SentTo("plant-01").size(), 3u) << "an offline agent is not sent anything";
  EXPECT_EQ(commands_->Stats().unrouted, 2u);
}

}  // namespace
}  // namespace ferry::controlplane
