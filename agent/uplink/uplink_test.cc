#include "agent/uplink/uplink.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "common/transport/topics.h"
#include "common/wire/batch_codec.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::agent {
namespace {

constexpr const char* kUplinkAgent = "plant-01";
constexpr int64_t kCertificateEnd = 1799029290000;

class UplinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(),
                                    testing::QueueDatabases({"outbox"}, {Uplink::kReportsDb, Uplink::kDeadLettersDb}));
    ASSERT_TRUE(store_);
    outbox_ = std::move(store::DurableQueue::Open(*store_, {"outbox", 0}).value());
    for (int i = 1; i <= 5; ++i) {
      ferry::v1::Event e;
      e.set_event_id("ev-" + std::to_string(i));
      ASSERT_TRUE(outbox_->AppendSync({{e.SerializeAsString(), ""}}).status.ok());
    }
    BeforeStart();
    UplinkOptions options;
    options.agent_id = kUplinkAgent;
    options.batch_max_events = 2;  // batches {1,2} {3,4} {5}
    options.certificate_not_after_unix_ms = kCertificateEnd;
    Configure(options);
    uplink_ = std::make_shared<Uplink>(io_.get_executor(), tunnel_, *store_, *outbox_, options);
    uplink_->Route(dispatcher_);
    tunnel_.SetMessageHandler(dispatcher_.Handler());
    uplink_->Start();
    tunnel_.Connect();
    Run(std::chrono::milliseconds(50));
  }
  void TearDown() override { uplink_->Stop(); }
  virtual void BeforeStart() {}
  virtual void Configure(UplinkOptions&) {}

  void Run(std::chrono::milliseconds d) { io_.run_for(d); }

  // The batches published, by batch id, with their sequences.
  std::map<uint64_t, std::vector<uint64_t>> Published() {
    std::map<uint64_t, std::vector<uint64_t>> out;
    for (const auto& payload : tunnel_.PayloadsOn(transport::topics::UpEvents(kUplinkAgent))) {
      auto frames = wire::DecodeBatchFrames(payload);
      EXPECT_TRUE(frames.ok());
      auto events = wire::DecodeEvents(*frames);
      EXPECT_TRUE(events.ok());
      for (const auto& d : *events) out[frames->batch_id].push_back(d.event.agent_sequence());
    }
    return out;
  }

  void ReceiveAck(uint64_t batch_id, std::vector<uint64_t> seqs, bool accepted = true) {
    ferry::v1::Ack ack;
    ack.set_agent_id(kUplinkAgent);
    ack.set_batch_id(batch_id);
    ack.set_accepted(accepted);
    for (uint64_t s : seqs) ack.add_agent_sequences(s);
    tunnel_.Receive(transport::topics::DownAcks(kUplinkAgent), ack.SerializeAsString());
    Run(std::chrono::milliseconds(100));  // the outbox change commits on the writer thread
  }

  ferry::testing::TempDir dir_;
  // Declared before the store, so destroyed after it: the store's writer
  // thread posts outcomes here until the store has finished its writes.
  boost::asio::io_context io_;
  // Keeps run_for() running when nothing is queued yet (the store's writer
  // thread posts the outcome later).
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> outbox_;
  ferry::testing::FakeTunnel tunnel_;
  transport::Dispatcher dispatcher_{kUplinkAgent};
  std::shared_ptr<Uplink> uplink_;
};

TEST_F(UplinkTest, HeartbeatsCarryTheCertificatesEnd) {
  const auto beats = tunnel_.PayloadsOn(transport::topics::UpHeartbeat(kUplinkAgent));
  ASSERT_FALSE(beats.empty());  // one at once on connecting
  ferry::v1::Heartbeat hb;
  ASSERT_TRUE(hb.ParseFromString(beats.front()));
  EXPECT_EQ(hb.certificate_not_after_unix_ms(), kCertificateEnd);
}

TEST_F(UplinkTest, AForgedAckForABatchNeverSentDeletesNothing) {
  auto published = Published();
  ASSERT_EQ(published.size(), 3u);
  // What anyone on the broker could publish without seeing a batch.
  for (uint64_t batch_id = 0; batch_id <= 3; ++batch_id) ReceiveAck(batch_id, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(outbox_->Stats().depth, 5u);
  EXPECT_EQ(uplink_->stats().acks_ignored, 4u);
  EXPECT_EQ(uplink_->stats().events_acked, 0u);
}

TEST_F(UplinkTest, AnAckRemovesOnlyWhatItsBatchCarried) {
  auto published = Published();
  ASSERT_EQ(published.size(), 3u);
  const uint64_t first = published.begin()->first;
  ASSERT_EQ(published[first], (std::vector<uint64_t>{1, 2}));
  // The right batch id, but sequences it did not carry: ignored whole.
  ReceiveAck(first, {1, 2, 3, 4, 5});
  EXPECT_EQ(outbox_->Stats().depth, 5u);
  EXPECT_EQ(uplink_->stats().acks_ignored, 1u);
  // A refusal for a batch never sent does not make it rewind either.
  const uint64_t rewinds = uplink_->stats().rewinds;
  ReceiveAck(first + 1000, {}, false);
  EXPECT_EQ(uplink_->stats().rewinds, rewinds);
  EXPECT_EQ(uplink_->stats().acks_ignored, 2u);
  // The real Ack.
  ReceiveAck(first, {1, 2});
  EXPECT_EQ(outbox_->Stats().depth, 3u);
  EXPECT_EQ(uplink_->stats().events_acked, 2u);
  // The same Ack again (a broker redelivery): nothing more happens.
  ReceiveAck(first, {1, 2});
  EXPECT_EQ(outbox_->Stats().depth, 3u);
  EXPECT_EQ(uplink_->stats().acks_ignored, 3u);
}

class UplinkCorruptRecordTest : public UplinkTest {
 protected:
  // Outbox record 3 as a flipped byte on disk would leave it.
  void BeforeStart() override {
    Status s = store_->WriteSync([&](store::WriteTxn& txn) {
      const std::string key = store::EncodeU64Key(3);
      const std::string value = std::string(8, '\0') + "\x01" + "torn";
      MDB_val k = store::ToVal(key), v = store::ToVal(value);
      return store::LmdbStatus(mdb_put(txn.txn(), outbox_->records_db(), &k, &v, 0), "corrupt");
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
};

TEST_F(UplinkCorruptRecordTest, ACorruptOutboxRecordLeavesAsAnEventThatSaysSoAndTheRestFollows) {
  std::vector<ferry::v1::Event> sent;
  for (const auto& payload : tunnel_.PayloadsOn(transport::topics::UpEvents(kUplinkAgent))) {
    auto frames = wire::DecodeBatchFrames(payload);
    ASSERT_TRUE(frames.ok());
    auto events = wire::DecodeEvents(*frames);
    ASSERT_TRUE(events.ok());
    for (const auto& d : *events) sent.push_back(d.event);
  }
  ASSERT_EQ(sent.size(), 5u);
  EXPECT_EQ(sent[1].event_id(), "ev-2");
  EXPECT_NE(sent[2].decode_error().find("corrupt record at q.outbox/3"), std::string::npos) << sent[2].decode_error();
  EXPECT_EQ(sent[2].payload(), "\x01torn");  // the stored body as it is
  EXPECT_EQ(sent[2].agent_sequence(), 3u);
  EXPECT_EQ(sent[3].event_id(), "ev-4");
}

}  // namespace
}  // namespace ferry::agent

namespace ferry::agent {
namespace {

// The tunnel's send queue is full from the start (a slow link).
class UplinkBackPressureTest : public UplinkTest {
 protected:
  void BeforeStart() override { tunnel_.queue_full = true; }
};

TEST_F(UplinkBackPressureTest, AFullSendQueueKeepsBatchesInTheOutboxUntilTheTunnelDrains) {
  const uint64_t rewinds = uplink_->stats().rewinds;  // the one at connect
  EXPECT_TRUE(Published().empty()) << "sent into a full queue";
  EXPECT_EQ(uplink_->stats().batches_sent, 0u);
  EXPECT_GE(uplink_->stats().send_queue_waits, 1u);
  tunnel_.Drain();
  Run(std::chrono::milliseconds(50));
  auto published = Published();
  ASSERT_EQ(published.size(), 3u);
  std::vector<uint64_t> sequences;
  for (const auto& [id, seqs] : published) sequences.insert(sequences.end(), seqs.begin(), seqs.end());
  EXPECT_EQ(sequences, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(uplink_->stats().rewinds, rewinds);
}

// The tunnel refuses the publish itself (its queue cannot take the batch).
class UplinkRefusedPublishTest : public UplinkTest {
 protected:
  void BeforeStart() override {
    tunnel_.publish_result = Status::ResourceExhausted("the websocket send queue is full");
  }
};

TEST_F(UplinkRefusedPublishTest, ARefusedBatchIsSentAfterTheDrainWithoutWaitingForTheAckTimeout) {
  const uint64_t rewinds = uplink_->stats().rewinds;  // the one at connect
  EXPECT_EQ(uplink_->stats().batches_sent, 0u);
  EXPECT_GE(uplink_->stats().send_queue_waits, 1u);
  tunnel_.sent.clear();  // what the tunnel refused never left
  tunnel_.publish_result = Status::Ok();
  tunnel_.Drain();
  Run(std::chrono::milliseconds(50));
  auto published = Published();
  ASSERT_EQ(published.size(), 3u);
  EXPECT_EQ(published.begin()->second, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(uplink_->stats().batches_sent, 3u);
  EXPECT_EQ(uplink_->stats().rewinds, rewinds);
}

// A slow link: the batches wait in the tunnel's own queue for a while.
class UplinkSlowLinkTest : public UplinkTest {
 protected:
  void Configure(UplinkOptions& options) override { options.ack_timeout = std::chrono::milliseconds(300); }
  void BeforeStart() override { tunnel_.send_pending = true; }
};

TEST_F(UplinkSlowLinkTest, TheAckClockStartsOnlyOnceTheTunnelHasSentTheBatches) {
  const uint64_t rewinds = uplink_->stats().rewinds;  // the one at connect
  ASSERT_EQ(Published().size(), 3u);
  // Well past the ack timeout, but still queued in the tunnel: no resend.
  Run(std::chrono::milliseconds(2500));
  EXPECT_EQ(uplink_->stats().rewinds, rewinds);
  EXPECT_EQ(Published().size(), 3u);
  // Out of the queue, and no ack: now the timeout applies.
  tunnel_.send_pending = false;
  Run(std::chrono::milliseconds(2500));
  EXPECT_GT(uplink_->stats().rewinds, rewinds);
}

}  // namespace
}  // namespace ferry::agent
