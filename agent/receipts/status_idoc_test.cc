#include "agent/receipts/status_idoc.h"

#include <gtest/gtest.h>

#include "common/idoc/idoc_xml.h"

namespace ferry::agent {
namespace {

ferry::v1::Delivery DeliveryOf(const std::string& docnum, bool delivered, const std::string& record_id,
                               const std::string& detail) {
  ferry::v1::Delivery d;
  d.set_event_id("e-" + docnum);
  d.set_outcome(delivered ? ferry::v1::DELIVERY_OUTCOME_DELIVERED : ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED);
  d.set_connector("salesforce");
  d.set_target_record_id(record_id);
  d.set_detail(detail);
  d.set_unix_ms(1'796'556'090'000);  // 2026-12-06T11:21:30Z
  auto* c = d.mutable_idoc();
  c->set_mandt("100");
  c->set_docnum(docnum);
  c->set_mestyp("DEBMAS");
  c->set_sndpor("SAPECC");
  c->set_sndprt("LS");
  c->set_sndprn("ECCCLNT100");
  c->set_rcvpor("FERRY");
  c->set_rcvprt("LS");
  c->set_rcvprn("FERRY");
  return d;
}

TEST(StatusIdocTest, ReceiptsBecomeOneSystat01IdocBackToTheSender) {
  std::vector<Receipt> receipts(2);
  ASSERT_TRUE(ReceiptOf(DeliveryOf("0000000000750101", true, "0015g0000000001AAA", ""), receipts[0]));
  const std::string reason =
      "FIELD_INTEGRITY_EXCEPTION: Billing Country: bad value for restricted picklist <XI> & more, "
      "and a tail that goes past the status text";
  ASSERT_TRUE(ReceiptOf(DeliveryOf("0000000000750102", false, "", reason), receipts[1]));
  const std::string packet = StatusIdocPacket(receipts, 42);

  auto parsed = idoc::ParseIdocXml(packet);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << packet;
  ASSERT_EQ(parsed->idocs.size(), 1u);
  const idoc::ControlRecord& c = parsed->idocs[0].control;
  EXPECT_EQ(c.mestyp, "STATUS");
  EXPECT_EQ(c.idoctyp, "SYSTAT01");
  EXPECT_EQ(c.docnum, "0000000000000042");
  EXPECT_EQ(c.sndprn, "FERRY");       // the IDoc's receiver answers
  EXPECT_EQ(c.rcvprn, "ECCCLNT100");  // to its sender
  EXPECT_EQ(c.rcvpor, "SAPECC");
  EXPECT_EQ(c.rcvprt, "LS");
  EXPECT_EQ(c.sndpor, "FERRY");
  EXPECT_EQ(c.sndprt, "LS");
  EXPECT_EQ(c.direct, "2");  // inbound to SAP

  EXPECT_NE(packet.find("<DOCNUM>0000000000750101</DOCNUM><LOGDAT>20261206</LOGDAT><LOGTIM>112130</LOGTIM>"
                        "<STATUS>16</STATUS><STATXT>Delivered to salesforce</STATXT>"
                        "<ARCKEY>0015g0000000001AAA</ARCKEY>"),
            std::string::npos)
      << packet;
  // Refused: 17, the reason escaped and cut to STATXT's 70 characters,
  // whole in STAPA1 to STAPA4.
  EXPECT_NE(packet.find("<STATUS>17</STATUS><STATXT>Not delivered to salesforce: FIELD_INTEGRITY_EXCEPTION: "
                        "Billing Countr</STATXT><STAPA1>FIELD_INTEGRITY_EXCEPTION: Billing Country: bad va</STAPA1>"
                        "<STAPA2>lue for restricted picklist &lt;XI&gt; + more, and a tai</STAPA2>"
                        "<STAPA3>l that goes past the status text</STAPA3></E1STATS>"),
            std::string::npos)
      << packet;
  EXPECT_NE(packet.find("&lt;XI&gt; + more"), std::string::npos) << packet;  // '&' is SAP's parameter mark
  EXPECT_NE(packet.find("<STAPA2>"), std::string::npos) << packet;
}

TEST(StatusIdocTest, EachSapPartnerGetsItsOwnIdocAndNonIdocEventsNone) {
  std::vector<Receipt> receipts(2);
  ASSERT_TRUE(ReceiptOf(DeliveryOf("0000000000000001", true, "a", ""), receipts[0]));
  ferry::v1::Delivery other = DeliveryOf("0000000000000002", true, "b", "");
  other.mutable_idoc()->set_sndprn("S4HCLNT200");
  ASSERT_TRUE(ReceiptOf(other, receipts[1]));
  auto parsed = idoc::ParseIdocXml(StatusIdocPacket(receipts, 7));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->idocs.size(), 2u);
  EXPECT_EQ(parsed->idocs[0].control.rcvprn, "ECCCLNT100");
  EXPECT_EQ(parsed->idocs[1].control.rcvprn, "S4HCLNT200");
  EXPECT_EQ(parsed->idocs[1].control.docnum, "0000000000000008");

  ferry::v1::Delivery s4;
  s4.set_event_id("s4-1");
  Receipt none;
  EXPECT_FALSE(ReceiptOf(s4, none));
}

TEST(StatusIdocTest, WhatSapCannotTakeIsCleanedBeforeItIsCut) {
  // Invalid UTF-8, control characters, '&' (a parameter's place in SAP's
  // status texts) and a character of several bytes at the cut.
  const std::string reason =
      std::string("bad \xC3\x28 byte\x01\ttab & amp ") + std::string(40, 'x') + "\xC3\xA4\xC3\xA4";
  std::vector<Receipt> receipts(1);
  ASSERT_TRUE(ReceiptOf(DeliveryOf("0000000000000001", false, "id\x02", reason), receipts[0]));
  const std::string packet = StatusIdocPacket(receipts, 1);
  auto parsed = idoc::ParseIdocXml(packet);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << packet;
  EXPECT_NE(packet.find("<STAPA1>bad \xEF\xBF\xBD( byte  tab + amp xxxxxxxxxxxxxxxxxxxxxxxxxxx</STAPA1>"),
            std::string::npos)
      << packet;
  EXPECT_NE(packet.find("<STAPA2>xxxxxxxxxxxxx\xC3\xA4\xC3\xA4</STAPA2>"), std::string::npos) << packet;
  EXPECT_NE(packet.find("<ARCKEY>id </ARCKEY>"), std::string::npos) << packet;
  EXPECT_EQ(packet.find("&amp;"), std::string::npos) << packet;
}

TEST(AuditIdocTest, ReceiptsBecomeAnAleAuditPerPartnerWithAHeaderPerMessageType) {
  std::vector<Receipt> receipts(3);
  ASSERT_TRUE(ReceiptOf(DeliveryOf("0000000000750101", true, "0015g0000000001AAA", ""), receipts[0]));
  ASSERT_TRUE(
      ReceiptOf(DeliveryOf("0000000000750102", false, "", "REQUIRED_FIELD_MISSING: Name & <more>"), receipts[1]));
  ferry::v1::Delivery material = DeliveryOf("0000000000750103", true, "01t5g0000000001AAA", "");
  material.mutable_idoc()->set_mestyp("MATMAS");
  ASSERT_TRUE(ReceiptOf(material, receipts[2]));
  const std::string packet = AuditIdocPacket(receipts, 42);

  auto parsed = idoc::ParseIdocXml(packet);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << packet;
  ASSERT_EQ(parsed->idocs.size(), 1u);
  const idoc::ControlRecord& c = parsed->idocs[0].control;
  EXPECT_EQ(c.mestyp, "ALEAUD");
  EXPECT_EQ(c.idoctyp, "ALEAUD01");
  EXPECT_EQ(c.docnum, "0000000000000042");
  EXPECT_EQ(c.sndprn, "FERRY");
  EXPECT_EQ(c.rcvprn, "ECCCLNT100");
  EXPECT_NE(packet.find("<E1ADHDR SEGMENT=\"1\"><MESTYP>DEBMAS</MESTYP><MESTYP_LNG>DEBMAS</MESTYP_LNG>"
                        "<E1STATE SEGMENT=\"1\"><DOCNUM>0000000000750101</DOCNUM><STATUS>53</STATUS>"
                        "<STATXT>Delivered to salesforce</STATXT><STATYP>S</STATYP>"
                        "<E1PRTOB SEGMENT=\"1\"><DOCNUM>0000000000750101</DOCNUM>"
                        "<OBJKEY>0015g0000000001AAA</OBJKEY></E1PRTOB></E1STATE>"
                        "<E1STATE SEGMENT=\"1\"><DOCNUM>0000000000750102</DOCNUM><STATUS>51</STATUS>"
                        "<STATXT>Not delivered to salesforce: REQUIRED_FIELD_MISSING: Name + &lt;more&gt;</STATXT>"
                        "<STATYP>E</STATYP><STAPA1_LNG>REQUIRED_FIELD_MISSING: Name + &lt;more&gt;</STAPA1_LNG>"
                        "</E1STATE></E1ADHDR>"),
            std::string::npos)
      << packet;
  EXPECT_NE(packet.find("<E1ADHDR SEGMENT=\"1\"><MESTYP>MATMAS</MESTYP>"), std::string::npos) << packet;
}

TEST(AuditIdocTest, AnIdocConfirmsAtMost500IdocsAsSapTakes) {
  std::vector<Receipt> receipts(1001);
  for (size_t i = 0; i < receipts.size(); ++i) {
    ASSERT_TRUE(ReceiptOf(DeliveryOf(std::to_string(1000000 + i), true, "r", ""), receipts[i]));
  }
  auto parsed = idoc::ParseIdocXml(AuditIdocPacket(receipts, 10));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->idocs.size(), 3u);
  EXPECT_EQ(parsed->idocs[2].control.docnum, "0000000000000012");
}

}  // namespace
}  // namespace ferry::agent
