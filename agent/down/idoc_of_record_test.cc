// A down flow's record as the IDoc SAP's inbound takes: the control record
// the flow and the target write, the segments in the flow's order with
// their child segments, and what makes no IDoc refused with the reason.
// Checked by parsing the result with Ferry's own IDoc-XML parser.

#include "agent/down/idoc_of_record.h"

#include <gtest/gtest.h>

#include "common/idoc/idoc_xml.h"

namespace ferry::agent {
namespace {

ferry::v1::MappedRecord Order(const std::string& fields) {
  ferry::v1::MappedRecord r;
  r.set_record("order");
  r.set_object("ORDERS05");
  r.set_action("create");
  r.set_key_field("ARCKEY");
  r.set_external_id("5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c");
  r.set_fields_json(fields);
  return r;
}

constexpr const char* kOrder =
    R"({"MESTYP":"ORDERS","SNDPOR":"FERRY","SNDPRT":"LS","SNDPRN":"D365","RCVPRT":"LS","RCVPRN":"ECCCLNT100",)"
    R"("E1EDK01":[{"CURCY":"EUR","BSART":"TA"}],)"
    R"("E1EDK14":[{"QUALF":"008","ORGID":"1010"},{"QUALF":"007","ORGID":"10"}],)"
    R"("E1EDKA1":[{"PARVW":"AG","PARTN":"100001"}],)"
    R"("E1EDK02":[{"QUALF":"001","BELNR":"Smith & Sons <spring>"}],)"
    R"("E1EDP01":[{"POSEX":"10","MENGE":2.0,"E1EDP19/QUALF":"002","E1EDP19/IDTNR":"TG11"},)"
    R"({"POSEX":"20","MENGE":"1.5","E1EDP19/QUALF":"002","E1EDP19/IDTNR":"TG12"}]})";

TEST(IdocOfRecordTest, AnOrderIsAnOrders05IdocSapsInboundTakes) {
  auto xml = IdocXmlOfRecord(Order(kOrder), "100", 1796452020310);
  ASSERT_TRUE(xml.ok()) << xml.status().message();
  auto packet = idoc::ParseIdocXml(*xml);
  ASSERT_TRUE(packet.ok()) << packet.status().message() << "\n" << *xml;
  ASSERT_EQ(packet->idocs.size(), 1u);
  const idoc::ControlRecord& c = packet->idocs[0].control;
  EXPECT_EQ(c.idoctyp, "ORDERS05");
  EXPECT_EQ(c.mestyp, "ORDERS");
  EXPECT_EQ(c.mandt, "100");
  EXPECT_EQ(c.direct, "2");
  EXPECT_EQ(c.docnum, "0001796452020310");
  EXPECT_EQ(c.sndprn, "D365");
  EXPECT_EQ(c.rcvprn, "ECCCLNT100");
  EXPECT_EQ(c.credat, "20261205");
  EXPECT_NE(xml->find("<ARCKEY>5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c</ARCKEY>"), std::string::npos);
  // In the flow's order, the item's material in its child segment, text
  // escaped, numbers as written.
  const size_t k01 = xml->find("<E1EDK01 SEGMENT=\"1\">"), k14 = xml->find("<E1EDK14 SEGMENT=\"1\">"),
               ka1 = xml->find("<E1EDKA1 SEGMENT=\"1\">"), p01 = xml->find("<E1EDP01 SEGMENT=\"1\">");
  EXPECT_TRUE(k01 < k14 && k14 < ka1 && ka1 < p01) << *xml;
  EXPECT_NE(xml->find("<E1EDP01 SEGMENT=\"1\"><POSEX>10</POSEX><MENGE>2</MENGE><E1EDP19 SEGMENT=\"1\"><QUALF>002"
                      "</QUALF><IDTNR>TG11</IDTNR></E1EDP19></E1EDP01>"),
            std::string::npos)
      << *xml;
  EXPECT_NE(xml->find("<BELNR>Smith &amp; Sons &lt;spring&gt;</BELNR>"), std::string::npos) << *xml;
  EXPECT_NE(xml->find("<QUALF>007</QUALF><ORGID>10</ORGID>"), std::string::npos);
}

TEST(IdocOfRecordTest, WhatMakesNoIdocIsRefusedWithTheReason) {
  auto refused = [](const ferry::v1::MappedRecord& r) {
    auto xml = IdocXmlOfRecord(r, "100", 0);
    return xml.ok() ? std::string("made: ") + *xml : std::string(xml.status().message());
  };
  ferry::v1::MappedRecord bad = Order(kOrder);
  bad.set_object("API_SALES_ORDER_SRV/A_SalesOrder");
  EXPECT_NE(refused(bad).find("must be the IDoc type"), std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","DOCNUM":"1","E1EDK01":[{"CURCY":"EUR"}]})")).find("EDI_DC40-DOCNUM"),
            std::string::npos);
  EXPECT_NE(refused(Order(R"({"E1EDK01":[{"CURCY":"EUR"}]})")).find("MESTYP"), std::string::npos);
  ferry::v1::MappedRecord keyed = Order(kOrder);
  keyed.set_key_field("BELNR");
  EXPECT_NE(refused(keyed).find("key_field must be ARCKEY"), std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS"})")).find("at least one data segment"), std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","E1EDP01":[{"A/B/C":"x"}]})")).find("CHILD/FIELD"), std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","E1EDP01":[{"menge":"x"}]})")).find("not an SAP field name"),
            std::string::npos);
  // Names become XML elements: nothing that would close one, or start
  // with a digit.
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","E1EDP01":[{"/IDTNR":"x"}]})")).find("CHILD/FIELD"), std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","1EDP01":[{"A":"x"}]})")).find("not an SAP segment name"),
            std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","E1EDP01":[{"MENGE":[1]}]})")).find("holds text, not a list"),
            std::string::npos);
  EXPECT_NE(refused(Order("[1]")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","PARTNER":"x","E1EDK01":[{"CURCY":"EUR"}]})"))
                .find("'PARTNER' is not a field of the control record EDI_DC40"),
            std::string::npos);
  EXPECT_NE(refused(Order(R"({"MESTYP":"ORDERS","SNDPRN":"ELEVEN-CHARS","E1EDK01":[{"CURCY":"EUR"}]})"))
                .find("EDI_DC40-SNDPRN holds at most 10 characters"),
            std::string::npos);
  // A control character from the CRM's data is no XML character: a space.
  auto xml = IdocXmlOfRecord(Order(R"({"MESTYP":"ORDERS","E1EDK02":[{"BELNR":"a\u0001b"}]})"), "100", 0);
  ASSERT_TRUE(xml.ok()) << xml.status().message();
  EXPECT_NE(xml->find("<BELNR>a b</BELNR>"), std::string::npos) << *xml;
}

}  // namespace
}  // namespace ferry::agent
