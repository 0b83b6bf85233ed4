#include "controlplane/ingest/ingest.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <random>

#include "common/store/durable_queue.h"
#include "common/transport/topics.h"
#include "common/wire/batch_codec.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

constexpr const char* kAgent = "plant-01";

class IngestTest : public ::testing::Test {
 protected:
  void Open(uint64_t max_bytes) {
    store_ = testing::OpenTestStore(dir_.path(), testing::QueueDatabases({"delivery"}, {Ingest::kDb}));
    ASSERT_TRUE(store_);
    queue_ = std::move(store::DurableQueue::Open(*store_, {"delivery", max_bytes}).value());
    ingest_ = std::make_unique<Ingest>(io_.get_executor(), tunnel_, *store_, *queue_);
  }

  // An event whose payload does not compress: what it weighs is what the
  // queue counts.
  std::string Event(uint64_t seq, size_t payload_bytes) {
    ferry::v1::Event e;
    e.set_event_id("ev-" + std::to_string(seq));
    e.set_business_key("DEBMAS:1");
    std::string payload(payload_bytes, '\0');
    for (char& c : payload) c = static_cast<char>(rng_());
    e.set_payload(payload);
    return e.SerializeAsString();
  }

  // Publishes a batch as the agent would; returns its batch id.
  uint64_t Send(const std::vector<std::pair<uint64_t, std::string>>& events) {
    std::vector<wire::StoredEvent> stored;
    for (const auto& [seq, bytes] : events) stored.push_back({seq, bytes});
    const uint64_t id = next_batch_++;
    ingest_->OnBatch(kAgent, wire::EncodeBatch(kAgent, id, stored, {false, 0, 1}));
    return id;
  }

  // Runs until `n` Acks were published in all; returns them by batch id.
  std::map<uint64_t, ferry::v1::Ack> Acks(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (tunnel_.PayloadsOn(transport::topics::DownAcks(kAgent)).size() < n &&
           std::chrono::steady_clock::now() < deadline) {
      io_.run_for(std::chrono::milliseconds(5));
    }
    std::map<uint64_t, ferry::v1::Ack> out;
    for (const auto& payload : tunnel_.PayloadsOn(transport::topics::DownAcks(kAgent))) {
      ferry::v1::Ack ack;
      EXPECT_TRUE(ack.ParseFromString(payload));
      out[ack.batch_id()] = ack;
    }
    EXPECT_EQ(out.size(), n);
    return out;
  }

  // The agent sequences in the delivery queue, in queue order.
  std::vector<uint64_t> Stored() {
    std::vector<uint64_t> out;
    auto records = queue_->ReadAfter(0, 1000, SIZE_MAX);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) {
      ferry::v1::Event e;
      EXPECT_TRUE(e.ParseFromString(r.data));
      out.push_back(e.agent_sequence());
    }
    return out;
  }

  ferry::testing::TempDir dir_;
  // Declared before the store, so destroyed after it: the store's writer
  // thread posts outcomes here until the store has finished its writes.
  boost::asio::io_context io_;
  // Keeps run_for() running when nothing is queued yet (the store's writer
  // thread posts the outcome later).
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> queue_;
  ferry::testing::FakeTunnel tunnel_;
  std::unique_ptr<Ingest> ingest_;
  std::mt19937 rng_{7};
  uint64_t next_batch_ = 100;
};

TEST_F(IngestTest, ABatchRefusedForSpaceKeepsLaterBatchesOutUntilTheAgentResendsFromIt) {
  Open(/*max_bytes=*/8000);
  // Three batches of one event each, in flight at once as the uplink sends
  // them: the second does not fit, the third would.
  const uint64_t b1 = Send({{1, Event(1, 1000)}});
  const uint64_t b2 = Send({{2, Event(2, 9000)}});
  const uint64_t b3 = Send({{3, Event(3, 1000)}});
  auto acks = Acks(3);
  EXPECT_TRUE(acks[b1].accepted());
  EXPECT_FALSE(acks[b2].accepted());
  EXPECT_FALSE(acks[b3].accepted()) << "a later change overtook a refused one";
  EXPECT_NE(acks[b3].reason().find("sequence gap: stored up to 1, batch starts at 3"), std::string::npos)
      << acks[b3].reason();
  EXPECT_EQ(acks[b3].agent_sequences_size(), 0);
  EXPECT_EQ(Stored(), (std::vector<uint64_t>{1}));

  // Still refused on its own, until the agent goes back to sequence 2.
  const uint64_t b4 = Send({{3, Event(3, 1000)}});
  EXPECT_FALSE(Acks(4)[b4].accepted());
  const uint64_t b5 = Send({{2, Event(2, 1000)}, {3, Event(3, 1000)}});
  EXPECT_TRUE(Acks(5)[b5].accepted());
  EXPECT_EQ(Stored(), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(IngestTest, AnUnknownAgentsFirstBatchMayStartAnywhereButNotPastARefusedOne) {
  Open(/*max_bytes=*/8000);
  const uint64_t b1 = Send({{500, Event(500, 9000)}});
  const uint64_t b2 = Send({{501, Event(501, 1000)}});
  auto acks = Acks(2);
  EXPECT_FALSE(acks[b1].accepted());
  EXPECT_FALSE(acks[b2].accepted());
  const uint64_t b3 = Send({{500, Event(500, 1000)}, {501, Event(501, 1000)}});
  EXPECT_TRUE(Acks(3)[b3].accepted());
  EXPECT_EQ(Stored(), (std::vector<uint64_t>{500, 501}));
}

TEST_F(IngestTest, ASequenceNear2To64IsRefusedAsMalformedAndDoesNotLockTheAgentOut) {
  Open(0);
  const uint64_t b1 = Send({{UINT64_MAX, Event(1, 10)}});
  const uint64_t b2 = Send({{uint64_t{1} << 63, Event(2, 10)}});
  auto acks = Acks(2);
  EXPECT_FALSE(acks[b1].accepted());
  EXPECT_NE(acks[b1].reason().find("malformed batch"), std::string::npos) << acks[b1].reason();
  EXPECT_FALSE(acks[b2].accepted());
  // Nothing was stored, and the agent's real sequences go through.
  const uint64_t b3 = Send({{1, Event(1, 10)}});
  const uint64_t b4 = Send({{2, Event(2, 10)}});
  acks = Acks(4);
  EXPECT_TRUE(acks[b3].accepted()) << acks[b3].reason();
  EXPECT_TRUE(acks[b4].accepted()) << acks[b4].reason();
  EXPECT_EQ(Stored(), (std::vector<uint64_t>{1, 2}));
}

TEST_F(IngestTest, AnEventThatDoesNotDecodeIsStoredForTheDeadLetterQueueAndTheBatchIsAcknowledged) {
  Open(0);
  ferry::v1::EventEnvelope bad;  // Event's field numbers, bytes instead of strings
  bad.set_event_id("ev-2");
  bad.set_business_key(
      "DEBMAS:9\xED\xA0\x80"
      "13");
  const uint64_t b1 = Send({{1, Event(1, 10)}, {2, bad.SerializeAsString()}, {3, Event(3, 10)}});
  auto acks = Acks(1);
  ASSERT_TRUE(acks[b1].accepted()) << acks[b1].reason();
  EXPECT_EQ(acks[b1].agent_sequences_size(), 3);
  EXPECT_EQ(Stored(), (std::vector<uint64_t>{1, 2, 3}));
  auto records = queue_->ReadAfter(1, 1, SIZE_MAX);
  ASSERT_TRUE(records.ok());
  ferry::v1::Event stored;
  ASSERT_TRUE(stored.ParseFromString((*records)[0].data));
  EXPECT_EQ(stored.event_id(), "ev-2");
  EXPECT_EQ(stored.agent_id(), kAgent);
  EXPECT_NE(stored.decode_error().find("cannot be decoded"), std::string::npos) << stored.decode_error();
  EXPECT_EQ(stored.payload(), bad.SerializeAsString() + std::string("\x50\x02", 2));  // with its sequence
}

TEST_F(IngestTest, APositionKeptInMetaByAnOlderStoreIsHonouredAndMovedToItsOwnDatabase) {
  Open(0);
  const std::string legacy = std::string("ingest.") + kAgent + ".last_seq";
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::WriteTxn& txn) {
                    const std::string value = store::EncodeU64Key(7);
                    MDB_val k = store::ToVal(legacy), v = store::ToVal(value);
                    return store::LmdbStatus(mdb_put(txn.txn(), store_->Db("meta"), &k, &v, 0), "put");
                  })
                  .ok());
  // Past the stored position of 7: a gap, as before the move.
  const uint64_t b1 = Send({{9, Event(9, 10)}});
  EXPECT_FALSE(Acks(1)[b1].accepted());
  const uint64_t b2 = Send({{8, Event(8, 10)}});
  ASSERT_TRUE(Acks(2)[b2].accepted());

  store::ReadTxn read = store_->BeginRead();
  MDB_val k = store::ToVal(legacy), v;
  EXPECT_EQ(mdb_get(read.txn(), store_->Db("meta"), &k, &v), MDB_NOTFOUND) << "the old key stays behind";
  const std::string agent = kAgent;
  k = store::ToVal(agent);
  ASSERT_EQ(mdb_get(read.txn(), store_->Db(Ingest::kDb), &k, &v), MDB_SUCCESS);
  EXPECT_EQ(store::DecodeU64Key(store::FromVal(v)), 8u);
}

}  // namespace
}  // namespace ferry::controlplane
