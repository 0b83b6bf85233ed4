#include "common/idoc/idoc_xml.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#ifndef FERRY_FIXTURE_DIR
#error "FERRY_FIXTURE_DIR must be the absolute path of tests/fixtures"
#endif

namespace ferry::idoc {
namespace {

constexpr std::string_view kDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Fixture(const std::string& name) {
  return ReadFile(std::filesystem::path(FERRY_FIXTURE_DIR) / "idoc" / name);
}

// One IDOC element with a complete control record and the given segments.
std::string Idoc(const std::string& docnum, const std::string& idoctyp, const std::string& mestyp,
                 const std::string& segments) {
  std::string out = "  <IDOC BEGIN=\"1\">\n    <EDI_DC40 SEGMENT=\"1\">\n";
  out += "      <TABNAM>EDI_DC40</TABNAM>\n      <MANDT>100</MANDT>\n";
  out += "      <DOCNUM>" + docnum + "</DOCNUM>\n";
  out += "      <IDOCTYP>" + idoctyp + "</IDOCTYP>\n";
  out += "      <MESTYP>" + mestyp + "</MESTYP>\n";
  out += "      <SNDPRN>S4HCLNT100</SNDPRN>\n    </EDI_DC40>\n";
  return out + segments + "  </IDOC>\n";
}

std::string Packet(const std::string& root, const std::string& idocs) {
  return std::string(kDecl) + "<" + root + ">\n" + idocs + "</" + root + ">\n";
}

std::string ErrorOf(std::string_view body) {
  Result<ParsedPacket> r = ParseIdocXml(body);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

ParsedPacket MustParse(std::string_view body) {
  Result<ParsedPacket> r = ParseIdocXml(body);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : ParsedPacket{};
}

std::string KeyOf(const std::string& body) {
  ParsedPacket p = MustParse(body);
  return p.idocs.size() == 1 ? p.idocs[0].business_key : "";
}

TEST(IdocXmlTest, SingleUtf8IdocPayloadIsTheBodyByteForByte) {
  const std::string body = Fixture("debmas05_customer.xml");
  ParsedPacket p = MustParse(body);
  EXPECT_EQ(p.root_name, "DEBMAS05");
  ASSERT_EQ(p.idocs.size(), 1u);
  const ParsedIdoc& idoc = p.idocs[0];
  EXPECT_EQ(idoc.xml, body);
  const ControlRecord& c = idoc.control;
  EXPECT_EQ(c.tabnam, "EDI_DC40");
  EXPECT_EQ(c.mandt, "100");
  EXPECT_EQ(c.docnum, "0000000000410001");
  EXPECT_EQ(c.docrel, "757");
  EXPECT_EQ(c.status, "30");
  EXPECT_EQ(c.direct, "1");
  EXPECT_EQ(c.outmod, "2");
  EXPECT_EQ(c.idoctyp, "DEBMAS05");
  EXPECT_EQ(c.cimtyp, "");
  EXPECT_EQ(c.mestyp, "DEBMAS");
  EXPECT_EQ(c.sndpor, "SAPS4H");
  EXPECT_EQ(c.sndprt, "LS");
  EXPECT_EQ(c.sndpfc, "");
  EXPECT_EQ(c.sndprn, "S4HCLNT100");
  EXPECT_EQ(c.rcvpor, "FERRY");
  EXPECT_EQ(c.rcvprt, "LS");
  EXPECT_EQ(c.rcvprn, "FERRY");
  EXPECT_EQ(c.credat, "20250312");
  EXPECT_EQ(c.cretim, "091504");
  EXPECT_EQ(c.serial, "20250312091504");
  EXPECT_EQ(idoc.dedup_key, "100/S4HCLNT100/0000000000410001");
  EXPECT_EQ(idoc.business_key, "DEBMAS:0000100001");
}

TEST(IdocXmlTest, NonAsciiUtf8IsKeptByteForByte) {
  const std::string body = Fixture("matmas05_material.xml");
  ASSERT_NE(body.find("f\u00fcr Trinkwasser"), std::string::npos);
  ParsedPacket p = MustParse(body);
  ASSERT_EQ(p.idocs.size(), 1u);
  EXPECT_EQ(p.idocs[0].xml, body);
}

TEST(IdocXmlTest, ChangeOfSameCustomerSharesBusinessKeyNotDedupKey) {
  ParsedPacket created = MustParse(Fixture("debmas05_customer.xml"));
  ParsedPacket changed = MustParse(Fixture("debmas05_customer_change.xml"));
  ASSERT_EQ(created.idocs.size(), 1u);
  ASSERT_EQ(changed.idocs.size(), 1u);
  EXPECT_EQ(changed.idocs[0].business_key, created.idocs[0].business_key);
  EXPECT_EQ(changed.idocs[0].dedup_key, "100/S4HCLNT100/0000000000410002");
}

TEST(IdocXmlTest, PacketOfThreeIsSplitIntoStandaloneDocuments) {
  const std::string body = Fixture("debmas_packet_3.xml");
  ParsedPacket p = MustParse(body);
  EXPECT_EQ(p.root_name, "DEBMAS05");
  ASSERT_EQ(p.idocs.size(), 3u);
  const char* docnums[] = {"0000000000410011", "0000000000410012", "0000000000410013"};
  const char* keys[] = {"DEBMAS:0000100002", "DEBMAS:0000100003", "DEBMAS:0000100004"};
  size_t search_from = 0;
  for (size_t i = 0; i < 3; ++i) {
    const ParsedIdoc& idoc = p.idocs[i];
    EXPECT_EQ(idoc.control.docnum, docnums[i]);
    EXPECT_EQ(idoc.control.idoctyp, "DEBMAS05");
    EXPECT_EQ(idoc.control.mestyp, "DEBMAS");
    EXPECT_EQ(idoc.control.rcvprn, "FERRY");
    EXPECT_EQ(idoc.business_key, keys[i]);
    EXPECT_EQ(idoc.dedup_key, std::string("100/S4HCLNT100/") + docnums[i]);

    // The payload is the original IDOC bytes wrapped in a fresh root.
    const size_t begin = body.find("<IDOC BEGIN", search_from);
    const size_t end = body.find("</IDOC>", begin) + 7;
    search_from = end;
    EXPECT_EQ(idoc.xml, std::string(kDecl) + "<DEBMAS05>" + body.substr(begin, end - begin) + "</DEBMAS05>\n");

    // ... and is itself a valid single-IDoc packet that parses to the same.
    ParsedPacket again = MustParse(idoc.xml);
    EXPECT_EQ(again.root_name, "DEBMAS05");
    ASSERT_EQ(again.idocs.size(), 1u);
    EXPECT_EQ(again.idocs[0].xml, idoc.xml);
    EXPECT_EQ(again.idocs[0].control.docnum, docnums[i]);
    EXPECT_EQ(again.idocs[0].business_key, idoc.business_key);
    EXPECT_EQ(again.idocs[0].dedup_key, idoc.dedup_key);
  }
  EXPECT_NE(p.idocs[1].xml.find("<NAME1>S\u00fcdhang Weinkontor KG</NAME1>"), std::string::npos);
}

TEST(IdocXmlTest, EndTagInsideCommentOrCdataDoesNotCutTheSlice) {
  const std::string first = Idoc("0000000000490001", "DEBMAS05", "DEBMAS",
                                 "    <!-- not the end: </IDOC> -->\n    <E1KNA1M SEGMENT=\"1\">\n"
                                 "      <KUNNR>0000100007</KUNNR>\n      <NAME1><![CDATA[A </IDOC> B]]></NAME1>\n"
                                 "    </E1KNA1M>\n");
  const std::string second = Idoc("0000000000490002", "DEBMAS05", "DEBMAS", "");
  ParsedPacket p = MustParse(Packet("DEBMAS05", first + second));
  ASSERT_EQ(p.idocs.size(), 2u);
  // `first` starts with two spaces of indentation and ends with a newline.
  EXPECT_EQ(p.idocs[0].xml, std::string(kDecl) + "<DEBMAS05>" + first.substr(2, first.size() - 3) + "</DEBMAS05>\n");
  EXPECT_EQ(p.idocs[0].business_key, "DEBMAS:0000100007");
}

TEST(IdocXmlTest, Latin1IsTranscodedAndDeclarationRewritten) {
  const std::string body = Fixture("debmas05_latin1.xml");
  ASSERT_NE(body.find("<NAME1>M\374ller B\344ckerei GmbH</NAME1>"), std::string::npos)
      << "the fixture must hold real Latin-1 bytes";
  ParsedPacket p = MustParse(body);
  ASSERT_EQ(p.idocs.size(), 1u);
  const std::string& xml = p.idocs[0].xml;
  EXPECT_TRUE(xml.starts_with(kDecl));
  EXPECT_NE(xml.find("<NAME1>M\u00fcller B\u00e4ckerei GmbH</NAME1>"), std::string::npos);
  EXPECT_NE(xml.find("<ORT01>K\u00f6ln</ORT01>"), std::string::npos);
  EXPECT_NE(xml.find("<STRAS>Hohe Stra\u00dfe 12</STRAS>"), std::string::npos);
  EXPECT_EQ(xml.find("8859"), std::string::npos);
  // Four umlauts grow by one byte each; "ISO-8859-1" became "UTF-8".
  EXPECT_EQ(xml.size(), body.size() + 4 - 5);
  EXPECT_EQ(p.idocs[0].business_key, "DEBMAS:0000100005");

  ParsedPacket again = MustParse(xml);
  ASSERT_EQ(again.idocs.size(), 1u);
  EXPECT_EQ(again.idocs[0].xml, xml);
}

TEST(IdocXmlTest, Latin1AliasesAreCaseInsensitive) {
  for (const char* name : {"iso-8859-1", "LATIN1", "ISO8859-1", "iso_8859-1"}) {
    const std::string body = "<?xml version='1.0' encoding='" + std::string(name) + "'?>\n<A>\n" +
                             Idoc("1", "T", "M", "    <X>\xE9</X>\n") + "</A>\n";
    ParsedPacket p = MustParse(body);
    ASSERT_EQ(p.idocs.size(), 1u) << name;
    EXPECT_TRUE(p.idocs[0].xml.starts_with("<?xml version='1.0' encoding='UTF-8'?>\n")) << name;
    EXPECT_NE(p.idocs[0].xml.find("<X>\xC3\xA9</X>"), std::string::npos) << name;
  }
}

TEST(IdocXmlTest, Latin1PacketIsSlicedFromTheTranscodedText) {
  const std::string body = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<DEBMAS05>\n" +
                           Idoc("0000000000490001", "DEBMAS05", "DEBMAS", "    <X>\xC4\xD6\xDC</X>\n") +
                           Idoc("0000000000490002", "DEBMAS05", "DEBMAS", "    <X>\xDF</X>\n") + "</DEBMAS05>\n";
  ParsedPacket p = MustParse(body);
  ASSERT_EQ(p.idocs.size(), 2u);
  EXPECT_TRUE(p.idocs[1].xml.starts_with(std::string(kDecl) + "<DEBMAS05><IDOC BEGIN=\"1\">"));
  EXPECT_TRUE(p.idocs[1].xml.ends_with("<X>\xC3\x9F</X>\n  </IDOC></DEBMAS05>\n"));
  EXPECT_NE(p.idocs[0].xml.find("<X>\xC3\x84\xC3\x96\xC3\x9C</X>"), std::string::npos);
}

TEST(IdocXmlTest, Utf8BomIsStripped) {
  const std::string body = Fixture("debmas05_customer.xml");
  ParsedPacket p = MustParse("\xEF\xBB\xBF" + body);
  ASSERT_EQ(p.idocs.size(), 1u);
  EXPECT_EQ(p.idocs[0].xml, body);
}

TEST(IdocXmlTest, BomContradictingLatin1IsRefused) {
  EXPECT_EQ(ErrorOf("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><A/>"),
            "a UTF-8 byte order mark contradicts the declared encoding 'ISO-8859-1'");
}

TEST(IdocXmlTest, TruncatedXmlNamesLineAndColumn) {
  const std::string body = Packet("DEBMAS05", Idoc("1", "DEBMAS05", "DEBMAS", ""));
  // Cut inside the DOCNUM end tag on line 7: "      <DOCNUM>1</DOC"; pugixml
  // points at the end tag's name.
  const std::string cut = body.substr(0, body.find("</DOCNUM>") + 5);
  EXPECT_EQ(ErrorOf(cut), "XML error at line 7, column 18: Start-end tags mismatch");
  // Cut after the last IDOC (the root end tag is missing).
  const std::string fixture = Fixture("debmas05_customer.xml");
  EXPECT_EQ(ErrorOf(fixture.substr(0, fixture.size() - 12)),
            "XML error at line 103, column 10: Start-end tags mismatch");
}

TEST(IdocXmlTest, StructuralErrors) {
  EXPECT_EQ(ErrorOf(""), "request body is empty (expected IDoc-XML)");
  EXPECT_EQ(ErrorOf(std::string(kDecl) + "<!-- nothing -->\n"),
            "XML error at line 2, column 17: No document element found");
  EXPECT_EQ(ErrorOf(Packet("DEBMAS05", "  <E1KNA1M/>\n")), "no <IDOC> element under <DEBMAS05>");
  EXPECT_EQ(
      ErrorOf(Packet("DEBMAS05", Idoc("1", "DEBMAS05", "DEBMAS", "") + "  <IDOC BEGIN=\"1\"><E1KNA1M/></IDOC>\n")),
      "IDOC #2 has no EDI_DC40 control record");
  EXPECT_EQ(ErrorOf(std::string(kDecl) + "<A>\n" + Idoc("1", "T", "M", "") + "</A>\n<B/>\n"),
            "XML error at line 14, column 1: second root element <B> after <A> (one root "
            "element is allowed)");
  EXPECT_EQ(ErrorOf("--boundary\n<A/>"), "XML error at line 1, column 1: unexpected content before the root element");
  EXPECT_EQ(ErrorOf(std::string(kDecl) + "HTTP/1.1 200 OK\n<A/>"),
            "XML error at line 2, column 1: unexpected content before the root element");
  EXPECT_EQ(ErrorOf("<?xml version=\"1.0\" encoding=UTF-8?><A/>"),
            "XML error at line 1, column 30: malformed XML declaration (expected "
            "name=\"value\" pairs)");
}

TEST(IdocXmlTest, MandatoryControlFields) {
  const std::string body = Fixture("debmas05_customer.xml");
  auto without = [&](const std::string& element) {
    const size_t at = body.find("<" + element + ">");
    return body.substr(0, at) + body.substr(body.find('\n', at) + 1);
  };
  EXPECT_EQ(ErrorOf(without("DOCNUM")), "IDOC #1: EDI_DC40 has no DOCNUM");
  EXPECT_EQ(ErrorOf(without("IDOCTYP")), "IDOC #1: EDI_DC40 has no IDOCTYP");
  EXPECT_EQ(ErrorOf(without("MESTYP")), "IDOC #1: EDI_DC40 has no MESTYP");
  EXPECT_EQ(ErrorOf(Packet("A", Idoc(" \n\t ", "T", "M", ""))), "IDOC #1: EDI_DC40 has no DOCNUM");
  EXPECT_EQ(ErrorOf(Packet("A", Idoc("1", "T", "M", "") + Idoc("2", "T", "", ""))), "IDOC #2: EDI_DC40 has no MESTYP");
}

TEST(IdocXmlTest, DoctypeIsRefused) {
  const std::string xxe = std::string(kDecl) +
                          "<!DOCTYPE DEBMAS05 [\n"
                          "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n" +
                          "<DEBMAS05>\n" +
                          Idoc("1", "DEBMAS05", "DEBMAS", "    <E1KNA1M><KUNNR>&xxe;</KUNNR></E1KNA1M>\n") +
                          "</DEBMAS05>\n";
  EXPECT_EQ(ErrorOf(xxe), "DTDs are not accepted (DOCTYPE at line 2)");

  std::string bomb = std::string(kDecl) + "<!-- billion laughs -->\n<!DOCTYPE lolz [\n" + "  <!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    std::string refs;
    for (int j = 0; j < 10; ++j) {
      refs += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    }
    bomb += "  <!ENTITY lol" + std::to_string(i) + " \"" + refs + "\">\n";
  }
  bomb += "]>\n<lolz>\n" + Idoc("1", "T", "M", "    <X>&lol9;</X>\n") + "</lolz>\n";
  EXPECT_EQ(ErrorOf(bomb), "DTDs are not accepted (DOCTYPE at line 3)");

  EXPECT_EQ(ErrorOf("<!doctype A SYSTEM \"http://attacker.example/x.dtd\"><A/>"),
            "DTDs are not accepted (DOCTYPE at line 1)");
}

TEST(IdocXmlTest, UndeclaredEntitiesAreNeverExpanded) {
  const std::string body =
      Packet("DEBMAS05", Idoc("1", "DEBMAS05", "DEBMAS", "    <E1KNA1M><KUNNR>&xxe;&amp;&#65;</KUNNR></E1KNA1M>\n"));
  EXPECT_EQ(KeyOf(body), "DEBMAS:&xxe;&A");
}

TEST(IdocXmlTest, UnsupportedEncodings) {
  EXPECT_EQ(ErrorOf("<?xml version=\"1.0\" encoding=\"windows-1252\"?><A/>"),
            "unsupported XML encoding 'windows-1252' (use UTF-8 or ISO-8859-1)");
  EXPECT_EQ(ErrorOf("<?xml version=\"1.0\" encoding=\"\"?><A/>"),
            "unsupported XML encoding '' (use UTF-8 or ISO-8859-1)");
  EXPECT_EQ(ErrorOf("<?xml version=\"1.0\" encoding=\"UTF\n8\"?><A/>"),
            "unsupported XML encoding 'UTF?8' (use UTF-8 or ISO-8859-1)");  // stays one line
  EXPECT_EQ(ErrorOf(std::string("\xFF\xFE<\0A\0/\0>\0", 10)),
            "unsupported XML encoding 'UTF-16' (use UTF-8 or ISO-8859-1)");
  EXPECT_EQ(ErrorOf("<?xml version=\"1.0\" encoding=\"utf-8\"?><A/>"),
            "no <IDOC> element under <A>");  // lower case is UTF-8 too
}

TEST(IdocXmlTest, InvalidUtf8NamesTheByteOffset) {
  const std::string decl(kDecl);  // 39 bytes, so "<A>" ends at offset 42
  EXPECT_EQ(ErrorOf(decl + "<A>\xFF</A>"), "invalid UTF-8 at byte offset 42 (byte 0xFF)");
  EXPECT_EQ(ErrorOf("\xEF\xBB\xBF" + decl + "<A>\xFF</A>"),
            "invalid UTF-8 at byte offset 45 (byte 0xFF)");  // the BOM counts
  EXPECT_EQ(ErrorOf(decl + "<A>\xC0\xAF</A>"), "invalid UTF-8 at byte offset 42 (byte 0xC0)");
  EXPECT_EQ(ErrorOf(decl + "<A>\xED\xA0\x80</A>"), "invalid UTF-8 at byte offset 42 (byte 0xED)");
  EXPECT_EQ(ErrorOf(decl + "<A>\xF4\x90\x80\x80</A>"), "invalid UTF-8 at byte offset 42 (byte 0xF4)");
  EXPECT_EQ(ErrorOf(decl + "<A/>\xE2\x82"), "invalid UTF-8 at byte offset 43 (byte 0xE2)");
  EXPECT_EQ(ErrorOf(std::string("<A>\0</A>", 8)),
            "NUL byte at byte offset 3 (the body must be UTF-8 or ISO-8859-1 text)");

  // A Latin-1 body that claims to be UTF-8: the offset points at the "ü".
  std::string lying = Fixture("debmas05_latin1.xml");
  lying.replace(lying.find("ISO-8859-1"), 10, "UTF-8");
  const size_t u_umlaut = lying.find('\xFC');
  ASSERT_NE(u_umlaut, std::string::npos);
  EXPECT_EQ(ErrorOf(lying), "invalid UTF-8 at byte offset " + std::to_string(u_umlaut) + " (byte 0xFC)");
}

TEST(IdocXmlTest, BusinessKeyForEachKnownSegment) {
  EXPECT_EQ(KeyOf(Fixture("debmas05_customer.xml")), "DEBMAS:0000100001");
  EXPECT_EQ(KeyOf(Fixture("matmas05_material.xml")), "MATMAS:CP-200-STD");
  EXPECT_EQ(KeyOf(Fixture("cond_a03_price.xml")), "COND_A:1000100000100001CP-200-STD");
  EXPECT_EQ(KeyOf(Fixture("delvry07_despatch.xml")), "DESADV:0080012345");
  EXPECT_EQ(KeyOf(Fixture("orders05_order.xml")), "ORDERS:0000004711");
  EXPECT_EQ(KeyOf(Fixture("invoic02_invoice.xml")), "INVOIC:0090001234");
  EXPECT_EQ(KeyOf(Packet("FLIGHTBOOKING_CREATEFROMDAT01",
                         Idoc("0000000000000008", "FLIGHTBOOKING_CREATEFROMDAT01", "FLIGHTBOOKING_CREATEFROMDAT",
                              "    <E1SBO_CRE SEGMENT=\"1\">\n      <E1BPSBONEW SEGMENT=\"1\">\n"
                              "        <AIRLINEID>LH</AIRLINEID>\n"
                              "        <CUSTOMERID>00000042</CUSTOMERID>\n"
                              "      </E1BPSBONEW>\n    </E1SBO_CRE>\n"))),
            "FLIGHTBOOKING_CREATEFROMDAT:00000042");
}

TEST(IdocXmlTest, BusinessKeyFallsBackToDedupKey) {
  EXPECT_EQ(KeyOf(Packet("ZFERRY01", Idoc("0000000000490009", "ZFERRY01", "ZFERRY",
                                          "    <Z1HEAD SEGMENT=\"1\"><ID>7</ID></Z1HEAD>\n"))),
            "IDOC:100/S4HCLNT100/0000000000490009");
  // A known segment whose key field is empty does not count.
  EXPECT_EQ(KeyOf(Packet("DEBMAS05", Idoc("5", "DEBMAS05", "DEBMAS", "    <E1KNA1M><KUNNR>  </KUNNR></E1KNA1M>\n"))),
            "IDOC:100/S4HCLNT100/5");
}

TEST(IdocXmlTest, BusinessKeyIsTheFirstMatchInDocumentOrder) {
  // Nested deeper but earlier in the document wins over a later top-level one.
  EXPECT_EQ(KeyOf(Packet("X", Idoc("1", "X", "MIX",
                                   "    <E1WRAP><E1EDL20><VBELN>0080000001</VBELN></E1EDL20></E1WRAP>\n"
                                   "    <E1KNA1M><KUNNR>0000100001</KUNNR></E1KNA1M>\n"))),
            "MIX:0080000001");
}

TEST(IdocXmlTest, ValuesAreTrimmed) {
  const std::string body =
      Packet("DEBMAS05",
             "  <IDOC BEGIN=\"1\">\n    <EDI_DC40 SEGMENT=\"1\">\n"
             "      <MANDT> 100 </MANDT>\n      <DOCNUM>\n        0000000000490003\n      </DOCNUM>\n"
             "      <IDOCTYP>\tDEBMAS05\t</IDOCTYP>\n      <MESTYP>DEBMAS  </MESTYP>\n"
             "      <SNDPRN>\r\n S4HCLNT100\r\n</SNDPRN>\n    </EDI_DC40>\n"
             "    <E1KNA1M SEGMENT=\"1\">\n      <KUNNR>  0000100009 </KUNNR>\n    </E1KNA1M>\n"
             "  </IDOC>\n");
  ParsedPacket p = MustParse(body);
  ASSERT_EQ(p.idocs.size(), 1u);
  EXPECT_EQ(p.idocs[0].control.mandt, "100");
  EXPECT_EQ(p.idocs[0].control.docnum, "0000000000490003");
  EXPECT_EQ(p.idocs[0].control.idoctyp, "DEBMAS05");
  EXPECT_EQ(p.idocs[0].control.mestyp, "DEBMAS");
  EXPECT_EQ(p.idocs[0].control.sndprn, "S4HCLNT100");
  EXPECT_EQ(p.idocs[0].dedup_key, "100/S4HCLNT100/0000000000490003");
  EXPECT_EQ(p.idocs[0].business_key, "DEBMAS:0000100009");
  EXPECT_EQ(p.idocs[0].xml, body);
}

// The public samples stay outside the repository (DESIGN.md "Samples"); when
// they sit next to it, check the parser against real SAP output too.
TEST(IdocXmlTest, RealSapSamplesWhenPresent) {
  const std::filesystem::path samples =
      std::filesystem::path(FERRY_FIXTURE_DIR) / ".." / ".." / ".." / "shared" / "samples";
  if (!std::filesystem::exists(samples / "xml_ZMATMAS05_ecc_outbound.xml")) {
    GTEST_SKIP() << "no real samples at " << samples;
  }
  const std::pair<const char*, const char*> expected[] = {
      {"xml_ZMATMAS05_ecc_outbound.xml", "ZMATMAS:X-RAY 80003-A"},
      {"xml_COND_A03_s4_outbound.xml", "COND_A:ZVEHHX1ETD3A61EU010417"},
      {"xml_FLIGHTBOOKING_CREATEFROMDAT01.xml", "FLIGHTBOOKING_CREATEFROMDAT:00000042"},
  };
  for (const auto& [file, key] : expected) {
    const std::string body = ReadFile(samples / file);
    ParsedPacket p = MustParse(body);
    ASSERT_EQ(p.idocs.size(), 1u) << file;
    EXPECT_EQ(p.idocs[0].business_key, key) << file;
    EXPECT_EQ(p.idocs[0].xml, body) << file;
  }
}

}  // namespace
}  // namespace ferry::idoc

namespace ferry::idoc {
namespace {

TEST(IdocXmlLimitsTest, ControlFieldLongerThanSapAllowsIsRejected) {
  const std::string xml =
      "<DEBMAS05><IDOC BEGIN=\"1\"><EDI_DC40 SEGMENT=\"1\"><MANDT>100</MANDT>"
      "<DOCNUM>00000000000000012345</DOCNUM><IDOCTYP>DEBMAS05</IDOCTYP><MESTYP>DEBMAS</MESTYP>"
      "</EDI_DC40></IDOC></DEBMAS05>";
  auto r = ParseIdocXml(xml);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "IDOC #1: EDI_DC40 field DOCNUM is longer than 16 characters");
}

// SOAP: WE21 "SOAP Protocol" and /sap/bc/srt/idoc wrap the packet.

std::string Soap11(const std::string& body_content, const std::string& header = "") {
  return std::string(kDecl) + "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">" +
         header + "<soapenv:Body>" + body_content + "</soapenv:Body></soapenv:Envelope>\n";
}

TEST(IdocXmlSoapTest, APacketInASoap11EnvelopeGivesItsIdocsEachOnItsOwn) {
  const std::string packet = "<idoc:DEBMAS05 xmlns:idoc=\"urn:sap-com:document:sap:idoc:messages\">\n" +
                             Idoc("0000000000000071", "DEBMAS05", "DEBMAS", "") +
                             Idoc("0000000000000072", "DEBMAS05", "DEBMAS", "") + "</idoc:DEBMAS05>";
  const std::string body = Soap11(packet, "<soapenv:Header><x:Trace xmlns:x=\"urn:x\">1</x:Trace></soapenv:Header>");
  EXPECT_TRUE(LooksLikeSoapEnvelope(body));
  ParsedPacket p = MustParse(body);
  EXPECT_EQ(p.soap, SoapVersion::kSoap11);
  EXPECT_EQ(p.root_name, "DEBMAS05");
  ASSERT_EQ(p.idocs.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(p.idocs[i].xml.find("Envelope"), std::string::npos) << p.idocs[i].xml;
    ParsedPacket again = MustParse(p.idocs[i].xml);
    ASSERT_EQ(again.idocs.size(), 1u);
    EXPECT_EQ(again.soap, SoapVersion::kNone);
    EXPECT_EQ(again.root_name, "DEBMAS05");
    EXPECT_EQ(again.idocs[0].dedup_key, p.idocs[i].dedup_key);
  }
  EXPECT_EQ(p.idocs[1].control.docnum, "0000000000000072");
}

TEST(IdocXmlSoapTest, ASingleIdocInASoap12EnvelopeIsStoredWithoutTheEnvelope) {
  const std::string body =
      std::string(kDecl) + "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body>" +
      "<DEBMAS05>" + Idoc("0000000000000073", "DEBMAS05", "DEBMAS", "") + "</DEBMAS05></env:Body></env:Envelope>";
  ParsedPacket p = MustParse(body);
  EXPECT_EQ(p.soap, SoapVersion::kSoap12);
  ASSERT_EQ(p.idocs.size(), 1u);
  EXPECT_TRUE(p.idocs[0].xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DEBMAS05><IDOC"))
      << p.idocs[0].xml;
}

TEST(IdocXmlSoapTest, EnvelopesThatHoldNoPacketAreRefused) {
  EXPECT_EQ(ErrorOf(Soap11("")), "the SOAP Body holds no IDoc");
  EXPECT_EQ(ErrorOf(Soap11("<a/><b/>")), "the SOAP Body holds 2 elements; it must hold one IDoc packet");
  EXPECT_EQ(ErrorOf(Soap11("<DEBMAS05/>")), "no <IDOC> element under <DEBMAS05>");
  EXPECT_EQ(ErrorOf(std::string(kDecl) + "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"/>"),
            "the SOAP envelope has no Body");
  EXPECT_EQ(ErrorOf(std::string(kDecl) + "<Envelope xmlns=\"urn:other\"><Body/></Envelope>"),
            "XML error at line 2, column 1: an Envelope in namespace 'urn:other' is not SOAP 1.1 or 1.2");
  EXPECT_FALSE(LooksLikeSoapEnvelope(Packet("DEBMAS05", "")));
  EXPECT_TRUE(LooksLikeSoapEnvelope("<?xml version=\"1.0\"?><!-- c --><SOAP-ENV:Envelope"));
  EXPECT_FALSE(LooksLikeSoapEnvelope("no xml"));
}

}  // namespace
}  // namespace ferry::idoc
