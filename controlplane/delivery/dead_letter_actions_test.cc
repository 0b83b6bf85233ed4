// Finding, replaying and discarding dead letters on a real store.

#include "controlplane/delivery/dead_letter_actions.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "common/transport/topics.h"
#include "common/wire/down_command.h"
#include "controlplane/delivery/agent_replays.h"
#include "controlplane/delivery/dead_letter_query.h"
#include "ferry/v1/event.pb.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

class DeadLetterActionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto databases = store::DurableQueue::DatabasesFor("delivery");
    for (auto& db : store::DurableQueue::DatabasesFor("dlq")) databases.push_back(db);
    store_ = testing::OpenTestStore(dir_.path(), databases);
    delivery_ = std::move(store::DurableQueue::Open(*store_, {"delivery", 0}).value());
    dlq_ = std::move(store::DurableQueue::Open(*store_, {"dlq", 0}).value());
    actions_ = std::make_unique<DeadLetterActions>(*store_, *delivery_, *dlq_);
  }

  // Dead-letters an event of `agent` with IDoc number `docnum`.
  uint64_t Dead(const std::string& agent, const std::string& docnum, const std::string& reason,
                bool mapping_error = false, int64_t unix_ms = 1000) {
    ferry::v1::DeadLetter dead;
    dead.mutable_event()->set_event_id("ev-" + docnum);
    dead.mutable_event()->set_agent_id(agent);
    dead.mutable_event()->mutable_idoc()->set_docnum(docnum);
    dead.mutable_event()->mutable_idoc()->set_mestyp("DEBMAS");
    if (mapping_error) dead.mutable_event()->set_mapping_error("no flow matched");
    dead.set_connector("salesforce");
    dead.set_reason(reason);
    dead.set_unix_ms(unix_ms);
    auto out = dlq_->AppendSync({{dead.SerializeAsString(), ""}});
    EXPECT_TRUE(out.status.ok());
    return out.seqs.front();
  }

  std::vector<uint64_t> Find(const DeadLetterFilter& filter, uint64_t before = UINT64_MAX, size_t limit = 100,
                             size_t budget = 50'000, uint64_t* next = nullptr) {
    auto page = FindDeadLetters(*dlq_, filter, before, limit, budget);
    EXPECT_TRUE(page.ok());
    std::vector<uint64_t> seqs;
    for (const auto& d : page->dead_letters) seqs.push_back(d.seq);
    if (next) *next = page->next_before;
    return seqs;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> delivery_;
  std::unique_ptr<store::DurableQueue> dlq_;
  std::unique_ptr<DeadLetterActions> actions_;
};

TEST_F(DeadLetterActionsTest, FiltersPagesAndAScanBudgetFindNewestFirst) {
  const uint64_t a = Dead("hh", "1", "REQUIRED_FIELD_MISSING: Name", false, 1000);
  const uint64_t b = Dead("muc", "2", "Duplicate value", false, 2000);
  const uint64_t c = Dead("hh", "3", "required_field_missing: City", false, 3000);
  auto with = [](auto set) {
    DeadLetterFilter f;
    set(f);
    return f;
  };
  EXPECT_EQ(Find({}), (std::vector<uint64_t>{c, b, a}));
  EXPECT_EQ(Find(with([](auto& f) { f.agent_id = "hh"; })), (std::vector<uint64_t>{c, a}));
  EXPECT_EQ(Find(with([](auto& f) { f.reason = "Required_Field"; })), (std::vector<uint64_t>{c, a}));
  EXPECT_EQ(Find(with([](auto& f) { f.docnum = "2"; })), (std::vector<uint64_t>{b}));
  EXPECT_EQ(Find(with([](auto& f) {
              f.since_unix_ms = 2000;
              f.until_unix_ms = 3000;
            })),
            (std::vector<uint64_t>{b}));
  EXPECT_TRUE(Find(with([](auto& f) { f.connector = "dataverse"; })).empty());
  uint64_t next = 0;
  EXPECT_EQ(Find({}, UINT64_MAX, 2, 50'000, &next), (std::vector<uint64_t>{c, b}));
  EXPECT_EQ(Find({}, next, 2, 50'000, &next), (std::vector<uint64_t>{a}));
  EXPECT_EQ(next, 0u);
  // A budget of one record: the page ends early and says where to go on.
  EXPECT_EQ(Find(with([](auto& f) { f.agent_id = "muc"; }), UINT64_MAX, 10, 1, &next), (std::vector<uint64_t>{}));
  EXPECT_EQ(next, c);
}

TEST_F(DeadLetterActionsTest, ReplayMovesEventsToDeliveryInOneTransactionAndSkipsWhatItCannotSend) {
  const uint64_t refused = Dead("hh", "1", "400");
  const uint64_t unmapped = Dead("hh", "2", "no flow matched", /*mapping_error=*/true);
  const DeadLetterOutcome out = actions_->Replay({refused, unmapped, 999});
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.done, (std::vector<uint64_t>{refused}));
  ASSERT_EQ(out.skipped.size(), 2u);
  EXPECT_NE(out.skipped[0].second.find("on agent hh, `ferry-agent queue retry 2`"), std::string::npos);
  EXPECT_NE(out.skipped[1].second.find("not a dead letter"), std::string::npos);

  auto queued = delivery_->ReadAfter(0, 10, SIZE_MAX);
  ASSERT_EQ(queued->size(), 1u);
  ferry::v1::Event event;
  ASSERT_TRUE(event.ParseFromString(queued->front().data));
  EXPECT_EQ(event.event_id(), "ev-1");
  EXPECT_EQ(dlq_->Stats().depth, 1u);
  EXPECT_EQ(delivery_->Stats().depth, 1u);
  // Twice: nothing more is queued.
  EXPECT_TRUE(actions_->Replay({refused}).done.empty());
  EXPECT_EQ(delivery_->Stats().depth, 1u);
}

// A dead letter the agent could not map goes down to that agent, and
// leaves the queue only when that agent says it mapped it again: not on a
// refusal, not on another agent's word, not for another event's id.
TEST_F(DeadLetterActionsTest, AnUnmappableDeadLetterGoesToItsAgentAndLeavesOnlyOnItsAgentsWord) {
  boost::asio::io_context io;
  testing::FakeTunnel tunnel;
  AgentReplays replays(io.get_executor(), tunnel, *store_, *dlq_, nullptr);
  actions_->SetAgentRemap(
      [&](std::vector<AgentRemap> remaps, const std::string& note) { replays.Send(std::move(remaps), note); });
  const uint64_t unmapped = Dead("hh", "2", "no flow matched", /*mapping_error=*/true);
  const uint64_t refused = Dead("hh", "3", "400");
  const DeadLetterOutcome out = actions_->Replay({unmapped}, "by otto");
  ASSERT_TRUE(out.status.ok());
  EXPECT_TRUE(out.done.empty());
  ASSERT_EQ(out.to_agents.size(), 1u);
  EXPECT_EQ(out.to_agents[0].agent_id, "hh");
  io.run();
  ASSERT_EQ(tunnel.sent.size(), 1u);
  EXPECT_EQ(tunnel.sent[0].topic, transport::topics::DownCommands("hh"));
  ferry::v1::AgentCommand command;
  ASSERT_TRUE(command.ParseFromString(tunnel.sent[0].payload));
  ASSERT_EQ(command.retries_size(), 1);
  EXPECT_EQ(command.retries(0).event_id(), "ev-2");
  EXPECT_EQ(command.retries(0).dead_letter(), unmapped);
  EXPECT_EQ(command.requested_by(), "by otto");

  auto answer = [&](const std::string& agent, const std::string& event_id, uint64_t seq, const std::string& as) {
    ferry::v1::AgentCommandResult result;
    result.set_command_id(command.command_id());
    auto* o = result.add_outcomes();
    o->set_event_id(event_id);
    o->set_dead_letter(seq);
    if (as.empty()) o->set_refused("value map country has no AT");
    o->set_retried_as(as);
    replays.OnResult(agent, result.SerializeAsString());
    // The writer commits in order: once this one is done, so is the answer's.
    ASSERT_TRUE(store_->WriteSync([](store::WriteTxn&) { return Status::Ok(); }).ok());
  };
  auto left = [&] { return dlq_->ReadAfter(0, 10, SIZE_MAX)->size(); };
  answer("muc", "ev-2", unmapped, "ev-new");  // another agent's word
  answer("hh", "ev-9", unmapped, "ev-new");   // another event's id
  answer("hh", "ev-3", refused, "ev-new");    // a CRM's refusal, not the agent's to clear
  answer("hh", "ev-2", unmapped, "");         // refused at the agent
  EXPECT_EQ(left(), 2u);
  answer("hh", "ev-2", unmapped, "ev-new");
  EXPECT_EQ(left(), 1u);
  EXPECT_EQ(dlq_->ReadAfter(0, 10, SIZE_MAX)->front().seq, refused);
  replays.OnResult("hh", std::string(AgentReplays::kMaxResultBytes + 1, 'x'));  // ignored, no crash
}

TEST_F(DeadLetterActionsTest, DiscardRemovesForGood) {
  const uint64_t a = Dead("hh", "1", "400");
  const DeadLetterOutcome out = actions_->Discard({a, 42});
  ASSERT_TRUE(out.status.ok());
  EXPECT_EQ(out.done, (std::vector<uint64_t>{a}));
  EXPECT_EQ(out.skipped.size(), 1u);
  EXPECT_EQ(dlq_->Stats().depth, 0u);
  EXPECT_EQ(delivery_->Stats().depth, 0u);
}

}  // namespace
}  // namespace ferry::controlplane

namespace ferry::controlplane {
namespace {

// A command SAP refused goes down again as a new command, but only for an
// agent the check says serves its channel: the payload came from the agent.
class DownReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto databases = store::DurableQueue::DatabasesFor("delivery");
    for (auto& db : store::DurableQueue::DatabasesFor("dlq")) databases.push_back(db);
    for (auto& db : store::DurableQueue::DatabasesFor("down")) databases.push_back(db);
    store_ = testing::OpenTestStore(dir_.path(), databases);
    delivery_ = std::move(store::DurableQueue::Open(*store_, {"delivery", 0}).value());
    dlq_ = std::move(store::DurableQueue::Open(*store_, {"dlq", 0}).value());
    down_ = std::move(store::DurableQueue::Open(*store_, {"down", 0}).value());
    actions_ = std::make_unique<DeadLetterActions>(*store_, *delivery_, *dlq_);
    actions_->SetDownQueue(down_.get(), [](const ferry::v1::DownCommand& command, const std::string& agent) {
      return command.channel() == "orders" && agent == "plant-01" ? "" : "agent " + agent + " does not serve it";
    });
  }
  uint64_t DeadCommand(const std::string& agent, const std::string& channel) {
    ferry::v1::DownCommand command;
    command.set_command_id("01a24bd5-7bc7-7ceb-8c7e-fec1b0871e3d");
    command.set_channel(channel);
    command.set_record_id("006A");
    ferry::v1::DeadLetter dead;
    dead.mutable_event()->set_event_id("ev-" + agent + channel);
    dead.mutable_event()->set_agent_id(agent);
    dead.mutable_event()->set_mapping_error("SAP refused A_SalesOrder 006A: Sold-to party 9 does not exist");
    dead.mutable_event()->set_content_type(wire::kDownCommandContentType);
    dead.mutable_event()->set_payload(command.SerializeAsString());
    auto out = dlq_->AppendSync({{dead.SerializeAsString(), ""}});
    EXPECT_TRUE(out.status.ok());
    return out.seqs.front();
  }
  ferry::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> delivery_, dlq_, down_;
  std::unique_ptr<DeadLetterActions> actions_;
};

TEST_F(DownReplayTest, ACommandGoesDownAgainUnderANewIdOnlyForAnAgentServingItsChannel) {
  const uint64_t own = DeadCommand("plant-01", "orders");
  const uint64_t forged = DeadCommand("plant-02", "orders");
  const DeadLetterOutcome out = actions_->Replay({own, forged}, "ada");
  ASSERT_TRUE(out.status.ok()) << out.status.message();
  EXPECT_EQ(out.done, (std::vector<uint64_t>{own}));
  ASSERT_EQ(out.skipped.size(), 1u);
  EXPECT_EQ(out.skipped[0].first, forged);
  EXPECT_NE(out.skipped[0].second.find("does not serve"), std::string::npos);
  auto queued = down_->ReadAfter(0, 10, SIZE_MAX);
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 1u);
  ferry::v1::DownCommand again;
  ASSERT_TRUE(again.ParseFromString(queued->front().data));
  EXPECT_NE(again.command_id(), "01a24bd5-7bc7-7ceb-8c7e-fec1b0871e3d") << "a new id: the agent kept the old one";
  EXPECT_EQ(again.replays(), 1u);
  EXPECT_EQ(dlq_->Stats().depth, 1u) << "the forged one stays for an operator to discard";
  EXPECT_EQ(delivery_->Stats().depth, 0u);
}

}  // namespace
}  // namespace ferry::controlplane
