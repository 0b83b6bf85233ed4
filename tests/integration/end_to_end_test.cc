// Guarantee 1 and 3 on the happy path: IDocs posted to the agent arrive at the
// webhook exactly as sent, once each, in per-key order.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

std::vector<json> ReceivedEvents(WebhookSink& sink) {
  std::vector<json> out;
  for (const auto& r : sink.Requests()) {
    if (r.status_sent >= 200 && r.status_sent < 300) out.push_back(json::parse(r.body));
  }
  return out;
}

TEST(EndToEndTest, MixedIdocsArriveByteIdenticalOncePerIdoc) {
  Pipeline p;
  p.StartAll();
  // Single IDocs of several types: their payload must come out byte for byte.
  std::map<std::string, std::string> sent_by_docnum;
  for (const char* name : {"debmas05_customer.xml", "matmas05_material.xml", "orders05_order.xml",
                           "invoic02_invoice.xml", "cond_a03_price.xml", "delvry07_despatch.xml"}) {
    std::string xml = ReadFixture(name);
    auto res = p.PostIdoc(xml, "application/x-sap.idoc; charset=utf-8");
    ASSERT_EQ(res.status, 200) << name << ": " << res.body;
    std::string docnum = xml.substr(xml.find("<DOCNUM>") + 8, 16);
    sent_by_docnum[docnum] = xml;
  }
  // A packet of three IDocs and a Latin-1 document.
  auto packet = p.PostIdoc(ReadFixture("debmas_packet_3.xml"));
  ASSERT_EQ(packet.status, 200) << packet.body;
  auto latin1 = p.PostIdoc(ReadFixture("debmas05_latin1.xml"), "text/xml; charset=ISO-8859-1");
  ASSERT_EQ(latin1.status, 200) << latin1.body;
  // A resend of an IDoc already accepted (SAP after status 02): 200, not stored twice.
  auto resend = p.PostIdoc(ReadFixture("debmas05_customer.xml"));
  ASSERT_EQ(resend.status, 200);
  EXPECT_NE(resend.body.find("already received"), std::string::npos) << resend.body;

  const size_t expected = 6 + 3 + 1;
  ASSERT_TRUE(p.sink().WaitForAccepted(expected, seconds(30))) << "received " << p.sink().Count();
  ASSERT_TRUE(WaitUntil([&] { return p.AgentOutboxDepth() == 0 && p.ControlPlaneQueueDepth() == 0; }, seconds(10)));
  auto events = ReceivedEvents(p.sink());
  ASSERT_EQ(events.size(), expected);  // nothing twice

  std::set<std::string> docnums;
  for (const auto& e : events) {
    std::string docnum = e["idoc"]["docnum"];
    EXPECT_TRUE(docnums.insert(docnum).second) << "delivered twice: " << docnum;
    EXPECT_EQ(e["agent_id"], "plant-01");
    EXPECT_FALSE(e["event_id"].get<std::string>().empty());
    auto single = sent_by_docnum.find(docnum);
    if (single != sent_by_docnum.end()) {
      EXPECT_EQ(e["payload"].get<std::string>(), single->second) << "payload of " << docnum << " changed";
    }
  }
  // The packet was split into three standalone IDocs with their own numbers.
  for (const char* d : {"0000000000410011", "0000000000410012", "0000000000410013"}) {
    EXPECT_TRUE(docnums.count(d)) << d;
  }
  // Latin-1 arrived as correct UTF-8.
  for (const auto& e : events) {
    if (e["idoc"]["docnum"] == "0000000000410021") {
      std::string payload = e["payload"];
      EXPECT_NE(payload.find("M\xc3\xbcller B\xc3\xa4"
                             "ckerei"),
                std::string::npos);
      EXPECT_NE(payload.find("K\xc3\xb6ln"), std::string::npos);
      EXPECT_NE(payload.find("encoding=\"UTF-8\""), std::string::npos);
    }
  }
}

TEST(EndToEndTest, SameCustomerChangesArriveInOrderWhileOthersInterleave) {
  PipelineOptions options;
  options.delivery_concurrency = 16;
  Pipeline p(options);
  // A slow, jittery receiver makes any reordering visible.
  p.sink().SetResponder([](const ReceivedRequest& r) {
    SinkResponse res;
    res.delay = std::chrono::milliseconds(r.body.size() % 7);
    return res;
  });
  p.StartAll();
  const std::string base = ReadFixture("debmas05_customer_change.xml");
  const int kCustomers = 4, kChanges = 15;
  uint64_t docnum = 7000000;
  for (int change = 0; change < kChanges; ++change) {
    for (int c = 0; c < kCustomers; ++c) {
      std::string xml = ReplaceElement(base, "DOCNUM", Docnum(++docnum));
      xml = ReplaceElement(xml, "KUNNR", "00002000" + std::to_string(c));
      xml = ReplaceElement(xml, "NAME1", "Change " + std::to_string(change));
      ASSERT_EQ(p.PostIdoc(xml).status, 200);
    }
  }
  ASSERT_TRUE(p.sink().WaitForAccepted(kCustomers * kChanges, seconds(60)));
  std::map<std::string, std::vector<std::string>> by_key;
  for (const auto& e : ReceivedEvents(p.sink())) {
    by_key[e["business_key"]].push_back(e["idoc"]["docnum"]);
  }
  ASSERT_EQ(by_key.size(), static_cast<size_t>(kCustomers));
  for (const auto& [key, docnums] : by_key) {
    ASSERT_EQ(docnums.size(), static_cast<size_t>(kChanges)) << key;
    EXPECT_TRUE(std::is_sorted(docnums.begin(), docnums.end())) << "order broken for " << key;
  }
}

}  // namespace
}  // namespace ferry::testing
