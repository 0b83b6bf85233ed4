#include "agent/history/event_history.h"

#include <gtest/gtest.h>

#include <random>

#include "common/util/clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"
#include "tests/support/wait.h"

namespace ferry::agent {
namespace {

class EventHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), testing::QueueDatabases({"outbox"}, {EventHistory::kDb}),
                                    {.map_size_bytes = 256ull << 20});
    ASSERT_TRUE(store_);
    outbox_ = std::move(store::DurableQueue::Open(*store_, {"outbox", 0}).value());
    history_ = std::make_unique<EventHistory>(*store_, *outbox_);
  }

  // `n` entries that left just now, with payloads that do not compress.
  void Fill(uint64_t n) {
    std::mt19937 rng(3);
    Status s = store_->WriteSync([&](store::WriteTxn& txn) {
      for (uint64_t seq = 1; seq <= n; ++seq) {
        ferry::v1::HistoryEntry entry;
        std::string payload(2000, '\0');
        for (char& c : payload) c = static_cast<char>(rng());
        entry.mutable_event()->set_payload(payload);
        entry.set_left_unix_ms(NowUnixMs());
        const std::string key = EventHistory::Key(seq), value = EventHistory::Encode(entry);
        MDB_val k = store::ToVal(key), v = store::ToVal(value);
        if (int rc = mdb_put(txn.txn(), store_->Db(EventHistory::kDb), &k, &v, 0)) return store::LmdbStatus(rc, "put");
      }
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  uint64_t Bytes() {
    store::ReadTxn read = store_->BeginRead();
    return EventHistory::BytesInTxn(read.txn(), store_->Db(EventHistory::kDb));
  }
  uint64_t FirstSeq() {
    store::ReadTxn read = store_->BeginRead();
    MDB_cursor* cur = nullptr;
    mdb_cursor_open(read.txn(), store_->Db(EventHistory::kDb), &cur);
    MDB_val k, v;
    const int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    mdb_cursor_close(cur);
    return rc == MDB_SUCCESS ? store::DecodeU64Key(store::FromVal(k)) : 0;
  }

  ferry::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::DurableQueue> outbox_;
  std::unique_ptr<EventHistory> history_;
};

TEST_F(EventHistoryTest, TheByteCapPrunesTheOldestFirstInBoundedRounds) {
  Fill(6000);  // about 13 MB, none of it old enough for the retention
  const uint64_t before = Bytes();
  ASSERT_GT(before, 10u << 20);
  history_->Prune(NowUnixMs() - 3600000, 2u << 20);
  // Several rounds of at most 2,000 deletions each.
  ASSERT_TRUE(ferry::testing::WaitUntil([&] { return Bytes() <= (2u << 20) + (64u << 10); }, std::chrono::seconds(20)))
      << Bytes();
  EXPECT_GT(Bytes(), 1u << 20) << "pruned far past the cap";
  EXPECT_GT(FirstSeq(), 4000u) << "the newest entries are the ones kept";
}

TEST_F(EventHistoryTest, WithinTheCapOnlyTheRetentionPrunes) {
  Fill(100);
  const uint64_t before = Bytes();
  history_->Prune(NowUnixMs() - 3600000, 64u << 20);
  store_->WriteSync([](store::WriteTxn&) { return Status::Ok(); });  // after the prune's commit
  EXPECT_EQ(Bytes(), before);
  EXPECT_EQ(FirstSeq(), 1u);
  history_->Prune(NowUnixMs() + 1000, 64u << 20);  // everything left before the cutoff
  store_->WriteSync([](store::WriteTxn&) { return Status::Ok(); });
  EXPECT_EQ(FirstSeq(), 0u);
}

}  // namespace
}  // namespace ferry::agent
