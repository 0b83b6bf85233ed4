#include "common/store/durable_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <future>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace ferry::store {
namespace {

StoreOptions OptionsFor(const std::filesystem::path& dir) {
  StoreOptions o;
  o.dir = dir;
  o.map_size_bytes = 64ull << 20;
  o.databases = DurableQueue::DatabasesFor("out");
  return o;
}

struct Opened {
  std::unique_ptr<Store> store;
  std::unique_ptr<DurableQueue> queue;
};

Opened OpenQueue(const std::filesystem::path& dir, uint64_t max_bytes = 0) {
  Opened o;
  auto store = Store::Open(OptionsFor(dir));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  o.store = std::move(store.value());
  auto queue = DurableQueue::Open(*o.store, {"out", max_bytes});
  EXPECT_TRUE(queue.ok()) << queue.status().ToString();
  o.queue = std::move(queue.value());
  return o;
}

// An owner's teardown drains the store before it frees what queued writes
// use: Drain returns only once every write asked for, and every write their
// callbacks asked for in turn, is answered.
TEST(StoreTest, DrainWaitsForQueuedWritesAndTheWritesTheirCallbacksAsk) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path());
  Store& store = *o.store;
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> answered{0};
  // The first write holds the writer until the drain has begun; each
  // answer asks for the next write, three in all.
  std::function<void(int)> chain = [&](int n) {
    store.Write(
        [open, n](WriteTxn&) {
          if (n == 1) open.wait();
          return Status::Ok();
        },
        [&, n](const Status&) {
          ++answered;
          if (n < 3) chain(n + 1);
        });
  };
  chain(1);
  // Write 1 holds the writer (taken, not yet answered) while the drain
  // begins; writes 2 and 3 are asked for only after that.
  ASSERT_TRUE(ferry::testing::WaitUntil([&] { return store.Stats().writes == 0 && store.Stats().queued == 0; },
                                        std::chrono::seconds(5)));
  std::atomic<bool> draining{false};
  std::thread drain([&] {
    draining = true;
    store.Drain();
  });
  const bool began = ferry::testing::WaitUntil([&] { return draining.load(); }, std::chrono::seconds(5));
  gate.set_value();
  drain.join();
  ASSERT_TRUE(began);
  EXPECT_EQ(answered.load(), 3);
}

TEST(DurableQueueTest, AppendsReadInOrderAndSurvivesReopen) {
  ferry::testing::TempDir dir;
  {
    auto o = OpenQueue(dir.path());
    auto out = o.queue->AppendSync({{"a", ""}, {"bb", ""}, {"ccc", ""}});
    ASSERT_TRUE(out.status.ok());
    EXPECT_EQ(out.seqs, (std::vector<uint64_t>{1, 2, 3}));
  }
  auto o = OpenQueue(dir.path());
  auto recs = o.queue->ReadAfter(0, 10, SIZE_MAX);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 3u);
  EXPECT_EQ((*recs)[0].data, "a");
  EXPECT_EQ((*recs)[2].data, "ccc");
  EXPECT_GT((*recs)[0].enqueued_unix_ms, 0);
  auto stats = o.queue->Stats();
  EXPECT_EQ(stats.depth, 3u);
  EXPECT_EQ(stats.bytes, 9u);  // stored bodies: one codec byte each
  // Sequences keep growing after a reopen, never reused.
  auto more = o.queue->AppendSync({{"d", ""}});
  EXPECT_EQ(more.seqs.front(), 4u);
}

TEST(DurableQueueTest, ReadBeforeGoesNewestFirstFromBelowTheGivenSequence) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path());
  o.queue->AppendSync({{"1", ""}, {"2", ""}, {"3", ""}, {"4", ""}, {"5", ""}});
  ASSERT_TRUE(o.queue->RemoveSync({4}).ok());
  auto seqs = [&](uint64_t before, size_t max) {
    std::vector<uint64_t> out;
    auto recs = o.queue->ReadBefore(before, max, SIZE_MAX);
    EXPECT_TRUE(recs.ok());
    for (const auto& r : *recs) out.push_back(r.seq);
    return out;
  };
  EXPECT_EQ(seqs(UINT64_MAX, 10), (std::vector<uint64_t>{5, 3, 2, 1}));
  EXPECT_EQ(seqs(5, 2), (std::vector<uint64_t>{3, 2}));
  EXPECT_EQ(seqs(4, 10), (std::vector<uint64_t>{3, 2, 1}));  // 4 is gone
  EXPECT_EQ(seqs(1, 10), (std::vector<uint64_t>{}));
  EXPECT_EQ(seqs(0, 10), (std::vector<uint64_t>{}));
  EXPECT_EQ(seqs(99, 1), (std::vector<uint64_t>{5}));
  EXPECT_EQ(o.queue->ReadBefore(3, 1, SIZE_MAX)->front().data, "2");
}

TEST(DurableQueueTest, RemoveDeletesAndUpdatesCounters) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path());
  o.queue->AppendSync({{"one", ""}, {"two", ""}, {"three", ""}});
  ASSERT_TRUE(o.queue->RemoveSync({1, 3, 99}).ok());
  auto recs = o.queue->ReadAfter(0, 10, SIZE_MAX);
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].seq, 2u);
  EXPECT_EQ(o.queue->Stats().depth, 1u);
  EXPECT_EQ(o.queue->Stats().bytes, 4u);
}

TEST(DurableQueueTest, IdempotencyKeyRejectsDuplicatesEvenAfterRemoval) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path());
  auto first = o.queue->AppendSync({{"x", "K1"}, {"y", "K2"}, {"x again", "K1"}});
  ASSERT_TRUE(first.status.ok());
  EXPECT_EQ(first.duplicate, (std::vector<bool>{false, false, true}));
  EXPECT_EQ(first.seqs[2], first.seqs[0]);
  ASSERT_TRUE(o.queue->RemoveSync({first.seqs[0]}).ok());
  auto again = o.queue->AppendSync({{"x", "K1"}});
  EXPECT_TRUE(again.duplicate[0]);
  EXPECT_EQ(o.queue->Stats().depth, 1u);
}

TEST(DurableQueueTest, ByteLimitRefusesWholeAppendAndRecoversAfterDrain) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path(), 10);
  ASSERT_TRUE(o.queue->AppendSync({{"12345678", ""}}).status.ok());
  auto full = o.queue->AppendSync({{"1", ""}, {"234", ""}});
  EXPECT_EQ(full.status.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(full.status.retryable());
  EXPECT_EQ(o.queue->Stats().depth, 1u);
  ASSERT_TRUE(o.queue->RemoveSync({1}).ok());
  EXPECT_TRUE(o.queue->AppendSync({{"1", ""}, {"234", ""}}).status.ok());
}

TEST(DurableQueueTest, LargeRecordsAreCompressedAtRestAndReadBackExactly) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path());
  std::string xml;
  for (int i = 0; i < 200; ++i)
    xml += "<E1KNA1M SEGMENT=\"1\"><KUNNR>000010" + std::to_string(i) + "</KUNNR></E1KNA1M>\n";
  ASSERT_TRUE(o.queue->AppendSync({{xml, ""}}).status.ok());
  EXPECT_LT(o.queue->Stats().bytes, xml.size() / 3);
  auto recs = o.queue->ReadAfter(0, 1, SIZE_MAX);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ((*recs)[0].data, xml);
  EXPECT_EQ(o.queue->Get(1)->data, xml);
}

TEST(DurableQueueTest, DuplicatesAreAcceptedEvenWhenFull) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path(), 10);
  ASSERT_TRUE(o.queue->AppendSync({{"12345678", "A"}}).status.ok());
  // A resend of what is already stored must be answered OK, not "full".
  auto resend = o.queue->AppendSync({{"12345678", "A"}});
  ASSERT_TRUE(resend.status.ok()) << resend.status.ToString();
  EXPECT_TRUE(resend.duplicate[0]);
  EXPECT_EQ(resend.seqs[0], 1u);
  EXPECT_EQ(o.queue->AppendSync({{"123", "B"}}).status.code(), StatusCode::kResourceExhausted);
}

TEST(DurableQueueTest, ConcurrentProducersShareCommits) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path());
  constexpr int kThreads = 16, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto out = o.queue->AppendSync({{std::string(100, 'a' + t % 26), ""}});
        if (!out.status.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(o.queue->Stats().depth, static_cast<uint64_t>(kThreads * kPerThread));
  // Group commit: far fewer fsyncs than appends.
  auto stats = o.store->Stats();
  EXPECT_EQ(stats.writes, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.commits, stats.writes);
}

TEST(DurableQueueTest, FailedCommitStoresNothingAndReportsRetryable) {
  ferry::testing::TempDir dir;
  auto options = OptionsFor(dir.path());
  std::atomic<bool> fail{false};
  options.fault_before_commit = [&] {
    return fail ? Status::Unavailable("injected: No space left on device") : Status::Ok();
  };
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok());
  auto queue = DurableQueue::Open(**store, {"out", 0});
  ASSERT_TRUE(queue.ok());
  ASSERT_TRUE((*queue)->AppendSync({{"kept", "A"}}).status.ok());
  fail = true;
  auto out = (*queue)->AppendSync({{"lost", "B"}});
  EXPECT_EQ(out.status.code(), StatusCode::kUnavailable);
  fail = false;
  EXPECT_EQ((*queue)->Stats().depth, 1u);
  // The failed key was not recorded: the retry is stored, not a duplicate.
  auto retry = (*queue)->AppendSync({{"lost", "B"}});
  ASSERT_TRUE(retry.status.ok());
  EXPECT_FALSE(retry.duplicate[0]);
  EXPECT_EQ(retry.seqs[0], 2u);
}

TEST(DurableQueueTest, ReadOnlyOpenSeesWriterData) {
  ferry::testing::TempDir dir;
  auto o = OpenQueue(dir.path());
  o.queue->AppendSync({{"visible", ""}});
  auto ro_options = OptionsFor(dir.path());
  ro_options.read_only = true;
  auto ro = Store::Open(ro_options);
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  auto q = DurableQueue::Open(**ro, {"out", 0});
  ASSERT_TRUE(q.ok());
  auto recs = (*q)->ReadAfter(0, 10, SIZE_MAX);
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].data, "visible");
}

TEST(StoreTest, RefusesUnknownFormatVersion) {
  ferry::testing::TempDir dir;
  {
    auto o = OpenQueue(dir.path());
    ASSERT_TRUE(o.store
                    ->WriteSync([&](WriteTxn& txn) {
                      MDB_val k = ToVal("format_version"), v = ToVal("99");
                      return LmdbStatus(mdb_put(txn.txn(), o.store->Db("meta"), &k, &v, 0), "put");
                    })
                    .ok());
  }
  auto reopened = Store::Open(OptionsFor(dir.path()));
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(reopened.status().message().find("format version 99"), std::string::npos);
}

}  // namespace
}  // namespace ferry::store
