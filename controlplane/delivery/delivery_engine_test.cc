#include "controlplane/delivery/delivery_engine.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <stdexcept>

#include "common/store/durable_queue.h"
#include "common/store/store.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

// Throws from its first `throws` calls, then delivers everything.
class ThrowingConnector : public Connector {
 public:
  explicit ThrowingConnector(int throws) : throws_(throws) {}
  std::string_view name() const override { return "flaky"; }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) override {
    ++calls;
    if (throws_ > 0) {
      --throws_;
      throw std::runtime_error("connector bug");
    }
    delivered.push_back(event.event_id());
    co_return DeliveryResult::Delivered("rec-" + event.event_id());
  }
  int calls = 0;
  std::vector<std::string> delivered;

 private:
  int throws_;
};

// Refuses every event, as a target that finds each record invalid.
class RejectingConnector : public Connector {
 public:
  std::string_view name() const override { return "flaky"; }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) override {
    ++calls;
    co_return DeliveryResult::Rejected("INVALID_FIELD: " + event.event_id());
  }
  int calls = 0;
};

class DeliveryEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(0); }
  void Open(uint64_t dead_letter_max_bytes) {
    store_ = testing::OpenTestStore(dir_.path(), testing::QueueDatabases({"delivery", "dlq"}));
    ASSERT_TRUE(store_);
    queue_ = std::move(store::DurableQueue::Open(*store_, {"delivery", 0}).value());
    dead_ = std::move(store::DurableQueue::Open(*store_, {"dlq", dead_letter_max_bytes}).value());
  }

  void Enqueue(const std::string& id, const std::string& key) {
    ferry::v1::Event e;
    e.set_event_id(id);
    e.set_agent_id("plant-01");
    e.set_business_key(key);
    e.set_connector("flaky");
    ASSERT_TRUE(queue_->AppendSync({{e.SerializeAsString(), ""}}).status.ok());
  }

  template <typename Pred>
  bool RunUntil(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(std::chrono::milliseconds(10));
    }
    return true;
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
  std::unique_ptr<store::DurableQueue> dead_;
  ferry::testing::FakeTunnel tunnel_;
};

TEST_F(DeliveryEngineTest, AConnectorThatThrowsKeepsItsLaneAndEveryEventIsDeliveredInKeyOrder) {
  // More throws than the lane has slots: each used to keep its slot and its
  // key busy for good, so the lane stopped after `concurrency` throws.
  ThrowingConnector connector(/*throws=*/5);
  DeliveryOptions options;
  options.concurrency = 2;
  options.retry_initial = std::chrono::milliseconds(1);
  options.retry_max = std::chrono::milliseconds(5);
  for (int i = 0; i < 6; ++i) Enqueue("e" + std::to_string(i), "k" + std::to_string(i % 3));
  auto engine = std::make_shared<DeliveryEngine>(io_.get_executor(), *queue_, *dead_,
                                                 std::vector<Connector*>{&connector}, tunnel_, options);
  engine->Start();
  ASSERT_TRUE(RunUntil([&] { return queue_->Stats().depth == 0 && engine->in_flight() == 0; }))
      << "delivered " << connector.delivered.size() << " of 6 after " << connector.calls << " calls";
  engine->Stop();
  EXPECT_EQ(engine->stats().delivered, 6u);
  EXPECT_EQ(engine->stats().dead_lettered, 0u);
  EXPECT_EQ(dead_->Stats().depth, 0u);
  EXPECT_EQ(connector.calls, 11);
  // Per-key order held through the retries.
  auto position = [&](const std::string& id) {
    return std::find(connector.delivered.begin(), connector.delivered.end(), id) - connector.delivered.begin();
  };
  EXPECT_LT(position("e0"), position("e3"));
  EXPECT_LT(position("e1"), position("e4"));
  EXPECT_LT(position("e2"), position("e5"));
}

// Overwrites a stored record with a frame that does not decode, as a
// flipped byte on disk would leave it.
void Corrupt(store::Store& store, const store::DurableQueue& queue, uint64_t seq) {
  Status s = store.WriteSync([&](store::WriteTxn& txn) {
    const std::string key = store::EncodeU64Key(seq);
    const std::string value = std::string(8, '\0') + "\x01" + "not a zstd frame";
    MDB_val k = store::ToVal(key), v = store::ToVal(value);
    return store::LmdbStatus(mdb_put(txn.txn(), queue.records_db(), &k, &v, 0), "corrupt");
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
}

TEST_F(DeliveryEngineTest, ACorruptRecordIsDeadLetteredWithItsPlaceAndTheQueueFlowsOn) {
  ThrowingConnector connector(/*throws=*/0);
  for (int i = 0; i < 4; ++i) Enqueue("e" + std::to_string(i), "k");  // one key: strict order
  Corrupt(*store_, *queue_, 2);
  auto engine = std::make_shared<DeliveryEngine>(io_.get_executor(), *queue_, *dead_,
                                                 std::vector<Connector*>{&connector}, tunnel_, DeliveryOptions{});
  engine->Start();
  ASSERT_TRUE(RunUntil([&] { return queue_->Stats().depth == 0 && engine->in_flight() == 0; }))
      << "delivered " << connector.delivered.size();
  engine->Stop();
  EXPECT_EQ(connector.delivered, (std::vector<std::string>{"e0", "e2", "e3"}));
  ASSERT_EQ(dead_->Stats().depth, 1u);
  auto dead = dead_->ReadAfter(0, 1, SIZE_MAX);
  ASSERT_TRUE(dead.ok());
  ferry::v1::DeadLetter letter;
  ASSERT_TRUE(letter.ParseFromString((*dead)[0].data));
  EXPECT_NE(letter.reason().find("corrupt record at q.delivery/2"), std::string::npos) << letter.reason();
  EXPECT_EQ(letter.event().payload(), "\x01not a zstd frame");  // the stored body as it is
}

TEST_F(DeliveryEngineTest, AFullDeadLetterQueueKeepsRefusedEventsInTheDeliveryQueue) {
  dead_.reset();
  queue_.reset();
  store_.reset();
  Open(/*dead_letter_max_bytes=*/100);  // room for one dead letter (about 70 bytes), not two
  RejectingConnector connector;
  Enqueue("e0", "k0");
  Enqueue("e1", "k1");
  auto engine = std::make_shared<DeliveryEngine>(io_.get_executor(), *queue_, *dead_,
                                                 std::vector<Connector*>{&connector}, tunnel_, DeliveryOptions{});
  engine->Start();
  // The second outcome is tried again every second: wait for two refusals.
  ASSERT_TRUE(RunUntil([&] { return engine->stats().dead_letters_full >= 2; }));
  engine->Stop();
  EXPECT_EQ(dead_->Stats().depth, 1u);
  EXPECT_EQ(queue_->Stats().depth, 1u) << "a refused event vanished with the dead-letter queue full";
  EXPECT_EQ(engine->stats().dead_lettered, 1u);
}

}  // namespace
}  // namespace ferry::controlplane
