// A Salesforce Flow's HTTP callout at the inbound listener: the JSON body
// the flow's action sends, what proves it comes from the org, and what is
// refused before anything is committed.

#include "controlplane/down/salesforce_flow_callout_channel.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace ferry::controlplane {
namespace {

constexpr const char* kOrg = "00D000000000001AAA";
constexpr const char* kToken = "flow-callout-token-0123456789abcdef";

std::string Body(const std::string& record_id = "0065g00000FERRYAAA",
                 const std::string& changed_at = "2026-12-07T05:00:00.000Z", const std::string& org = kOrg,
                 const std::string& object = "Opportunity") {
  return R"({"organizationId":")" + org + R"(","object":")" + object + R"(","recordId":")" + record_id +
         R"(","changedAt":")" + changed_at + R"(","stage":"Closed Won"})";
}

class FlowCalloutChannelTest : public ::testing::Test {
 protected:
  FlowCalloutChannelTest() { ferry::testing::WriteFile(token_, std::string(kToken) + "\n"); }

  SalesforceFlowCalloutChannel Channel() const {
    SalesforceChannelSettings s;
    s.organization_id = "00D000000000001";
    s.token_file = token_;
    s.read = {{"Opportunity", "SELECT Id, StageName FROM Opportunity"}};
    return SalesforceFlowCalloutChannel(std::move(s));
  }
  static http::Request Request(const std::string& body,
                               const std::string& authorization = std::string("Bearer ") + kToken) {
    http::Request req{http::beast_http::verb::post, "/inbound/v1/sf-flow", 11};
    req.set(http::beast_http::field::content_type, "application/json");
    if (!authorization.empty()) req.set(http::beast_http::field::authorization, authorization);
    req.body() = body;
    return req;
  }
  std::string Refusal(const http::Request& req) const {
    auto read = Channel().Read(req, 0);
    return read.ok() ? std::string("taken") : std::string(read.status().message());
  }

  ferry::testing::TempDir dir_;
  std::filesystem::path token_ = dir_.path() / "token";
};

TEST_F(FlowCalloutChannelTest, ACalloutNamesOneRecordReadWholeAndCommittedOncePerChange) {
  auto read = Channel().Read(Request(Body()), 0);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].object, "Opportunity");
  EXPECT_EQ(read->records[0].record_id, "0065g00000FERRYAAA");
  EXPECT_EQ(read->records[0].record_json, R"({"Id":"0065g00000FERRYAAA"})") << "the rest comes from the read";
  EXPECT_TRUE(read->read_first);
  EXPECT_EQ(Channel().ReadQuery("Opportunity"), "SELECT Id, StageName FROM Opportunity");

  // Retried by Salesforce, the same change has the same delivery id; a
  // later change of the record, or another record, has its own.
  auto again = Channel().Read(Request(Body()), 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->delivery_id, read->delivery_id);
  auto later = Channel().Read(Request(Body("0065g00000FERRYAAA", "2026-12-07T06:00:00.000Z")), 0);
  ASSERT_TRUE(later.ok());
  EXPECT_NE(later->delivery_id, read->delivery_id);
  auto other = Channel().Read(Request(Body("0065g00000FERRYBAA")), 0);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->delivery_id, read->delivery_id);

  const http::Response answer = Channel().Accepted(Request(Body()), {"c1"});
  EXPECT_EQ(answer.result_int(), 202);
  EXPECT_NE(answer.body().find("\"c1\""), std::string::npos);
}

TEST_F(FlowCalloutChannelTest, OnlyTheNamedCredentialsTokenAndTheOrgProveTheSender) {
  EXPECT_EQ(Channel().Read(Request(Body(), ""), 0).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Channel().Read(Request(Body(), "Bearer wrong"), 0).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Channel().Read(Request(Body(), std::string("Basic ") + kToken), 0).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(Channel().Read(Request(Body(), std::string("Bearer ") + kToken + "x"), 0).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_TRUE(Channel().Read(Request(Body(), std::string("bearer ") + kToken), 0).ok());
  EXPECT_EQ(Channel().Read(Request(Body("0065g00000FERRYAAA", "t", "00D000000000002AAA")), 0).status().code(),
            StatusCode::kUnauthenticated)
      << "another org's callout with a leaked token";
  EXPECT_TRUE(Channel().Read(Request(Body("0065g00000FERRYAAA", "t", "00D000000000001")), 0).ok())
      << "the 15-character org id is the same org";

  std::filesystem::remove(token_);
  EXPECT_EQ(Channel().Read(Request(Body()), 0).status().code(), StatusCode::kUnavailable)
      << "the operator's mistake: Salesforce retries";
}

TEST_F(FlowCalloutChannelTest, WhatIsNotOneRecordOfAnObjectItReadsIsRefusedWithTheReason) {
  EXPECT_NE(Refusal(Request(Body("0065g00000FERRYAAA", "t", kOrg, "Account"))).find("the channel reads no Account"),
            std::string::npos);
  EXPECT_NE(Refusal(Request(Body("../sobjects/Account"))).find("recordId must be a record id"), std::string::npos);
  EXPECT_NE(Refusal(Request(Body("0065g00000FERRYAAA", "t", kOrg, "Opp'ty"))).find("API name"), std::string::npos);
  EXPECT_NE(Refusal(Request(Body("0065g00000FERRYAAA", "line\\nbreak"))).find("changedAt"), std::string::npos);
  EXPECT_NE(Refusal(Request(Body("0065g00000FERRYAAA", std::string(65, '9')))).find("changedAt"), std::string::npos);
  EXPECT_NE(Refusal(Request(R"({"organizationId":"00D000000000001AAA","object":"Opportunity"})"))
                .find("the body needs \"recordId\""),
            std::string::npos);
  EXPECT_NE(Refusal(Request(R"({"organizationId":"00D000000000001AAA","object":"Opportunity","recordId":7})"))
                .find("the body needs \"recordId\", a string"),
            std::string::npos);
  EXPECT_NE(Refusal(Request("[1]")).find("JSON object"), std::string::npos);
  EXPECT_NE(Refusal(Request("{\"object\":\"Opp\xff\"}")).find("UTF-8"), std::string::npos);
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  EXPECT_NE(Refusal(Request(deep)).find("not JSON"), std::string::npos);
}

}  // namespace
}  // namespace ferry::controlplane
