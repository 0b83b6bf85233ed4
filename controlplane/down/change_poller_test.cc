// The modified-since poller on a real store, against a CRM scripted in
// memory: it pages by change time (ties included), commits each change once
// however often it is listed again, keeps its watermark across a restart,
// and asks again from the same point after a failed listing.

#include "controlplane/down/change_poller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/util/clock.h"
#include "controlplane/down/down_test_fixture.h"
#include "controlplane/down/modified_since_poll_channel.h"

namespace ferry::controlplane {
namespace {

// A CRM whose records change when a test says so, and which lists them as
// the connector contract asks: changed at or after the time, oldest first,
// ties by id, from the skip-th on.
class ChangingCrm : public Connector {
 public:
  std::string_view name() const override { return "sap_sales_cloud"; }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event&) override {
    co_return DeliveryResult::Rejected("not used");
  }
  boost::asio::awaitable<ChangesList> ListChanges(const ChangesQuery& q) override {
    asked.push_back(q);
    if (fail_next > 0) {
      --fail_next;
      co_return ChangesList::Retry("HTTP 503", std::chrono::milliseconds(50));
    }
    std::vector<ChangedRecord> matching;
    for (const auto& [id, at] : records) {
      if (at >= q.since_unix_ms) matching.push_back({id, at});
    }
    std::sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) {
      return a.modified_unix_ms != b.modified_unix_ms ? a.modified_unix_ms < b.modified_unix_ms
                                                      : a.record_id < b.record_id;
    });
    std::vector<ChangedRecord> page;
    const size_t limit = std::min(q.limit, page_cap) + extra_records;
    for (size_t i = ignores_skip ? 0 : q.skip; i < matching.size() && page.size() < limit; ++i) {
      page.push_back(matching[i]);
    }
    co_return ChangesList::Listed(std::move(page));
  }
  std::map<std::string, int64_t> records;  // id -> its last change time
  std::vector<ChangesQuery> asked;
  int fail_next = 0;
  size_t page_cap = 1000;     // a tenant's own cap on a page, below what was asked
  bool ignores_skip = false;  // a CRM that answers every page from the start
  size_t extra_records = 0;   // more records than asked for
};

constexpr int64_t kStart = 1'790'000'000'000;  // 2026-09-21, before the clock

class ChangePollerTest : public testing::DownStoreTest {
 protected:
  void SetUp() override {
    PollSettings settings;
    settings.interval = std::chrono::milliseconds(100);
    settings.lookback = std::chrono::milliseconds(1000);
    settings.start_unix_ms = kStart;
    settings.page_size = 3;
    settings.objects.push_back({"salesQuotes", "progressStatus eq 'WON'", "sales-quote-service/salesQuotes"});
    ConfiguredChannel channel;
    channel.options = {"quotes", "modified_since_poll", "sap_sales_cloud", {{"sap", "S4P"}}};
    channel.channel = std::make_shared<ModifiedSincePollChannel>(settings);
    Open(std::move(channel));
    StartPoller();
  }
  void TearDown() override {
    StopPoller();
    DownStoreTest::TearDown();
  }

  void StartPoller() {
    poller_ = std::make_shared<ChangePoller>(
        io_.get_executor(), *store_, inbound_,
        [this](const std::string& crm) -> Connector* { return crm == "sap_sales_cloud" ? &crm_ : nullptr; }, commands_);
    poller_->Start();
  }
  void StopPoller() {
    poller_->Stop();
    for (int i = 0; i < 20; ++i) Run();
    store_->Drain();
  }
  // The queued commands' "<record id>" in queue order.
  std::vector<std::string> QueuedIds() {
    std::vector<std::string> out;
    for (const ferry::v1::DownCommand& c : Queued()) {
      EXPECT_TRUE(c.read_first()) << "a listed change is read whole before it goes down";
      EXPECT_EQ(c.object(), "salesQuotes");
      EXPECT_EQ(c.channel(), "quotes");
      out.push_back(c.record_id());
    }
    return out;
  }
  size_t Passes() { return poller_->Stats()["quotes/salesQuotes"].passes_total; }

  ChangingCrm crm_;
  std::shared_ptr<ChangePoller> poller_;
};

TEST_F(ChangePollerTest, EachChangeGoesDownOnceInChangeOrderAcrossPagesWithTies) {
  // Seven changes, four of them at one instant: pages of three must not
  // lose or repeat any of them.
  crm_.records = {{"q1", kStart + 10}, {"q2", kStart + 20}, {"q3", kStart + 20},  {"q4", kStart + 20},
                  {"q5", kStart + 20}, {"q6", kStart + 30}, {"q0", kStart - 5000}};
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() >= 6 && Passes() >= 3; }));
  EXPECT_EQ(QueuedIds(), (std::vector<std::string>{"q1", "q2", "q3", "q4", "q5", "q6"}))
      << "q0 changed before the start; the others once each, oldest first";
  EXPECT_EQ(poller_->Watermark("quotes", "salesQuotes"), kStart + 30);
  EXPECT_EQ(crm_.asked.front().filter, "progressStatus eq 'WON'");
  EXPECT_EQ(crm_.asked.front().since_unix_ms, kStart - 1000) << "the first pass looks back too";

  // A later change of q2 is a new command; a change stamped before the
  // watermark but within the lookback (a late commit) is found too.
  crm_.records["q2"] = kStart + 40;
  crm_.records["q7"] = kStart + 25;
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() >= 8; }));
  const std::vector<std::string> queued = QueuedIds();
  EXPECT_EQ(std::vector<std::string>(queued.begin() + 6, queued.end()), (std::vector<std::string>{"q7", "q2"}));
  const size_t passes = Passes();
  ASSERT_TRUE(RunUntil([&] { return Passes() >= passes + 3; }));
  EXPECT_EQ(QueuedIds().size(), 8u) << "listed again within the lookback, nothing is committed twice";
  EXPECT_EQ(poller_->Stats()["quotes/salesQuotes"].committed_total, 8u);
}

TEST_F(ChangePollerTest, ATenantThatAnswersShorterPagesThanAskedIsPagedToTheEnd) {
  // The page size is 3; this tenant answers 2 at most. A short page is no
  // end: all five changes go down in the first pass.
  crm_.page_cap = 2;
  crm_.records = {
      {"q1", kStart + 10}, {"q2", kStart + 11}, {"q3", kStart + 12}, {"q4", kStart + 13}, {"q5", kStart + 14}};
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() == 5; }));
  EXPECT_EQ(poller_->Watermark("quotes", "salesQuotes"), kStart + 14);
}

TEST_F(ChangePollerTest, AChangeDatedFarAheadDoesNotHideLaterOnes) {
  const int64_t now = NowUnixMs();
  crm_.records = {{"q1", now}, {"far", 253402300799000}};  // 9999-12-31T23:59:59Z
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() == 2; }));
  const int64_t watermark = poller_->Watermark("quotes", "salesQuotes").value_or(0);
  EXPECT_LE(watermark, NowUnixMs()) << "moved to the clock at most";
  crm_.records["q2"] = NowUnixMs();
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() == 3; }));
  EXPECT_EQ(QueuedIds().back(), "q2");
}

TEST_F(ChangePollerTest, ACrmThatIgnoresSkipOrListsTooMuchDoesNotSpinOrFlood) {
  crm_.ignores_skip = true;
  crm_.records = {{"q1", kStart + 10}, {"q2", kStart + 10}, {"q3", kStart + 10}, {"q4", kStart + 10}};
  ASSERT_TRUE(RunUntil([&] { return Passes() >= 3; }));
  EXPECT_EQ(QueuedIds(), (std::vector<std::string>{"q1", "q2", "q3"})) << "what it lists goes down, once";
  EXPECT_LT(crm_.asked.size(), 20u) << "a page that does not move on ends the pass";

  StopPoller();
  crm_.ignores_skip = false;
  crm_.extra_records = 1;  // four for a page of three
  StartPoller();
  ASSERT_TRUE(RunUntil([&] { return poller_->Stats()["quotes/salesQuotes"].failures_total >= 2; }));
  EXPECT_EQ(QueuedIds().size(), 3u) << "an oversized page is not taken";
}

TEST_F(ChangePollerTest, ARestartAsksFromTheWatermarkAndCommitsNothingTwice) {
  crm_.records = {{"q1", kStart + 10}, {"q2", kStart + 20}};
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() == 2; }));
  StopPoller();
  crm_.asked.clear();
  crm_.records["q3"] = kStart + 30;
  StartPoller();
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() == 3 && Passes() >= 2; }));
  EXPECT_EQ(QueuedIds(), (std::vector<std::string>{"q1", "q2", "q3"}));
  ASSERT_FALSE(crm_.asked.empty());
  EXPECT_EQ(crm_.asked.front().since_unix_ms, kStart + 20 - 1000) << "from the stored watermark, less the lookback";
}

TEST_F(ChangePollerTest, AFailedListingIsAskedAgainFromTheSamePoint) {
  crm_.fail_next = 2;
  crm_.records = {{"q1", kStart + 10}};
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() == 1; }));
  ASSERT_GE(crm_.asked.size(), 3u);
  EXPECT_EQ(crm_.asked[0].since_unix_ms, crm_.asked[2].since_unix_ms);
  EXPECT_EQ(poller_->Stats()["quotes/salesQuotes"].failures_total, 2u);
  EXPECT_EQ(poller_->Watermark("quotes", "salesQuotes"), kStart + 10);
}

TEST_F(ChangePollerTest, AWatermarkThatCannotBeReadIsNotTakenForAFirstPass) {
  crm_.records = {{"q1", kStart + 10}};
  ASSERT_TRUE(RunUntil([&] { return QueuedIds().size() == 1; }));
  StopPoller();
  // A damaged value: starting again from `start` or now would skip or
  // repeat changes, so the pass fails and lists nothing.
  ASSERT_TRUE(store_
                  ->WriteSync([&](store::WriteTxn& txn) {
                    const std::string key = "quotes/salesQuotes", value = "bad";
                    MDB_val k = store::ToVal(key), v = store::ToVal(value);
                    return store::LmdbStatus(mdb_put(txn.txn(), store_->Db(PollWatermarks::kDb), &k, &v, 0), "put");
                  })
                  .ok());
  crm_.asked.clear();
  crm_.records["q2"] = kStart + 20;
  StartPoller();
  ASSERT_TRUE(RunUntil([&] { return poller_->Stats()["quotes/salesQuotes"].failures_total >= 2; }));
  EXPECT_TRUE(crm_.asked.empty());
  EXPECT_EQ(QueuedIds().size(), 1u);
  EXPECT_FALSE(poller_->Watermark("quotes", "salesQuotes").has_value());
}

TEST_F(ChangePollerTest, TheFirstPassStoresItsStartSoChangesBeforeItsFirstAnswerAreNotLost) {
  crm_.fail_next = 1000;  // the CRM is down from the start
  ASSERT_TRUE(RunUntil([&] { return crm_.asked.size() >= 2; }));
  EXPECT_EQ(poller_->Watermark("quotes", "salesQuotes"), kStart);
}

}  // namespace
}  // namespace ferry::controlplane
