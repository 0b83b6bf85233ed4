// Guarantee 4: back-pressure, not loss. When the agent's outbox reaches its
// limit, the IDoc source refuses with 503 + Retry-After (SAP keeps the IDoc
// and retries), stores nothing of the refused IDoc, and accepts it again once
// the outbox has drained. Nothing that was answered 200 is lost.

#include <gtest/gtest.h>

#include <set>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

TEST(BackpressureTest, FullOutboxAnswers503WithRetryAfterAndAcceptsAgainAfterDraining) {
  PipelineOptions options;
  options.agent_max_bytes = "64KiB";  // ~20 customer IDocs
  Pipeline p(options);
  // Broker and agent only: without a control plane nothing acknowledges, so
  // the outbox fills up.
  p.broker().Start();
  p.StartAgent();

  const std::string base = ReadFixture("debmas05_customer.xml");
  auto idoc = [&](uint64_t n) {
    std::string xml = ReplaceElement(base, "DOCNUM", Docnum(n));
    return ReplaceElement(xml, "KUNNR", "00009" + std::to_string(n % 100000));
  };

  std::set<std::string> accepted;
  uint64_t refused = 0;
  HttpResponse refusal;
  for (uint64_t n = 9100001; n < 9100001 + 200; ++n) {
    const uint64_t depth_before = p.AgentOutboxDepth();
    auto res = p.PostIdoc(idoc(n));
    if (res.status == 200) {
      accepted.insert(Docnum(n));
      ASSERT_EQ(p.AgentOutboxDepth(), depth_before + 1);
      continue;
    }
    ASSERT_EQ(res.status, 503) << "IDoc " << n << ": " << res.error << res.body;
    // The refused IDoc left nothing in the outbox.
    ASSERT_EQ(p.AgentOutboxDepth(), depth_before);
    refused = n;
    refusal = res;
    break;
  }
  ASSERT_NE(refused, 0u) << "the outbox never filled up after " << accepted.size() << " IDocs";
  ASSERT_GE(accepted.size(), 5u);                  // the limit is 64KiB, not a handful of bytes
  EXPECT_EQ(refusal.headers["retry-after"], "7");  // sources.idoc_http.retry_after: 7s
  EXPECT_NE(refusal.body.find("retry later"), std::string::npos) << refusal.body;
  EXPECT_NE(refusal.body.find("full"), std::string::npos) << refusal.body;

  // Still full: a different IDoc is refused the same way, and so is a resend.
  const uint64_t depth_full = p.AgentOutboxDepth();
  EXPECT_EQ(p.PostIdoc(idoc(refused + 1)).status, 503);
  EXPECT_EQ(p.PostIdoc(idoc(refused)).status, 503);
  EXPECT_EQ(p.AgentOutboxDepth(), depth_full);
  EXPECT_EQ(depth_full, accepted.size());

  // The control plane comes up: the outbox drains to it.
  p.StartControlPlane();
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0; }, seconds(30)))
      << "outbox depth " << p.AgentOutboxDepth();

  // SAP's retry of the refused IDoc is now accepted as new: had the 503
  // stored its dedup key, this would be "already received" and the IDoc
  // would never be delivered.
  auto retry = p.PostIdoc(idoc(refused));
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.body.find("already received"), std::string::npos) << retry.body;
  accepted.insert(Docnum(refused));

  ASSERT_TRUE(p.sink().WaitForAccepted(accepted.size(), seconds(30)))
      << "delivered " << p.sink().AcceptedCount() << " of " << accepted.size();
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0 && p.ControlPlaneQueueDepth() == 0; }, seconds(10)));
  auto deliveries = DeliveriesByDocnum(p.sink());
  std::set<std::string> delivered;
  for (const auto& [docnum, times] : deliveries) {
    delivered.insert(docnum);
    EXPECT_EQ(times.size(), 1u) << docnum << " delivered " << times.size() << " times";
  }
  // Exactly what got 200: nothing lost, and nothing refused slipped through.
  EXPECT_EQ(delivered, accepted);
}

}  // namespace
}  // namespace ferry::testing
