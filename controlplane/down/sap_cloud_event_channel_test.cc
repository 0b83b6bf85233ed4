// SAP Sales and Service Cloud V2 events at the inbound listener: the
// CloudEvent the tenant POSTs, what proves it comes from the tenant, which
// entity it names, and what is refused before anything is committed.

#include "controlplane/down/sap_cloud_event_channel.h"

#include <gtest/gtest.h>

#include "common/http/basic_auth.h"
#include "tests/support/temp_dir.h"

namespace ferry::controlplane {
namespace {

constexpr const char* kQuote = "6f1c7a9e-3b2d-4e5f-8a9b-0c1d2e3f4a5b";
constexpr const char* kPassword = "v2-events-password-0123";

// An event as the tenant sends it: CloudEvents 0.2 with the 1.0 names.
std::string Event(const std::string& type = "sap.crm.custom.event.quoteWon", const std::string& subject = kQuote,
                  const std::string& image_id = kQuote,
                  const std::string& id = "a6c1e0f2-0d4b-4a57-9b1e-5f2a3c4d5e6f") {
  std::string data =
      R"({"currentImage":{)" + (image_id.empty() ? "" : R"("id":")" + image_id + R"(",)") +
      R"("displayId":"5012","progressStatus":"WON","adminData":{"updatedOn":"2026-12-07T05:00:00.123Z"}},)"
      R"("beforeImage":{"progressStatus":"IN_PROCESS"},"dataContext":{"requestedByUser":"jdoe"}})";
  return R"({"id":")" + id + R"(","specversion":"0.2","type":")" + type +
         R"(","source":"tenant-my123456","time":"2026-12-07T05:00:00.200Z","datacontenttype":"application/json",)" +
         (subject.empty() ? "" : R"("subject":")" + subject + R"(",)") + R"("data":)" + data + "}";
}

class SapCloudEventChannelTest : public ::testing::Test {
 protected:
  SapCloudEventChannelTest() { ferry::testing::WriteFile(password_, std::string(kPassword) + "\n"); }

  SapCloudEventChannel Channel() const {
    SapCloudEventChannel::Settings s;
    s.user = "ferry-events";
    s.password_file = password_;
    s.objects = {{"salesQuotes", {"sap.crm.custom.event.quoteWon"}, "sales-quote-service/salesQuotes"},
                 {"cases",
                  {"sap.crm.caseservice.entity.case.updated", "sap.crm.custom.event.caseMarked"},
                  "case-service/cases"}};
    return SapCloudEventChannel(std::move(s));
  }
  static http::Request Request(const std::string& body, const std::string& user = "ferry-events",
                               const std::string& password = kPassword) {
    http::Request req{http::beast_http::verb::post, "/inbound/v1/sap-cloud-v2", 11};
    req.set(http::beast_http::field::content_type, "application/json");
    if (!user.empty()) req.set(http::beast_http::field::authorization, http::BasicAuthorization(user, password));
    req.body() = body;
    return req;
  }
  std::string Refusal(const http::Request& req) const {
    auto read = Channel().Read(req, 0);
    return read.ok() ? std::string("taken") : std::string(read.status().message());
  }

  ferry::testing::TempDir dir_;
  std::filesystem::path password_ = dir_.path() / "password";
};

TEST_F(SapCloudEventChannelTest, AnEventNamesItsEntityWhichIsReadWholeAndCommittedOncePerEvent) {
  auto read = Channel().Read(Request(Event()), 0);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].object, "salesQuotes") << "the object whose types list the event's";
  EXPECT_EQ(read->records[0].record_id, kQuote);
  EXPECT_EQ(read->records[0].record_json, std::string(R"({"id":")") + kQuote + "\"}")
      << "only the id: the image is what one save changed";
  EXPECT_TRUE(read->read_first);
  EXPECT_EQ(Channel().ReadQuery("salesQuotes"), "sales-quote-service/salesQuotes");
  EXPECT_EQ(Channel().ReadQuery("cases"), "case-service/cases");

  // Sent again, the same event has the same delivery id; another event of
  // the same entity, or the same id from another tenant, has its own.
  auto again = Channel().Read(Request(Event()), 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->delivery_id, read->delivery_id);
  EXPECT_EQ(read->delivery_id.rfind("v2:", 0), 0u);
  auto next = Channel().Read(Request(Event("sap.crm.custom.event.quoteWon", kQuote, kQuote, "another-event")), 0);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next->delivery_id, read->delivery_id);
  std::string elsewhere = Event();
  elsewhere.replace(elsewhere.find("tenant-my123456"), 15, "tenant-my654321");
  auto other_tenant = Channel().Read(Request(elsewhere), 0);
  ASSERT_TRUE(other_tenant.ok());
  EXPECT_NE(other_tenant->delivery_id, read->delivery_id);

  // Without a subject the image's id names the entity; CloudEvents 1.0 and
  // the binary mode are taken too.
  auto no_subject = Channel().Read(Request(Event("sap.crm.caseservice.entity.case.updated", "")), 0);
  ASSERT_TRUE(no_subject.ok()) << no_subject.status().message();
  EXPECT_EQ(no_subject->records[0].object, "cases");
  EXPECT_EQ(no_subject->records[0].record_id, kQuote);
  std::string v1 = Event();
  v1.replace(v1.find("\"0.2\""), 5, "\"1.0\"");
  EXPECT_TRUE(Channel().Read(Request(v1), 0).ok());
  http::Request binary = Request(R"({"currentImage":{"id":")" + std::string(kQuote) + "\"}}");
  binary.set("ce-id", "b1");
  binary.set("ce-source", "tenant-my123456");
  binary.set("ce-type", "sap.crm.custom.event.caseMarked");
  binary.set("ce-specversion", "1.0");
  auto binary_read = Channel().Read(binary, 0);
  ASSERT_TRUE(binary_read.ok()) << binary_read.status().message();
  EXPECT_EQ(binary_read->records[0].object, "cases");
}

TEST_F(SapCloudEventChannelTest, OnlyTheCommunicationSystemsUserAndPasswordProveTheTenant) {
  EXPECT_EQ(Channel().Read(Request(Event(), "ferry-events", "wrong"), 0).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Channel().Read(Request(Event(), "someone", kPassword), 0).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(Channel().Read(Request(Event(), ""), 0).status().code(), StatusCode::kUnauthenticated);
  http::Request bearer = Request(Event(), "");
  bearer.set(http::beast_http::field::authorization, "Bearer " + std::string(kPassword));
  EXPECT_EQ(Channel().Read(bearer, 0).status().code(), StatusCode::kUnauthenticated);
  http::Request lower = Request(Event(), "");
  lower.set(http::beast_http::field::authorization,
            "basic " + http::BasicAuthorization("ferry-events", kPassword).substr(6));
  EXPECT_TRUE(Channel().Read(lower, 0).ok()) << "the scheme is case-insensitive";

  // A password the control plane cannot read is its operator's mistake:
  // 503, so the tenant sends the event again.
  std::filesystem::remove(password_);
  EXPECT_EQ(Channel().Read(Request(Event()), 0).status().code(), StatusCode::kUnavailable);
}

TEST_F(SapCloudEventChannelTest, WhatNamesNoEntityTheChannelTakesIsRefusedWithTheReason) {
  EXPECT_NE(Refusal(Request(Event("sap.crm.custom.event.accountChanged")))
                .find("the event type 'sap.crm.custom.event.accountChanged' is not one the channel takes"),
            std::string::npos);
  EXPECT_NE(Refusal(Request(Event("sap.crm.custom.event.quoteWon", kQuote, "0a0a0a0a-0000-4000-8000-000000000000")))
                .find("name different entities"),
            std::string::npos);
  EXPECT_NE(Refusal(Request(Event("sap.crm.custom.event.quoteWon", "", ""))).find("names no entity"),
            std::string::npos);
  EXPECT_NE(Refusal(Request(Event("sap.crm.custom.event.quoteWon", "../../accounts", ""))).find("not a V2 id"),
            std::string::npos);
  std::string old = Event();
  old.replace(old.find("\"0.2\""), 5, "\"0.1\"");
  EXPECT_NE(Refusal(Request(old)).find("specversion '0.1' is not 0.2 or 0.3 or 1.0"), std::string::npos);
  EXPECT_NE(Refusal(Request("{\"id\":")).find("not JSON"), std::string::npos);
  EXPECT_NE(Refusal(Request(R"({"specversion":"0.2","type":"sap.crm.custom.event.quoteWon","source":"t","data":{}})"))
                .find("no 'id' attribute"),
            std::string::npos);
  http::Request xml = Request(Event());
  xml.set(http::beast_http::field::content_type, "text/xml");
  EXPECT_NE(Refusal(xml).find("unsupported Content-Type"), std::string::npos);
}

}  // namespace
}  // namespace ferry::controlplane
