#include "controlplane/console/audit_log.h"

#include <gtest/gtest.h>

#include "common/util/clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), {AuditLog::kDb});
    ASSERT_TRUE(store_);
    audit_ = std::make_unique<AuditLog>(*store_);
  }
  void Add(const std::string& user, const std::string& action) {
    ferry::v1::AuditEntry e;
    e.set_user(user);
    e.set_action(action);
    ASSERT_TRUE(store_->WriteSync([&](store::WriteTxn& txn) { return audit_->Append(txn.txn(), e); }).ok());
  }
  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AuditLog> audit_;
};

TEST_F(AuditLogTest, EntriesAreNumberedAndPagedNewestFirst) {
  for (int i = 1; i <= 5; ++i) Add(i % 2 ? "ada" : "otto", "action-" + std::to_string(i));
  auto first = audit_->List(0, 2, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->entries.size(), 2u);
  EXPECT_EQ(first->entries[0].sequence(), 5u);
  EXPECT_EQ(first->entries[1].action(), "action-4");
  EXPECT_GT(first->entries[0].unix_ms(), 0);
  auto second = audit_->List(first->next_before, 2, "");
  ASSERT_EQ(second->entries.size(), 2u);
  EXPECT_EQ(second->entries[0].sequence(), 3u);
  auto last = audit_->List(second->next_before, 2, "");
  ASSERT_EQ(last->entries.size(), 1u);
  EXPECT_EQ(last->entries[0].sequence(), 1u);
  EXPECT_EQ(last->next_before, 0u);

  auto ada = audit_->List(0, 10, "ada");
  ASSERT_EQ(ada->entries.size(), 3u);
  EXPECT_EQ(ada->entries[2].action(), "action-1");
  EXPECT_EQ(audit_->List(0, 100000, "")->entries.size(), 5u);  // the limit is capped, not refused
}

TEST_F(AuditLogTest, PruningDropsOnlyEntriesOlderThanTheCutoff) {
  Add("ada", "old");
  Add("ada", "older?");
  const int64_t cutoff = NowUnixMs() + 1;
  audit_->Prune(cutoff);
  ASSERT_TRUE(store_->WriteSync([](store::WriteTxn&) { return Status::Ok(); }).ok());  // after the prune
  EXPECT_TRUE(audit_->List(0, 10, "")->entries.empty());
  Add("ada", "new");
  audit_->Prune(cutoff - 60'000);
  ASSERT_TRUE(store_->WriteSync([](store::WriteTxn&) { return Status::Ok(); }).ok());
  ASSERT_EQ(audit_->List(0, 10, "")->entries.size(), 1u);
  EXPECT_EQ(audit_->List(0, 10, "")->entries[0].sequence(), 3u);  // numbers are never reused
}

}  // namespace
}  // namespace ferry::controlplane
