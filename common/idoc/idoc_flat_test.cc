#include "common/idoc/idoc_flat.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/idoc/idoc_xml.h"
#include "tests/support/flat_idoc.h"

namespace ferry::idoc {
namespace {

using testing::FixtureCatalog;
using testing::FlatFromXml;
using testing::Framing;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Fixture(const std::string& name) {
  return ReadFile(std::filesystem::path(FERRY_FIXTURE_DIR) / "idoc" / name);
}

// The whole tree, one node per line with its depth: equal text, equal trees.
std::string Dump(const doc::Document& d) {
  std::string out;
  std::vector<std::pair<doc::NodeId, int>> stack{{d.root(), 0}};
  while (!stack.empty()) {
    auto [id, depth] = stack.back();
    stack.pop_back();
    out += std::string(depth * 2, ' ') + std::string(d.name(id)) + "=" + std::string(d.value(id)) + "\n";
    std::vector<doc::NodeId> children;
    for (doc::NodeId c = d.first_child(id); c != doc::kNoNode; c = d.next_sibling(c)) children.push_back(c);
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.emplace_back(*it, depth + 1);
  }
  return out;
}

void ExpectSameIdoc(const ParsedIdoc& flat, const ParsedIdoc& xml) {
  EXPECT_EQ(Dump(*flat.document), Dump(*xml.document));
  EXPECT_EQ(flat.dedup_key, xml.dedup_key);
  EXPECT_EQ(flat.business_key, xml.business_key);
  EXPECT_EQ(flat.control.docnum, xml.control.docnum);
  EXPECT_EQ(flat.control.idoctyp, xml.control.idoctyp);
  EXPECT_EQ(flat.control.sndprn, xml.control.sndprn);
  // What the outbox stores parses again into the same IDoc.
  auto again = ParseIdocXml(flat.xml);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_EQ(again->idocs.size(), 1u);
  EXPECT_EQ(Dump(*again->idocs[0].document), Dump(*xml.document));
}

TEST(IdocFlatTest, SapsOwnFlatFileGivesTheSameDocumentAsItsXmlTwin) {
  const std::filesystem::path samples = FERRY_SAMPLES_DIR;
  if (!std::filesystem::exists(samples / "flat_FLIGHTBOOKING_CREATEFROMDAT01.idoc")) {
    GTEST_SKIP() << "no " << samples << " (the real SAP samples are not part of the repository)";
  }
  const std::string flat_file = ReadFile(samples / "flat_FLIGHTBOOKING_CREATEFROMDAT01.idoc");
  ASSERT_EQ(flat_file.size(), 2650u);  // 524 + 2 × 1063, no line ends
  auto flat = ParseIdocFlat(flat_file, FixtureCatalog());
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  auto xml = ParseIdocXml(ReadFile(samples / "xml_FLIGHTBOOKING_CREATEFROMDAT01.xml"));
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  ASSERT_EQ(flat->idocs.size(), 1u);
  EXPECT_EQ(flat->root_name, "FLIGHTBOOKING_CREATEFROMDAT01");
  ExpectSameIdoc(flat->idocs[0], xml->idocs[0]);
  EXPECT_EQ(flat->idocs[0].business_key, "FLIGHTBOOKING_CREATEFROMDAT:00000042");
  EXPECT_EQ(flat->idocs[0].dedup_key, "001/A4HCLNT001/0000000000000008");
}

TEST(IdocFlatTest, EveryFramingOfEveryDebmas07FixtureGivesTheXmlDocument) {
  for (const char* name : {"debmas07_customer_full.xml", "debmas07_customer_delete.xml",
                           "debmas07_unmapped_country.xml", "debmas07_onetime_customer.xml"}) {
    const std::string xml_text = Fixture(name);
    auto xml = ParseIdocXml(xml_text);
    ASSERT_TRUE(xml.ok()) << name;
    for (Framing framing : {Framing::kFixed, Framing::kLf, Framing::kCrlf, Framing::kLfTrimmed}) {
      SCOPED_TRACE(std::string(name) + " framing " + std::to_string(static_cast<int>(framing)));
      auto flat = ParseIdocFlat(FlatFromXml(xml_text, FixtureCatalog(), framing), FixtureCatalog());
      ASSERT_TRUE(flat.ok()) << flat.status().ToString();
      ASSERT_EQ(flat->idocs.size(), 1u);
      ExpectSameIdoc(flat->idocs[0], xml->idocs[0]);
    }
  }
}

TEST(IdocFlatTest, FieldPositionsCountCharactersNotBytes) {
  // München, Gebäude, Straße: a Unicode system writes them as UTF-8, and
  // the fixed-width records are measured in characters.
  const std::string xml_text = Fixture("debmas07_customer_full.xml");
  const std::string flat_file = FlatFromXml(xml_text, FixtureCatalog(), Framing::kFixed);
  ASSERT_GT(flat_file.size(), flat_file.size() - 6);
  auto flat = ParseIdocFlat(flat_file, FixtureCatalog());
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  EXPECT_NE(Dump(*flat->idocs[0].document).find("ORT01=München\n"), std::string::npos);
  EXPECT_NE(Dump(*flat->idocs[0].document).find("STRAS=Sendlinger Straße 45\n"), std::string::npos);
}

TEST(IdocFlatTest, AFileOfSeveralIdocsGivesOneEachInOrder) {
  const std::string a = FlatFromXml(Fixture("debmas07_customer_full.xml"), FixtureCatalog());
  const std::string b = FlatFromXml(Fixture("debmas07_unmapped_country.xml"), FixtureCatalog());
  auto flat = ParseIdocFlat(a + b + a.substr(0, 0), FixtureCatalog());
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  ASSERT_EQ(flat->idocs.size(), 2u);
  EXPECT_EQ(flat->idocs[0].business_key, "DEBMAS:0000100010");
  EXPECT_EQ(flat->idocs[1].business_key, "DEBMAS:0000100020");
  EXPECT_EQ(flat->root_name, "DEBMAS07");
}

TEST(IdocFlatTest, Latin1FilesAreTranscoded) {
  std::string file = FlatFromXml(Fixture("debmas07_customer_full.xml"), FixtureCatalog(), Framing::kLf);
  // Re-encode as ISO-8859-1: every 2-byte UTF-8 sequence here is Latin-1.
  std::string latin1;
  for (size_t i = 0; i < file.size(); ++i) {
    const auto c = static_cast<unsigned char>(file[i]);
    if (c == 0xC3 || c == 0xC2) {
      latin1.push_back(static_cast<char>(((c & 0x1F) << 6) | (file[++i] & 0x3F)));
    } else {
      latin1.push_back(file[i]);
    }
  }
  EXPECT_FALSE(ParseIdocFlat(latin1, FixtureCatalog()).ok());  // not UTF-8
  auto flat = ParseIdocFlat(latin1, FixtureCatalog(), FlatOptions{.latin1 = true});
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  EXPECT_NE(Dump(*flat->idocs[0].document).find("ORT01=München\n"), std::string::npos);
}

// The file for debmas07_customer_full.xml, framed by lines, for the edits
// the refusal tests make.
std::vector<std::string> Lines() {
  const std::string file = FlatFromXml(Fixture("debmas07_customer_full.xml"), FixtureCatalog(), Framing::kLf);
  std::vector<std::string> lines;
  std::istringstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string RefusalOf(std::string_view file) {
  auto parsed = ParseIdocFlat(file, FixtureCatalog());
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

TEST(IdocFlatTest, BadFilesAreRefusedWithTheRecordAndTheReason) {
  const std::vector<std::string> good = Lines();
  ASSERT_GE(good.size(), 5u);
  const std::string fixed = FlatFromXml(Fixture("debmas07_customer_full.xml"), FixtureCatalog());

  EXPECT_EQ(RefusalOf(""), "the file is empty");
  // Byte offsets count the bytes of the UTF-8 umlauts before the cut.
  const std::string truncated = RefusalOf(fixed.substr(0, fixed.size() - 100));
  EXPECT_TRUE(truncated.starts_with("record " + std::to_string(good.size()) + " (byte ")) << truncated;
  EXPECT_TRUE(
      truncated.ends_with("): the file ends 963 characters into a 1063-character record: it is truncated, "
                          "or not a flat IDoc file"))
      << truncated;

  auto lines = good;
  lines[2] += "X";
  EXPECT_EQ(RefusalOf(Join(lines)), "record 3 (line 3): data record of 1064 characters; it has 1063");

  lines = good;
  lines[1].replace(0, 7, "E1ZZZZZ");
  EXPECT_EQ(RefusalOf(Join(lines)),
            "record 2 (line 2): segment 'E1ZZZZZ' is not in the segment catalogue of IDoc type DEBMAS07");

  lines = good;
  lines[0].replace(39, 8, "DEBMAS99");
  EXPECT_TRUE(
      RefusalOf(Join(lines))
          .starts_with("record 1 (line 1): IDoc type DEBMAS99 is not in the segment catalogue (it has: DEBMAS07, "));

  lines = good;  // E1KNA1M ends at SDATA character 359; something past it
  lines[1].resize(1063, ' ');
  lines[1][63 + 900] = 'Z';
  EXPECT_NE(RefusalOf(Join(lines)).find("segment E1KNA1M has data past its last catalogued field SPRAS_ISO"),
            std::string::npos);

  lines = good;
  lines[2].replace(33, 16, "0000000000999999");
  EXPECT_EQ(RefusalOf(Join(lines)),
            "record 3 (line 3): DOCNUM '0000000000999999' differs from its control record's '0000000000420011'");

  lines = good;
  lines[3].replace(55, 6, "000077");
  EXPECT_EQ(RefusalOf(Join(lines)), "record 4 (line 4): PSGNUM 000077 names no earlier segment");

  lines = good;
  lines[2].replace(61, 2, "05");
  EXPECT_EQ(RefusalOf(Join(lines)), "record 3 (line 3): HLEVEL 05 contradicts PSGNUM (level 2)");

  lines = good;
  lines[2].replace(49, 6, "000001");
  EXPECT_EQ(RefusalOf(Join(lines)), "record 3 (line 3): SEGNUM 000001 does not follow 1");

  lines = good;
  lines[1][63 + 20] = '\x1B';
  EXPECT_EQ(RefusalOf(Join(lines)), "record 2 (line 2): control character 0x1B at character 84");

  lines = good;
  lines[1][70] = '\xFF';
  EXPECT_NE(RefusalOf(Join(lines)).find("invalid UTF-8 at byte"), std::string::npos);

  EXPECT_EQ(RefusalOf(Join({good[1], good[0]})), "record 1 (line 1): a data record before any EDI_DC40 control record");

  lines = good;
  lines[0].replace(13, 16, std::string(16, ' '));
  EXPECT_EQ(RefusalOf(Join(lines)), "record 1 (line 1): EDI_DC40 '': EDI_DC40 has no DOCNUM");

  lines = good;
  lines.insert(lines.begin() + 2, "");
  EXPECT_EQ(RefusalOf(Join(lines)), "record 3 (line 3): empty line");

  // A file with lines cut inside its last record: since lines may lose
  // their trailing blanks, the missing line end is what gives it away.
  std::string cut = Join(good);
  cut.resize(cut.size() - 1 - (good.back().size() - 200));
  EXPECT_EQ(RefusalOf(cut), "record " + std::to_string(good.size()) + " (line " + std::to_string(good.size()) +
                                "): the last record has no line end: the file is cut short (every record of a "
                                "file with lines ends in LF or CRLF)");

  EXPECT_EQ(RefusalOf("<DEBMAS07/>"),
            "record 1 (byte 0): the file ends 11 characters into a 1063-character record: "
            "it is truncated, or not a flat IDoc file");
}

TEST(IdocFlatTest, NestingPastTheDepthLimitIsRefusedAndWithinItReparses) {
  // A chain of E1KNA1M → E1KNVVM → E1KNVPM is three levels; the limit counts
  // the root, IDOC and a field too.
  const std::string file = FlatFromXml(Fixture("debmas07_customer_full.xml"), FixtureCatalog(), Framing::kLf);
  EXPECT_TRUE(ParseIdocFlat(file, FixtureCatalog(), FlatOptions{.max_depth = 6}).ok());
  auto deep = ParseIdocFlat(file, FixtureCatalog(), FlatOptions{.max_depth = 5});
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("segments nested deeper than 2 levels"), std::string::npos);
}

TEST(IdocFlatTest, HlevelPlacesSegmentsWhenPsgnumIsBlank) {
  auto lines = Lines();
  for (size_t i = 1; i < lines.size(); ++i) lines[i].replace(55, 6, "      ");
  auto flat = ParseIdocFlat(Join(lines), FixtureCatalog());
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  auto xml = ParseIdocXml(Fixture("debmas07_customer_full.xml"));
  ExpectSameIdoc(flat->idocs[0], xml->idocs[0]);
}

TEST(IdocFlatTest, ValuesThatXmlMustEscapeSurviveTheStoredXml) {
  std::string xml_text = Fixture("debmas07_unmapped_country.xml");
  const size_t at = xml_text.find("<NAME1>") + 7;
  xml_text.insert(at, "&amp;&lt;&gt; ");
  auto flat = ParseIdocFlat(FlatFromXml(xml_text, FixtureCatalog()), FixtureCatalog());
  ASSERT_TRUE(flat.ok()) << flat.status().ToString();
  EXPECT_NE(flat->idocs[0].xml.find("<NAME1>&amp;&lt;&gt; "), std::string::npos);
  ExpectSameIdoc(flat->idocs[0], ParseIdocXml(xml_text)->idocs[0]);
}

// The segment catalogue reader.

TEST(SegmentCatalogTest, ReadsTheFixtureSchemas) {
  const SegmentCatalog& catalog = FixtureCatalog();
  EXPECT_EQ(catalog.TypeNames(), "DEBMAS07, FLIGHTBOOKING_CREATEFROMDAT01");
  const SegmentLayout* booking = catalog.Find("FLIGHTBOOKING_CREATEFROMDAT01", "E1BPSBONEW");
  ASSERT_NE(booking, nullptr);
  ASSERT_EQ(booking->fields.size(), 10u);
  EXPECT_EQ(booking->fields[7].name, "PASSNAME");  // at 40 (25), as measured on SAP's file
  EXPECT_EQ(booking->fields[7].offset, 40u);
  EXPECT_EQ(booking->fields[7].length, 25u);
  const SegmentLayout* header = catalog.Find("FLIGHTBOOKING_CREATEFROMDAT01", "E1SBO_CRE");
  ASSERT_NE(header, nullptr);
  EXPECT_TRUE(header->fields.empty());
  EXPECT_EQ(catalog.Find("FLIGHTBOOKING_CREATEFROMDAT01", "EDI_DC40"), nullptr);
  EXPECT_EQ(catalog.Find("DEBMAS07", "E1BPSBONEW"), nullptr);
}

constexpr std::string_view kAnonymousTypes = R"(<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:simpleType name="CHAR10"><xs:restriction base="xs:string"><xs:length value="10"/></xs:restriction></xs:simpleType>
  <xs:element name="ZORDERS">
    <xs:complexType><xs:sequence><xs:element name="IDOC"><xs:complexType><xs:sequence>
      <xs:element name="Z1HEAD">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="ORDER" type="CHAR10"/>
            <xs:element name="NOTE"><xs:simpleType><xs:restriction base="xs:string"><xs:maxLength value="5"/></xs:restriction></xs:simpleType></xs:element>
          </xs:sequence>
          <xs:attribute name="SEGMENT" type="xs:string"/>
        </xs:complexType>
      </xs:element>
    </xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>)";

TEST(SegmentCatalogTest, InlineTypesAndNamedSimpleTypesAreRead) {
  SegmentCatalog catalog;
  ASSERT_TRUE(catalog.AddSchema(kAnonymousTypes, "z.xsd").ok());
  const SegmentLayout* head = catalog.Find("ZORDERS", "Z1HEAD");
  ASSERT_NE(head, nullptr);
  ASSERT_EQ(head->fields.size(), 2u);
  EXPECT_EQ(head->fields[1].name, "NOTE");
  EXPECT_EQ(head->fields[1].offset, 10u);
  EXPECT_EQ(head->length, 15u);
}

TEST(SegmentCatalogTest, SchemasThatCannotPlaceFieldsAreRefused) {
  SegmentCatalog catalog;
  std::string no_length(kAnonymousTypes);
  no_length.replace(no_length.find("type=\"CHAR10\""), 13, "type=\"xs:string\"");
  EXPECT_EQ(catalog.AddSchema(no_length, "z.xsd").message(),
            "segment catalogue z.xsd: field ORDER of segment Z1HEAD has no length (xsd:maxLength)");
  EXPECT_EQ(catalog.AddSchema("<a>", "bad.xsd").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog.AddSchema("<root/>", "x.xsd").message(),
            "segment catalogue x.xsd: not an XML schema (no xsd:schema root)");
  std::string too_long(kAnonymousTypes);
  too_long.replace(too_long.find("value=\"5\""), 9, "value=\"991\"");
  EXPECT_NE(catalog.AddSchema(too_long, "z.xsd").message().find("1001 characters long; SDATA holds 1000"),
            std::string::npos);
  ASSERT_TRUE(catalog.AddSchema(kAnonymousTypes, "z.xsd").ok());
  EXPECT_EQ(catalog.AddSchema(kAnonymousTypes, "z2.xsd").message(),
            "segment catalogue z2.xsd: IDoc type ZORDERS is in another schema too");
  EXPECT_EQ(SegmentCatalog::Load("/nonexistent/catalog").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ferry::idoc
