// Hostile shapes at the IDoc-XML trust boundary: nesting meant to exhaust
// the stack, and character references that decode to what is not text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/idoc/idoc_xml.h"
#include "common/util/utf8.h"

namespace ferry::idoc {
namespace {

std::string Customer(const std::string& docnum, const std::string& kunnr, const std::string& extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DEBMAS07>\n<IDOC BEGIN=\"1\">\n<EDI_DC40 SEGMENT=\"1\">\n"
         "<MANDT>100</MANDT>\n<DOCNUM>" +
         docnum +
         "</DOCNUM>\n<IDOCTYP>DEBMAS07</IDOCTYP>\n<MESTYP>DEBMAS</MESTYP>\n<SNDPRN>S4H</SNDPRN>\n"
         "</EDI_DC40>\n<E1KNA1M SEGMENT=\"1\">\n<KUNNR>" +
         kunnr + "</KUNNR>\n" + extra + "</E1KNA1M>\n</IDOC>\n</DEBMAS07>\n";
}

std::string Nested(size_t levels) {
  std::string open, close;
  open.reserve(levels * 4);
  close.reserve(levels * 5);
  for (size_t i = 0; i < levels; ++i) {
    open += "<Z>";
    close += "</Z>";
  }
  return open + close;
}

std::string RefusalOf(const std::string& body, const ParseLimits& limits = {}) {
  Result<ParsedPacket> r = ParseIdocXml(body, limits);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(IdocXmlHostileTest, HundredThousandNestedElementsAreRefusedWithTheLimitAndLine) {
  // Recursing once per level used to overflow the stack here (SIGSEGV).
  const std::string message = RefusalOf(Customer("1", "9000", Nested(100000)));
  EXPECT_NE(message.find("nested more than 100 levels"), std::string::npos) << message;
  EXPECT_NE(message.find("line 13"), std::string::npos) << message;
  EXPECT_NE(message.find("max_depth"), std::string::npos) << message;
}

TEST(IdocXmlHostileTest, DepthLimitIsConfigurableAndCountsFromTheRoot) {
  // Root (1), IDOC (2), E1KNA1M (3), then the Z levels.
  const std::string body = Customer("1", "9000", Nested(20));
  EXPECT_TRUE(ParseIdocXml(body, ParseLimits{40}).ok());
  const std::string message = RefusalOf(body, ParseLimits{10});
  EXPECT_NE(message.find("nested more than 10 levels"), std::string::npos) << message;
}

TEST(IdocXmlHostileTest, DeepButAllowedIdocBuildsItsTreeWithoutRecursion) {
  auto parsed = ParseIdocXml(Customer("1", "9000", Nested(5000)), ParseLimits{10000});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->idocs[0].business_key, "DEBMAS:9000");
  EXPECT_GT(parsed->idocs[0].document->size(), 5000u);
}

TEST(IdocXmlHostileTest, SurrogateReferenceInAFieldIsRefusedNamingTheField) {
  const std::string message = RefusalOf(Customer("1", "9&#xD800;13"));
  EXPECT_NE(message.find("field KUNNR of segment E1KNA1M"), std::string::npos) << message;
  EXPECT_NE(message.find("U+D800"), std::string::npos) << message;
  EXPECT_NE(message.find("line 12"), std::string::npos) << message;
}

TEST(IdocXmlHostileTest, SurrogateReferenceInTheControlRecordIsRefused) {
  const std::string message = RefusalOf(Customer("12&#55296;3", "9000"));
  EXPECT_NE(message.find("field DOCNUM of segment EDI_DC40"), std::string::npos) << message;
  EXPECT_NE(message.find("U+D800"), std::string::npos) << message;
}

TEST(IdocXmlHostileTest, ReferencesThatAreNotXmlCharactersAreRefused) {
  for (const std::string ref : {"&#0;", "&#x0;", "&#x110000;", "&#1114112;", "&#x1;", "&#xFFFE;", "&#xDFFF;",
                                "&#99999999999999999999999;", "&#x00000000000000000000D800;"}) {
    SCOPED_TRACE(ref);
    const std::string message = RefusalOf(Customer("1", "90" + ref));
    EXPECT_NE(message.find("field KUNNR"), std::string::npos) << message;
  }
}

TEST(IdocXmlHostileTest, RawControlCharacterInAValueIsRefused) {
  const std::string message = RefusalOf(Customer("1", std::string("90\x01") + "13"));
  EXPECT_NE(message.find("control character 0x01"), std::string::npos) << message;
}

TEST(IdocXmlHostileTest, ValidReferencesDecodeAndEveryValueIsValidUtf8) {
  auto parsed = ParseIdocXml(Customer("1", "9&#x10FFFF;&#xE9;&#9;&amp;1"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->idocs[0].business_key, "DEBMAS:9\xF4\x8F\xBF\xBF\xC3\xA9\t&1");
  EXPECT_TRUE(IsValidUtf8(parsed->idocs[0].business_key));
}

TEST(IdocXmlHostileTest, ReferenceLookalikesInCdataAndCommentsAreText) {
  auto parsed = ParseIdocXml(Customer("1", "<![CDATA[9&#0;1]]><!-- &#xD800; -->"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->idocs[0].business_key, "DEBMAS:9&#0;1");
}

// Found by fuzzing: the slice of each IDoc of a packet must end at its own
// end tag, whatever its segments and attributes hold.
std::string BareIdoc(const std::string& docnum, const std::string& attr, const std::string& segments) {
  return "<IDOC BEGIN=\"1\"" + attr + "><EDI_DC40 SEGMENT=\"1\"><DOCNUM>" + docnum +
         "</DOCNUM><IDOCTYP>ZT</IDOCTYP><MESTYP>ZM</MESTYP></EDI_DC40>" + segments + "</IDOC>";
}

void ExpectEachSliceIsItsIdoc(const std::string& body, const std::vector<std::string>& last_fields) {
  auto parsed = ParseIdocXml(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->idocs.size(), last_fields.size());
  for (size_t i = 0; i < parsed->idocs.size(); ++i) {
    SCOPED_TRACE(i);
    auto again = ParseIdocXml(parsed->idocs[i].xml);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << parsed->idocs[i].xml;
    ASSERT_EQ(again->idocs.size(), 1u) << parsed->idocs[i].xml;
    EXPECT_EQ(again->idocs[0].control.docnum, parsed->idocs[i].control.docnum);
    EXPECT_NE(parsed->idocs[i].xml.find(last_fields[i]), std::string::npos) << parsed->idocs[i].xml;
  }
}

TEST(IdocXmlHostileTest, AnElementNamedIdocInsideASegmentDoesNotCutTheSlice) {
  ExpectEachSliceIsItsIdoc(
      "<P>" + BareIdoc("1", "", "") + BareIdoc("2", "", "<E1SEG><IDOC>x</IDOC><F>kept</F></E1SEG>") + "</P>",
      {"<DOCNUM>1<", "<F>kept</F>"});
}

TEST(IdocXmlHostileTest, MarkupInAttributeValuesDoesNotMoveTheSlice) {
  ExpectEachSliceIsItsIdoc("<P>" + BareIdoc("1", " A=\"&lt;!--\" B='<!--'", "<S><F>one</F></S>") +
                               BareIdoc("2", " A=\"-->\"", "<S><F>two</F></S>") + "</P>",
                           {"<F>one</F>", "<F>two</F>"});
  ExpectEachSliceIsItsIdoc("<P>" + BareIdoc("1", " A=\"<?\"", "<S><F>one</F></S>") + BareIdoc("2", "", "") + "</P>",
                           {"<F>one</F>", "<DOCNUM>2<"});
  ExpectEachSliceIsItsIdoc(
      "<P>" + BareIdoc("1", " A=\"</IDOC>\"", "<S X='</IDOC>'><F>one</F></S>") + BareIdoc("2", "", "") + "</P>",
      {"<F>one</F>", "<DOCNUM>2<"});
}

// A comment is closed by the first "-->" after its "<!--", so "<!-->"
// does not close itself: the slice must skip it as the parser does, or the
// markup inside it moves the slice's end (found by idoc_xml_fuzz).
TEST(IdocXmlHostileTest, ACommentThatStartsWithAGreaterThanSignDoesNotMoveTheSlice) {
  ExpectEachSliceIsItsIdoc("<P>" + BareIdoc("1", "", "<S><F>one</F><!--><S>--></S>") + BareIdoc("2", "", "") + "</P>",
                           {"<F>one</F>", "<DOCNUM>2<"});
  ExpectEachSliceIsItsIdoc(
      "<P>" + BareIdoc("1", "", "<S><F>one</F><!--></S></IDOC>--></S>") + BareIdoc("2", "", "") + "</P>",
      {"<F>one</F>", "<DOCNUM>2<"});
}

}  // namespace
}  // namespace ferry::idoc
