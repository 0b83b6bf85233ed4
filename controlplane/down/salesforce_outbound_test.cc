// Salesforce Outbound Messages at the inbound listener: the SOAP message
// as Salesforce sends it, what proves it comes from the org, and what is
// refused before anything is committed.

#include <gtest/gtest.h>

#include "common/crypto/x509.h"

#include "controlplane/down/outbound_message.h"
#include "controlplane/down/salesforce_outbound_channel.h"
#include "tests/support/temp_dir.h"

namespace ferry::controlplane {
namespace {

constexpr const char* kOrg = "00D000000000001AAA";

std::string Notification(const std::string& id, const std::string& record_id, const std::string& fields) {
  return "<Notification><Id>" + id +
         "</Id><sObject xsi:type=\"sf:Opportunity\" "
         "xmlns:sf=\"urn:sobject.enterprise.soap.sforce.com\"><sf:Id>" +
         record_id + "</sf:Id>" + fields + "</sObject></Notification>";
}

std::string Message(const std::string& notifications, const std::string& org = kOrg) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>)" +
         org + R"(</OrganizationId>
   <ActionId>04k000000000001AAA</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://example.my.salesforce.com/services/Soap/c/62.0/00D000000000001</EnterpriseUrl>
   <PartnerUrl>https://example.my.salesforce.com/services/Soap/u/62.0/00D000000000001</PartnerUrl>
)" + notifications +
         R"(
  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
)";
}

TEST(OutboundMessageTest, EachNotificationBecomesARecordWithItsFieldsAsText) {
  const std::string body =
      Message(Notification("04l000000000001AAA", "0065g00000FERRYAAA",
                           "<sf:StageName>Closed Won</sf:StageName><sf:Amount>4810.10</sf:Amount>"
                           "<sf:Name>Pumps &amp; valves</sf:Name><sf:NextStep xsi:nil=\"true\"/>") +
              Notification("04l000000000002AAA", "0065g00000FERRYBAA", ""));
  auto message = ParseOutboundMessage(body);
  ASSERT_TRUE(message.ok()) << message.status().message();
  EXPECT_EQ(message->organization_id, kOrg);
  ASSERT_EQ(message->notifications.size(), 2u);
  const OutboundNotification& first = message->notifications[0];
  EXPECT_EQ(first.id, "04l000000000001AAA");
  EXPECT_EQ(first.object, "Opportunity");
  EXPECT_EQ(first.record_id, "0065g00000FERRYAAA");
  EXPECT_EQ(first.fields_json,
            R"({"Id":"0065g00000FERRYAAA","StageName":"Closed Won","Amount":"4810.10","Name":"Pumps & valves",)"
            R"("NextStep":null})");
  EXPECT_EQ(message->notifications[1].record_id, "0065g00000FERRYBAA");
}

TEST(OutboundMessageTest, WhatIsNotAnOutboundMessageIsRefusedWithTheReason) {
  auto refused = [](const std::string& body) {
    auto m = ParseOutboundMessage(body);
    return m.ok() ? std::string() : std::string(m.status().message());
  };
  const std::string one = Notification("04l000000000001AAA", "0065g00000FERRYAAA", "");
  EXPECT_NE(refused("").find("empty"), std::string::npos);
  EXPECT_NE(refused("<a/>").find("SOAP 1.1 Envelope"), std::string::npos);
  // The envelope in another namespace, and the call in another.
  std::string other = Message(one);
  const std::string soap = "http://schemas.xmlsoap.org/soap/envelope/";
  other.replace(other.find(soap), soap.size(), "urn:not-soap");
  EXPECT_NE(refused(other).find("SOAP 1.1 Envelope"), std::string::npos);
  other = Message(one);
  const std::string outbound = "http://soap.sforce.com/2005/09/outbound";
  other.replace(other.find(outbound), outbound.size(), "urn:other");
  EXPECT_NE(refused(other).find("no notifications"), std::string::npos);
  // No DTD, hence no entity tricks.
  EXPECT_NE(refused("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" + Message(one)).find("DTD"),
            std::string::npos);
  EXPECT_NE(refused(Message(one, "not-an-org")).find("OrganizationId"), std::string::npos);
  EXPECT_NE(refused(Message("")).find("no Notification"), std::string::npos);
  EXPECT_NE(refused(Message(Notification("04l000000000001AAA", "x'or'1", ""))).find("no Id"), std::string::npos);
  EXPECT_NE(refused(Message(Notification("04l000000000001AAA", "0065g00000FERRYAAA",
                                         "<sf:Name>a</sf:Name><sf:Name>b</sf:Name>")))
                .find("twice"),
            std::string::npos);
  EXPECT_NE(refused(Message(Notification("04l000000000001AAA", "0065g00000FERRYAAA", "<sf:Name><b>x</b></sf:Name>")))
                .find("holds elements"),
            std::string::npos);
  EXPECT_NE(refused(Message(Notification("04l000000000001AAA", "0065g00000FERRYAAA", "<sf:Name>\x01</sf:Name>")))
                .find("control character"),
            std::string::npos);
  EXPECT_NE(refused(Message(Notification("04l000000000001AAA", "0065g00000FERRYAAA",
                                         "<sf:Name><![CDATA[a\x02 b]]></sf:Name>")))
                .find("control character 0x02 in a CDATA section"),
            std::string::npos);
  std::string attributes;
  for (int i = 0; i < 65; ++i) attributes += " a" + std::to_string(i) + "=\"x\"";
  std::string crowded = Message(one);
  crowded.insert(crowded.find("<notifications ") + 14, attributes);
  EXPECT_NE(refused(crowded).find("more than 64 attributes"), std::string::npos);
  std::string many;
  for (int i = 0; i < 101; ++i) many += one;
  EXPECT_NE(refused(Message(many)).find("more than 100"), std::string::npos);
}

class SalesforceOutboundChannelTest : public ::testing::Test {
 protected:
  SalesforceOutboundChannelTest() { ferry::testing::WriteFile(token_, "t0ken-of-32-characters-abcdefgh\n"); }
  http::Request Request(const std::string& target, const std::string& body) {
    http::Request req{http::beast_http::verb::post, target, 11};
    req.set(http::beast_http::field::content_type, "text/xml; charset=utf-8");
    req.body() = body;
    return req;
  }
  ferry::testing::TempDir dir_;
  std::filesystem::path token_ = dir_.path() / "token";
  SalesforceOutboundChannel channel_{"00D000000000001", token_, {{"Opportunity", "SELECT Id FROM Opportunity"}}};
  const std::string body_ = Message(Notification("04l000000000001AAA", "0065g00000FERRYAAA", ""));
};

TEST_F(SalesforceOutboundChannelTest, TheTokenAndTheOrganizationProveTheSender) {
  auto read = channel_.Read(Request("/inbound/v1/sf?token=t0ken-of-32-characters-abcdefgh", body_), 0);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(read->read_first);
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].object, "Opportunity");
  EXPECT_EQ(read->records[0].record_id, "0065g00000FERRYAAA");
  EXPECT_EQ(read->records[0].delivery_id, "sf:04l000000000001AAA") << "Salesforce's resends commit once";

  EXPECT_EQ(channel_.Read(Request("/inbound/v1/sf", body_), 0).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(channel_.Read(Request("/inbound/v1/sf?token=t0ken-of-32-characters-abcdefgX", body_), 0).status().code(),
            StatusCode::kUnauthenticated);
  const std::string other_org =
      Message(Notification("04l000000000001AAA", "0065g00000FERRYAAA", ""), "00D000000000002AAA");
  EXPECT_EQ(
      channel_.Read(Request("/inbound/v1/sf?token=t0ken-of-32-characters-abcdefgh", other_org), 0).status().code(),
      StatusCode::kUnauthenticated);
  // An object the channel has no query for cannot be completed: refused.
  std::string account = body_;
  account.replace(account.find("sf:Opportunity"), 14, "sf:Account");
  auto unread = channel_.Read(Request("/inbound/v1/sf?token=t0ken-of-32-characters-abcdefgh", account), 0);
  ASSERT_FALSE(unread.ok());
  EXPECT_NE(unread.status().message().find("reads no Account"), std::string::npos);
}

TEST_F(SalesforceOutboundChannelTest, APinnedClientCertificateMustBeTheOnePresented) {
  auto org = crypto::CertificateIssuer::CreateRoot("org", std::chrono::hours(1));
  auto other = crypto::CertificateIssuer::CreateRoot("other", std::chrono::hours(1));
  ASSERT_TRUE(org.ok() && other.ok());
  const auto pem = dir_.path() / "org.crt";
  SalesforceOutboundChannel pinned{"00D000000000001", token_, {{"Opportunity", "SELECT Id FROM Opportunity"}}, pem};
  EXPECT_TRUE(pinned.wants_client_certificate());
  EXPECT_FALSE(channel_.wants_client_certificate());
  auto with = [&](const std::string& fingerprint) {
    http::Request req = Request("/inbound/v1/sf?token=t0ken-of-32-characters-abcdefgh", body_);
    req.set(kClientCertificateHeader, fingerprint);
    return pinned.Read(req, 0).status();
  };
  // The operator's file missing: Salesforce is asked to send it again.
  EXPECT_EQ(with(org->certificate().Sha256Fingerprint()).code(), StatusCode::kUnavailable);
  ferry::testing::WriteFile(pem, org->certificate().ToPem());
  EXPECT_TRUE(with(org->certificate().Sha256Fingerprint()).ok());
  EXPECT_EQ(with("").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(with(other->certificate().Sha256Fingerprint()).code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(pinned.Read(Request("/inbound/v1/sf?token=t0ken-of-32-characters-abcdefgh", body_), 0).status().code(),
            StatusCode::kUnauthenticated)
      << "no header at all: no certificate";
  // Renewed in Salesforce: the new file is read at the next request.
  ferry::testing::WriteFile(pem, other->certificate().ToPem());
  EXPECT_TRUE(with(other->certificate().Sha256Fingerprint()).ok());
}

TEST_F(SalesforceOutboundChannelTest, TheAnswerIsTheAcknowledgementSalesforceWaitsFor) {
  const http::Response res = channel_.Accepted(Request("/inbound/v1/sf?token=x", body_), {"c1"});
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find("<Ack>true</Ack>"), std::string::npos);
  EXPECT_NE(res.body().find("notificationsResponse"), std::string::npos);
}

TEST(SalesforceReadQueryTest, AQueryEndsWithItsFromClauseAndHoldsNothingThatCouldEscape) {
  EXPECT_EQ(CheckReadQuery("Opportunity", "SELECT Id, (SELECT Quantity FROM OpportunityLineItems) FROM Opportunity"),
            "");
  EXPECT_NE(CheckReadQuery("Opportunity", "Id FROM Opportunity"), "");
  EXPECT_NE(CheckReadQuery("Opportunity", "SELECT Id FROM Opportunity WHERE IsWon = true"), "");
  EXPECT_NE(CheckReadQuery("Opportunity", "SELECT Id FROM Account"), "");
  EXPECT_NE(CheckReadQuery("Opportunity", "SELECT Name FROM Opportunity WHERE Name = 'x' FROM Opportunity"), "");
}

}  // namespace
}  // namespace ferry::controlplane
