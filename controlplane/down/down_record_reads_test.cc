// Commands whose notification carried only part of the record (a Salesforce
// Outbound Message) on a real store: read whole before anything is sent
// down, dead-lettered with the CRM's reason when the read is refused, and
// read again after a pause when the CRM asks for one.

#include "controlplane/down/down_record_reads.h"

#include <gtest/gtest.h>

#include <deque>

#include "common/transport/topics.h"
#include "common/util/clock.h"
#include "common/wire/down_command.h"
#include "controlplane/down/down_commands.h"
#include "controlplane/down/down_test_fixture.h"
#include "controlplane/down/salesforce_outbound_channel.h"

namespace ferry::controlplane {
namespace {

constexpr const char* kQuery = "SELECT Id, StageName FROM Opportunity";

// A CRM that answers reads from a script, and remembers what it was asked.
class ScriptedReader : public Connector {
 public:
  std::string_view name() const override { return "salesforce"; }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event&) override {
    co_return DeliveryResult::Rejected("not used");
  }
  bool can_read() const override { return true; }
  boost::asio::awaitable<RecordRead> Read(const std::string& object, const std::string& record_id,
                                          const std::string& query) override {
    asked.push_back(object + " " + record_id + " " + query);
    RecordRead next = script.empty() ? RecordRead::Retry("nothing scripted") : script.front();
    if (!script.empty()) script.pop_front();
    co_return next;
  }
  std::deque<RecordRead> script;
  std::vector<std::string> asked;
};

class DownRecordReadsTest : public testing::DownStoreTest {
 protected:
  void SetUp() override {
    ConfiguredChannel channel;
    channel.options = {"sf", "salesforce_outbound_message", "salesforce", {{"sap", "S4P"}}};
    channel.channel = std::make_shared<SalesforceOutboundChannel>(
        "00D000000000001", dir_.path() / "token", std::map<std::string, std::string>{{"Opportunity", kQuery}});
    agents_ = {{"plant-01", {{"sap", "S4P"}}, NowUnixMs()}};
    Open(std::move(channel));
    reads_ = std::make_shared<DownRecordReads>(
        io_.get_executor(), *store_, *down_queue_, *dead_letters_, inbound_,
        [this](const std::string& crm) -> Connector* { return crm == "salesforce" ? &crm_ : nullptr; },
        [this](int64_t) { ++dead_letter_notices_; });
    down_queue_->SetOnAppend([this] {
      commands_->Poke();
      reads_->Poke();
    });
  }
  void TearDown() override {
    reads_->Stop();
    DownStoreTest::TearDown();
  }

  std::string AcceptPartial(const std::string& record_id) {
    std::string id;
    InboundNotification n;
    n.read_first = true;
    n.records.push_back({"Opportunity", record_id, R"({"Id":")" + record_id + R"(","StageName":"Closed Won"})",
                         "sf:04l" + record_id + "-" + std::to_string(++notifications_)});
    commands_->Accept(inbound_.channels[0].options, std::move(n), [&](Result<std::vector<std::string>> ids) {
      ASSERT_TRUE(ids.ok());
      id = ids->front();
    });
    for (int i = 0; i < 500 && id.empty(); ++i) Run();
    return id;
  }
  std::vector<ferry::v1::DownCommand> SentDown() {
    std::vector<ferry::v1::DownCommand> out;
    for (const std::string& payload : tunnel_.PayloadsOn(transport::topics::DownRequests("plant-01"))) {
      ferry::v1::DownCommandBatch batch;
      EXPECT_TRUE(batch.ParseFromString(payload));
      for (const auto& c : batch.commands()) out.push_back(c);
    }
    return out;
  }
  ScriptedReader crm_;
  std::shared_ptr<DownRecordReads> reads_;
  int dead_letter_notices_ = 0;
  int notifications_ = 0;
};

TEST_F(DownRecordReadsTest, APartialRecordIsReadWholeBeforeItGoesDown) {
  const std::string id = AcceptPartial("0065g00000FERRYAAA");
  ASSERT_FALSE(id.empty());
  commands_->Poke();
  for (int i = 0; i < 20; ++i) Run();
  EXPECT_TRUE(SentDown().empty()) << "nothing goes down before its read";

  const std::string whole = R"({"Id":"0065g00000FERRYAAA","Amount":4810.10,"OpportunityLineItems":null})";
  crm_.script.push_back(RecordRead::Found(whole));
  reads_->Start();
  ASSERT_TRUE(RunUntil([&] { return !SentDown().empty(); }));
  ASSERT_EQ(crm_.asked.size(), 1u);
  EXPECT_EQ(crm_.asked[0], std::string("Opportunity 0065g00000FERRYAAA ") + kQuery);
  const auto sent = SentDown();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command_id(), id) << "the same command, completed";
  EXPECT_FALSE(sent[0].read_first());
  EXPECT_EQ(sent[0].record_json(), whole) << "as the CRM wrote it";
  ASSERT_EQ(Queued().size(), 1u) << "the partial command is gone in the same transaction";
  EXPECT_EQ(reads_->Stats().read_total, 1u);
}

TEST_F(DownRecordReadsTest, ARefusedReadIsADeadLetterWithTheCrmsReasonAndLeavesTheQueue) {
  AcceptPartial("0065g00000FERRYAAA");
  crm_.script.push_back(RecordRead::Rejected("reading Opportunity 0065g00000FERRYAAA: no such record (deleted?)"));
  reads_->Start();
  ASSERT_TRUE(RunUntil([&] { return dead_letters_->Stats().depth == 1; }));
  EXPECT_TRUE(RunUntil([&] { return Queued().empty(); }));
  EXPECT_EQ(dead_letter_notices_, 1);
  ferry::v1::DeadLetter dead;
  ASSERT_TRUE(dead.ParseFromString(dead_letters_->ReadAfter(0, 1, 1 << 20).value().front().data));
  EXPECT_NE(dead.reason().find("no such record"), std::string::npos);
  EXPECT_EQ(dead.connector(), "salesforce");
  EXPECT_EQ(dead.event().content_type(), wire::kDownCommandContentType);
  ferry::v1::DownCommand command;
  ASSERT_TRUE(command.ParseFromString(dead.event().payload()));
  EXPECT_TRUE(command.read_first()) << "replayed, it is read again";
  EXPECT_TRUE(SentDown().empty());
  EXPECT_EQ(reads_->Stats().dead_lettered_total, 1u);
}

TEST_F(DownRecordReadsTest, AReadTheCrmCannotServeNowIsTriedAgainWhileOtherRecordsAreRead) {
  AcceptPartial("0065g00000FERRYAAA");
  AcceptPartial("0065g00000FERRYBAA");
  crm_.script.push_back(RecordRead::Retry("HTTP 503"));                        // A waits its back-off (1 s) ...
  crm_.script.push_back(RecordRead::Found(R"({"Id":"0065g00000FERRYBAA"})"));  // ... while B is read
  crm_.script.push_back(RecordRead::Found(R"({"Id":"0065g00000FERRYAAA"})"));
  reads_->Start();
  ASSERT_TRUE(RunUntil([&] { return SentDown().size() == 2; }));
  ASSERT_EQ(crm_.asked.size(), 3u);
  EXPECT_NE(crm_.asked[0].find("FERRYAAA"), std::string::npos);
  EXPECT_NE(crm_.asked[1].find("FERRYBAA"), std::string::npos) << "one record's trouble does not stop the others";
  EXPECT_NE(crm_.asked[2].find("FERRYAAA"), std::string::npos);
  EXPECT_EQ(dead_letters_->Stats().depth, 0u);
  EXPECT_EQ(reads_->Stats().retries_total, 1u);
  EXPECT_EQ(reads_->Stats().read_total, 2u);
}

TEST_F(DownRecordReadsTest, TwoNotificationsOfOneRecordAreReadAndSentInTheirOrder) {
  const std::string first = AcceptPartial("0065g00000FERRYAAA");
  const std::string second = AcceptPartial("0065g00000FERRYAAA");
  ASSERT_NE(first, second);
  crm_.script.push_back(RecordRead::Retry("HTTP 503"));  // the first waits: the second must wait with it
  crm_.script.push_back(RecordRead::Found(R"({"Id":"0065g00000FERRYAAA","n":1})"));
  crm_.script.push_back(RecordRead::Found(R"({"Id":"0065g00000FERRYAAA","n":2})"));
  reads_->Start();
  ASSERT_TRUE(RunUntil([&] { return !SentDown().empty(); }));
  auto sent = SentDown();
  ASSERT_EQ(sent.size(), 1u) << "one in flight per record";
  EXPECT_EQ(sent[0].command_id(), first);
  EXPECT_EQ(sent[0].record_json(), R"({"Id":"0065g00000FERRYAAA","n":1})")
      << "the second was not read while the first waited for its read again";
  // The agent commits the first; the second follows.
  ferry::v1::DownCommandAck ack;
  ack.add_command_ids(first);
  ack.set_accepted(true);
  commands_->OnAck("plant-01", ack.SerializeAsString());
  ASSERT_TRUE(RunUntil([&] { return SentDown().size() == 2; }));
  EXPECT_EQ(SentDown()[1].command_id(), second);
  EXPECT_EQ(SentDown()[1].record_json(), R"({"Id":"0065g00000FERRYAAA","n":2})");
}

TEST_F(DownRecordReadsTest, AFullDownQueueStillTakesTheWholeRecordInPlaceOfThePartOne) {
  // A queue at its limit (notifications kept coming while the CRM was
  // away): the replacement is larger than what it replaces, and must fit.
  down_queue_.reset();
  down_queue_ = std::move(store::DurableQueue::Open(*store_, {kDownQueue, 2048}).value());
  commands_ = std::make_shared<DownCommands>(io_.get_executor(), *store_, *down_queue_, tunnel_, inbound_,
                                             DownOptions{}, [this] { return agents_; });
  reads_ = std::make_shared<DownRecordReads>(
      io_.get_executor(), *store_, *down_queue_, *dead_letters_, inbound_,
      [this](const std::string& crm) -> Connector* { return crm == "salesforce" ? &crm_ : nullptr; }, nullptr);
  down_queue_->SetOnAppend([this] {
    commands_->Poke();
    reads_->Poke();
  });
  AcceptPartial("0065g00000FERRY000");
  const uint64_t one = down_queue_->Stats().bytes;
  for (int i = 1; down_queue_->Stats().bytes + one <= 2048; ++i) {
    ASSERT_FALSE(AcceptPartial("0065g00000FERRY" + std::to_string(100 + i)).empty());
  }
  // Less room than one command is left; the whole record is no larger.
  crm_.script.push_back(RecordRead::Found(R"({"Id":"x"})"));
  reads_->Start();
  ASSERT_TRUE(RunUntil([&] { return reads_->Stats().read_total == 1; }));
  const auto queued = Queued();
  EXPECT_FALSE(queued.back().read_first()) << "the whole record took the part one's place";
  EXPECT_EQ(queued.back().record_json(), R"({"Id":"x"})");
}

}  // namespace
}  // namespace ferry::controlplane
