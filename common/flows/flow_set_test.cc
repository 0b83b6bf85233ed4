// Unit tests of the flow engine through its public API (docs/flows.md):
// compile a bundle, parse an IDoc, run, and compare the mapped records field
// by field. Sections follow the language reference: paths, functions,
// conversions, value maps, conditions, record errors, matching, compile
// errors, extends and diff. The last section holds known bugs, disabled
// until they are fixed.

#include "common/flows/flow_set.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/flows/flow_spec.h"
#include "common/idoc/idoc_xml.h"

#ifndef FERRY_FIXTURE_DIR
#error "FERRY_FIXTURE_DIR must be the absolute path of tests/fixtures"
#endif

namespace ferry::flows {
namespace {

using nlohmann::json;
using Kind = FlowOutcome::Kind;
using Records = std::vector<ferry::v1::MappedRecord>;

// ---------------------------------------------------------------------------
// Helpers

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One IDoc-XML packet: a control record (DOCNUM 0000000000000042, sender
// S4HCLNT100) followed by `segments`.
std::string Idoc(std::string_view segments, std::string_view mestyp = "DEBMAS", std::string_view idoctyp = "DEBMAS05",
                 std::string_view cimtyp = "") {
  const std::string root(idoctyp);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root + "><IDOC BEGIN=\"1\">\n";
  out += "<EDI_DC40 SEGMENT=\"1\"><TABNAM>EDI_DC40</TABNAM><MANDT>100</MANDT><DOCNUM>0000000000000042</DOCNUM>";
  out += "<IDOCTYP>" + root + "</IDOCTYP>";
  if (!cimtyp.empty()) out += "<CIMTYP>" + std::string(cimtyp) + "</CIMTYP>";
  out += "<MESTYP>" + std::string(mestyp) + "</MESTYP><SNDPRN>S4HCLNT100</SNDPRN></EDI_DC40>\n";
  out += segments;
  out += "</IDOC></" + root + ">\n";
  return out;
}

idoc::ParsedIdoc ParseOne(const std::string& xml) {
  Result<idoc::ParsedPacket> packet = idoc::ParseIdocXml(xml);
  EXPECT_TRUE(packet.ok()) << packet.status().message();
  if (!packet.ok() || packet->idocs.size() != 1) return {};
  return packet->idocs.front();
}

DocumentInfo InfoOf(const idoc::ParsedIdoc& idoc) {
  return DocumentInfo{"idoc_http", idoc.control.mestyp, idoc.control.idoctyp, idoc.control.cimtyp};
}

std::shared_ptr<const FlowSet> MustCompile(const std::vector<BundleFile>& files) {
  Result<std::shared_ptr<const FlowSet>> set = FlowSet::Compile(files);
  EXPECT_TRUE(set.ok()) << set.status().message();
  return set.ok() ? *set : nullptr;
}

// The error message of a bundle that must not compile.
std::string CompileError(const std::vector<BundleFile>& files) {
  Result<std::shared_ptr<const FlowSet>> set = FlowSet::Compile(files);
  EXPECT_FALSE(set.ok()) << "the bundle compiled";
  return set.ok() ? "" : set.status().message();
}
std::string CompileErrorOf(const std::string& yaml) { return CompileError({{"acme.yaml", yaml}}); }

RunResult RunOn(const FlowSet& set, const std::string& xml, bool explain = false) {
  const idoc::ParsedIdoc idoc = ParseOne(xml);
  if (idoc.document == nullptr) return {};
  return set.Run(*idoc.document, InfoOf(idoc), explain);
}

// Every outcome of a run in one line each, for failure messages.
std::string Describe(const RunResult& r) {
  std::string out;
  for (const FlowOutcome& o : r.outcomes) {
    out += "\n  flow " + o.flow->id + ": ";
    if (o.kind == Kind::kError) out += "error: " + o.error;
    if (o.kind == Kind::kDropped) out += "dropped";
    for (const auto& [connector, records] : o.by_connector) {
      for (const auto& record : records) out += RecordJson(record, connector) + " ";
    }
  }
  for (const std::string& miss : r.not_matched) out += "\n  " + miss;
  return out.empty() ? "no flow matched" : out;
}

// A compiled bundle and what running it on one document gave.
struct Mapping {
  std::shared_ptr<const FlowSet> flows;
  RunResult result;

  const FlowOutcome* Outcome(std::string_view flow_id) const {
    for (const FlowOutcome& o : result.outcomes) {
      if (o.flow->id == flow_id) return &o;
    }
    return nullptr;
  }
};

Mapping MapBundle(const std::vector<BundleFile>& files, const std::string& xml, bool explain = false) {
  Mapping m;
  m.flows = MustCompile(files);
  if (m.flows != nullptr) m.result = RunOn(*m.flows, xml, explain);
  return m;
}
Mapping MapFlow(const std::string& yaml, const std::string& xml) { return MapBundle({{"flow.yaml", yaml}}, xml); }

// The records flow `flow_id` sent to `connector`, in order.
Records RecordsTo(const Mapping& m, std::string_view connector, std::string_view flow_id = "f") {
  const FlowOutcome* o = m.Outcome(flow_id);
  if (o == nullptr || o->kind != Kind::kMapped) {
    ADD_FAILURE() << "flow " << flow_id << " did not map:" << Describe(m.result);
    return {};
  }
  for (const auto& [c, records] : o->by_connector) {
    if (c == connector) return records;
  }
  return {};
}

std::vector<std::string> ExternalIds(const Records& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.external_id());
  return ids;
}

json Fields(const ferry::v1::MappedRecord& record) { return json::parse(record.fields_json()); }

// Flow `id`: DEBMAS to connector "sf", one record "r" (object O, key field K)
// per E1KNA1M with external id KUNNR. `fields` is the body of `fields:`
// (entries indented six spaces); `top` goes before `records:`.
std::string FieldsFlow(std::string_view fields, std::string_view top = "", std::string_view id = "f") {
  std::string out = "flow: " + std::string(id) + "\nmatch: { message_type: DEBMAS }\ntarget: { connector: sf }\n";
  out += top;
  out += "\nrecords:\n  - name: r\n    object: O\n    key_field: K\n    for_each: E1KNA1M\n    external_id: KUNNR\n";
  out += "    fields:\n";
  out += fields;
  return out;
}

// The only record FieldsFlow(fields, top) makes of `segments`.
ferry::v1::MappedRecord MapOne(std::string_view fields, std::string_view segments, std::string_view top = "") {
  const Mapping m = MapFlow(FieldsFlow(fields, top), Idoc(segments));
  const Records records = RecordsTo(m, "sf");
  if (records.size() != 1) {
    ADD_FAILURE() << "expected one record:" << Describe(m.result);
    return {};
  }
  return records.front();
}
json MapFields(std::string_view fields, std::string_view segments, std::string_view top = "") {
  const ferry::v1::MappedRecord record = MapOne(fields, segments, top);
  return record.fields_json().empty() ? json() : Fields(record);
}

// The record error FieldsFlow(fields, top) gives on `segments`.
std::string RecordError(std::string_view fields, std::string_view segments, std::string_view top = "") {
  const Mapping m = MapFlow(FieldsFlow(fields, top), Idoc(segments));
  const FlowOutcome* o = m.Outcome("f");
  if (o == nullptr || o->kind != Kind::kError) {
    ADD_FAILURE() << "expected a record error:" << Describe(m.result);
    return "";
  }
  EXPECT_TRUE(o->by_connector.empty()) << "a failed flow sends no records";
  return o->error;
}

// `text` with its only occurrence of `from` replaced by `to`.
std::string Edit(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the text";
  EXPECT_EQ(out.find(from, at + 1), std::string::npos) << "'" << from << "' is in the text twice";
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' is not in: " << text;
}

// ---------------------------------------------------------------------------
// Documents

// One customer with two sales areas: RE in the first; AG, WE (empty), AG in
// the second.
constexpr char kSalesAreas[] = R"(<E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR>
<E1KNVVM SEGMENT="1"><VKORG>1000</VKORG>
<E1KNVPM SEGMENT="1"><PARVW>RE</PARVW><KUNN2>0000200001</KUNN2><AMOUNT>10.50</AMOUNT></E1KNVPM>
</E1KNVVM>
<E1KNVVM SEGMENT="1"><VKORG>2000</VKORG>
<E1KNVPM SEGMENT="1"><PARVW>AG</PARVW><KUNN2>0000200002</KUNN2><AMOUNT>2.25-</AMOUNT></E1KNVPM>
<E1KNVPM SEGMENT="1"><PARVW>WE</PARVW><KUNN2></KUNN2><AMOUNT></AMOUNT></E1KNVPM>
<E1KNVPM SEGMENT="1"><PARVW>AG</PARVW><KUNN2>0000200003</KUNN2><AMOUNT>1</AMOUNT></E1KNVPM>
</E1KNVVM>
</E1KNA1M>
)";

// Three customers with one, two and no contact persons.
constexpr char kContacts[] = R"(<E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR>
<E1KNVKM SEGMENT="1"><PARNR>0000000011</PARNR><NAME1>Anna</NAME1></E1KNVKM>
</E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>0000100002</KUNNR>
<E1KNVKM SEGMENT="1"><PARNR>0000000021</PARNR><NAME1>Bert</NAME1></E1KNVKM>
<E1KNVKM SEGMENT="1"><PARNR>0000000022</PARNR><NAME1>Cleo</NAME1></E1KNVKM>
</E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>0000100003</KUNNR></E1KNA1M>
)";

// A flow over kContacts: customers, their contacts, and one summary record.
constexpr char kContactsFlow[] = R"(flow: f
match: { message_type: DEBMAS }
target: { connector: sf }
records:
  - name: account
    object: Account
    key_field: K
    for_each: E1KNA1M
    external_id: KUNNR
  - name: contact
    object: Contact
    key_field: K
    for_each: E1KNA1M/E1KNVKM
    external_id: strip_zeros(PARNR)
    fields:
      Name: NAME1
      Account: ../KUNNR
      Docnum: /EDI_DC40/DOCNUM
      DocnumViaParents: ../../EDI_DC40/DOCNUM
      AboveRoot: ../../../KUNNR
  - name: summary
    object: Summary
    key_field: K
    external_id: /EDI_DC40/DOCNUM
    fields:
      Customers: count(E1KNA1M)
      Contacts: join(E1KNA1M/E1KNVKM/PARNR, ',')
)";

// One customer with a value for each function and conversion.
constexpr char kCustomer[] = R"(<E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR><LAND1>DE</LAND1>
<NAME1>  Nord wind  </NAME1><NAME2>Werk</NAME2><NAME3></NAME3><SORTL>a-b-c</SORTL><ALNUM>00A1</ALNUM><ZERO>000</ZERO>
<AMOUNT>2500.00-</AMOUNT><PADDED>  12.5</PADDED><COMMA>12,5</COMMA>
<WINTER>20250312</WINTER><SUMMER>20250712</SUMMER><TIME>091504</TIME><INITIAL>00000000</INITIAL><FEB30>20250230</FEB30>
<FLAG>X</FLAG><NOFLAG></NOFLAG><YFLAG>Y</YFLAG>
</E1KNA1M>
)";

// Three customers for conditions: a normal one, an internal one being
// deleted (MSGFN 003) and one flagged for deletion (LOEVM).
constexpr char kThreeCustomers[] = R"(
<E1KNA1M SEGMENT="1"><MSGFN>009</MSGFN><KUNNR>1</KUNNR><KTOKD>0001</KTOKD><QTY>9</QTY><TELF1>123</TELF1></E1KNA1M>
<E1KNA1M SEGMENT="1"><MSGFN>003</MSGFN><KUNNR>2</KUNNR><KTOKD>ZINT</KTOKD><QTY>10</QTY><TELF1></TELF1></E1KNA1M>
<E1KNA1M SEGMENT="1"><MSGFN>005</MSGFN><KUNNR>3</KUNNR><KTOKD>0002</KTOKD><QTY>100</QTY><TELF1>789</TELF1>
<LOEVM>X</LOEVM></E1KNA1M>
)";

// Customers with the country keys DE, XX (in no map) and none.
constexpr char kCountries[] = R"(
<E1KNA1M SEGMENT="1"><KUNNR>1</KUNNR><LAND1>DE</LAND1></E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>2</KUNNR><LAND1>XX</LAND1></E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>3</KUNNR><LAND1></LAND1></E1KNA1M>
)";

// ---------------------------------------------------------------------------
// Paths

TEST(FlowPathTest, QualifierSelectsTheNodesWhereTheConditionHolds) {
  json f = MapFields(R"(
      SoldTo: E1KNVVM/E1KNVPM[PARVW = 'AG']/KUNN2
      SecondSoldTo: E1KNVVM/E1KNVPM[PARVW = 'AG'][2]/KUNN2
      InArea2000: E1KNVVM[VKORG = '2000']/E1KNVPM/PARVW
      NoSuchPartner: E1KNVVM/E1KNVPM[PARVW = 'ZZ']/KUNN2
      HasShipTo: exists(E1KNVVM/E1KNVPM[PARVW = 'WE'])
      HasOther: exists(E1KNVVM/E1KNVPM[PARVW = 'ZZ'])
)",
                     kSalesAreas);
  EXPECT_EQ(f["SoldTo"], "0000200002");
  EXPECT_EQ(f["SecondSoldTo"], "0000200003");
  EXPECT_EQ(f["InArea2000"], "AG");
  EXPECT_TRUE(f["NoSuchPartner"].is_null());
  EXPECT_EQ(f["HasShipTo"], true);
  EXPECT_EQ(f["HasOther"], false);
}

TEST(FlowPathTest, IndexIsOneBasedAmongTheSiblingsOfEachParent) {
  json f = MapFields(R"(
      Area2: E1KNVVM[2]/VKORG
      Partner2OfArea2: E1KNVVM[2]/E1KNVPM[2]/PARVW
      Area3: E1KNVVM[3]/VKORG
      FirstOfEachArea: join(E1KNVVM/E1KNVPM[1]/PARVW, ',')
)",
                     kSalesAreas);
  EXPECT_EQ(f["Area2"], "2000");
  EXPECT_EQ(f["Partner2OfArea2"], "WE");
  EXPECT_TRUE(f["Area3"].is_null());
  EXPECT_EQ(f["FirstOfEachArea"], "RE,AG");
}

TEST(FlowPathTest, SingleValueTakesTheFirstMatchInDocumentOrder) {
  json f = MapFields(R"(
      FirstPartner: E1KNVVM/E1KNVPM/KUNN2
      FirstSoldTo: E1KNVVM/E1KNVPM[PARVW = 'AG']/KUNN2
      FirstArea: E1KNVVM/VKORG
)",
                     kSalesAreas);
  EXPECT_EQ(f["FirstPartner"], "0000200001");
  // The first sales area has no AG: the search goes on into the second.
  EXPECT_EQ(f["FirstSoldTo"], "0000200002");
  EXPECT_EQ(f["FirstArea"], "1000");
}

TEST(FlowPathTest, ParentAndAbsolutePaths) {
  const Mapping m = MapFlow(kContactsFlow, Idoc(kContacts));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 7u) << Describe(m.result);
  json cleo = Fields(records[5]);
  EXPECT_EQ(cleo["Name"], "Cleo");
  EXPECT_EQ(cleo["Account"], "0000100002");
  EXPECT_EQ(cleo["Docnum"], "0000000000000042");
  EXPECT_EQ(cleo["DocnumViaParents"], "0000000000000042");
  EXPECT_TRUE(cleo["AboveRoot"].is_null());
}

TEST(FlowPathTest, ForEachGivesOneRecordPerNodeInDocumentOrder) {
  const Mapping m = MapFlow(kContactsFlow, Idoc(kContacts));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 7u) << Describe(m.result);
  // Records in flow order, each record's nodes in document order.
  std::vector<std::string> names;
  for (const auto& r : records) names.push_back(r.record());
  EXPECT_EQ(names,
            (std::vector<std::string>{"account", "account", "account", "contact", "contact", "contact", "summary"}));
  EXPECT_EQ(ExternalIds(records),
            (std::vector<std::string>{"0000100001", "0000100002", "0000100003", "11", "21", "22", "0000000000000042"}));
  // Without for_each: one record per document, seeing every node.
  json summary = Fields(records[6]);
  EXPECT_EQ(summary["Customers"], 3);
  EXPECT_EQ(summary["Contacts"], "0000000011,0000000021,0000000022");
}

TEST(FlowPathTest, NestedForEachVisitsTheItemsOfEverySegment) {
  const Mapping m = MapFlow(kContactsFlow, Idoc(kContacts));
  Records contacts;
  for (const auto& r : RecordsTo(m, "sf")) {
    if (r.record() == "contact") contacts.push_back(r);
  }
  ASSERT_EQ(contacts.size(), 3u) << Describe(m.result);
  EXPECT_EQ(Fields(contacts[0])["Account"], "0000100001");
  EXPECT_EQ(Fields(contacts[1])["Account"], "0000100002");
  EXPECT_EQ(Fields(contacts[2])["Account"], "0000100002");
  EXPECT_EQ(Fields(contacts[0])["Name"], "Anna");
  EXPECT_EQ(Fields(contacts[1])["Name"], "Bert");
}

// ---------------------------------------------------------------------------
// Text functions

TEST(FlowFunctionTest, JoinCountSumAndExistsSeeEveryMatch) {
  json f = MapFields(R"(
      AllPartners: join(E1KNVVM/E1KNVPM/KUNN2, ';')
      SoldTos: join(E1KNVVM/E1KNVPM[PARVW = 'AG']/KUNN2, ',')
      Nothing: join(E1KNVVM/E1KNVPM[PARVW = 'ZZ']/KUNN2, ',')
      Partners: count(E1KNVVM/E1KNVPM)
      Total: sum(E1KNVVM/E1KNVPM/AMOUNT)
)",
                     kSalesAreas);
  EXPECT_EQ(f["AllPartners"], "0000200001;0000200002;0000200003") << "empty values are skipped";
  EXPECT_EQ(f["SoldTos"], "0000200002,0000200003");
  EXPECT_TRUE(f["Nothing"].is_null());
  EXPECT_EQ(f["Partners"], 4);
  EXPECT_EQ(f["Total"], 9.25) << "10.50 + 2.25- + 1";
}

TEST(FlowFunctionTest, PipePassesTheLeftValueAsFirstArgument) {
  // x | f(y) is f(x, y). The joined text is not all digits: strip_zeros
  // leaves it as it is.
  json f = MapFields(R"(
      SoldTos: join(E1KNVVM/E1KNVPM[PARVW = 'AG']/KUNN2, ',') | strip_zeros
      Customer: KUNNR | strip_zeros
      Second: E1KNVVM[2]/VKORG | substr(0, 1)
)",
                     kSalesAreas);
  EXPECT_EQ(f["SoldTos"], "0000200002,0000200003");
  EXPECT_EQ(f["Customer"], "100001");
  EXPECT_EQ(f["Second"], "2");
}

TEST(FlowFunctionTest, ConcatSkipsNullArguments) {
  json f = MapFields(R"(
      Joined: concat(NAME2, NAME3, '-', NOPE, SORTL)
      AllNull: concat(NOPE, NAME3)
      KeepsBlank: concat('a', ' ', 'b')
)",
                     kCustomer);
  EXPECT_EQ(f["Joined"], "Werk-a-b-c");
  EXPECT_TRUE(f["AllNull"].is_null());
  EXPECT_EQ(f["KeepsBlank"], "a b");
}

TEST(FlowFunctionTest, ConcatWsSkipsNullAndBlankArguments) {
  json f = MapFields(R"(
      Name: concat_ws(' ', NAME2, NAME3, NOPE, '  ', SORTL)
      Dashes: concat_ws(' - ', NAME2, SORTL)
      Nothing: concat_ws(' ', NOPE, '', ' ')
)",
                     kCustomer);
  EXPECT_EQ(f["Name"], "Werk a-b-c");
  EXPECT_EQ(f["Dashes"], "Werk - a-b-c");
  EXPECT_TRUE(f["Nothing"].is_null());
}

TEST(FlowFunctionTest, SplitSubstrReplace) {
  json f = MapFields(R"(
      Split0: split(SORTL, '-', 0)
      Split2: split(SORTL, '-', 2)
      Split3: split(SORTL, '-', 3)
      From2: substr(SORTL, 2)
      From2Len1: substr(SORTL, 2, 1)
      PastEnd: substr(SORTL, 9)
      Replaced: replace(SORTL, '-', '+')
      Longer: replace(SORTL, '-', '--')
      NullStaysNull: replace(NOPE, '-', '+')
)",
                     kCustomer);
  EXPECT_EQ(f["Split0"], "a");
  EXPECT_EQ(f["Split2"], "c");
  EXPECT_TRUE(f["Split3"].is_null());
  EXPECT_EQ(f["From2"], "b-c");
  EXPECT_EQ(f["From2Len1"], "b");
  EXPECT_TRUE(f["PastEnd"].is_null());
  EXPECT_EQ(f["Replaced"], "a+b+c");
  EXPECT_EQ(f["Longer"], "a--b--c");
  EXPECT_TRUE(f["NullStaysNull"].is_null());
}

TEST(FlowFunctionTest, UpperLowerTrim) {
  json f = MapFields(R"(
      Raw: NAME1
      Trimmed: trim(NAME1)
      BlankTrimmed: trim('   ')
      Upper: upper(NAME2)
      Lower: lower(NAME2)
      UpperNull: upper(NOPE)
)",
                     kCustomer);
  EXPECT_EQ(f["Raw"], "  Nord wind") << "trailing blanks of a field are removed, leading ones kept";
  EXPECT_EQ(f["Trimmed"], "Nord wind");
  EXPECT_TRUE(f["BlankTrimmed"].is_null());
  EXPECT_EQ(f["Upper"], "WERK");
  EXPECT_EQ(f["Lower"], "werk");
  EXPECT_TRUE(f["UpperNull"].is_null());
}

TEST(FlowFunctionTest, StripAndPadZerosLeaveNonNumericValuesAlone) {
  json f = MapFields(R"(
      Stripped: strip_zeros(KUNNR)
      AllZeros: strip_zeros(ZERO)
      NotNumeric: strip_zeros(ALNUM)
      Padded: pad_zeros('123', 10)
      AlreadyLong: pad_zeros(KUNNR, 3)
      PadNotNumeric: pad_zeros(ALNUM, 10)
      RoundTrip: pad_zeros(strip_zeros(KUNNR), 10)
)",
                     kCustomer);
  EXPECT_EQ(f["Stripped"], "100001");
  EXPECT_EQ(f["AllZeros"], "0");
  EXPECT_EQ(f["NotNumeric"], "00A1");
  EXPECT_EQ(f["Padded"], "0000000123");
  EXPECT_EQ(f["AlreadyLong"], "0000100001");
  EXPECT_EQ(f["PadNotNumeric"], "00A1");
  EXPECT_EQ(f["RoundTrip"], "0000100001");
}

// ---------------------------------------------------------------------------
// Conversions

TEST(FlowConversionTest, DecimalReadsSapNumbers) {
  const ferry::v1::MappedRecord r = MapOne(R"(
      Amount: decimal(AMOUNT)
      Padded: decimal(PADDED)
      Missing: decimal(NOPE)
      AsText: text(decimal(AMOUNT))
      Customer: KUNNR
)",
                                           kCustomer);
  // The exact JSON text: the scale is kept, nothing goes through a double.
  EXPECT_TRUE(Contains(r.fields_json(), R"("Amount":-2500.00,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Padded":12.5,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Missing":null,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("AsText":"-2500.00",)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Customer":"0000100001")")) << "a field stays text unless asked";
}

TEST(FlowConversionTest, ArithmeticIsExact) {
  const ferry::v1::MappedRecord r = MapOne(R"(
      Sum: 0.1 + 0.2
      Double: decimal('2500.00-') * 2
      DoubleField: decimal(AMOUNT) * 2
      Difference: 5 - 7.25
      Negated: -decimal(PADDED)
      NullOperand: decimal(NOPE) + 1
)",
                                           kCustomer);
  EXPECT_TRUE(Contains(r.fields_json(), R"("Sum":0.3,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Double":-5000.00,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("DoubleField":-5000.00,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Difference":-2.25,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Negated":-12.5,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("NullOperand":null})"));
}

TEST(FlowConversionTest, DivisionRoundingAndAbs) {
  const ferry::v1::MappedRecord r = MapOne(R"(
      Third: 10 div 3
      Quarter: 1.00 div 4
      KeepsScale: 7.50 div 2.5
      RoundedUp: round(decimal('2.345'), 2)
      RoundedNegative: round(decimal('2.345-'), 2)
      RoundedThird: round(10 div 3, 2)
      Absolute: abs(decimal(AMOUNT))
)",
                                           kCustomer);
  EXPECT_TRUE(Contains(r.fields_json(), R"("Third":3.3333333333,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Quarter":0.25,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("KeepsScale":3.00,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("RoundedUp":2.35,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("RoundedNegative":-2.35,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("RoundedThird":3.33,)"));
  EXPECT_TRUE(Contains(r.fields_json(), R"("Absolute":2500.00})"));
}

TEST(FlowConversionTest, DateAndTime) {
  json f = MapFields(R"(
      Date: date(WINTER)
      Initial: date(INITIAL)
      Missing: date(NOPE)
      Time: time(TIME)
)",
                     kCustomer);
  EXPECT_EQ(f["Date"], "2025-03-12");
  EXPECT_TRUE(f["Initial"].is_null());
  EXPECT_TRUE(f["Missing"].is_null());
  EXPECT_EQ(f["Time"], "09:15:04");
}

TEST(FlowConversionTest, DateTimeUsesTheFlowTimezoneOrUtc) {
  constexpr char kFields[] = R"(
      Winter: datetime(WINTER, TIME)
      Summer: datetime(SUMMER, TIME)
      NoTime: datetime(WINTER, NOPE)
      InitialDate: datetime(INITIAL, TIME)
)";
  const Mapping m = MapBundle({{"berlin.yaml", FieldsFlow(kFields, "timezone: Europe/Berlin\n", "berlin")},
                               {"utc.yaml", FieldsFlow(kFields, "", "utc")}},
                              Idoc(kCustomer));
  const Records berlin = RecordsTo(m, "sf", "berlin");
  const Records utc = RecordsTo(m, "sf", "utc");
  ASSERT_EQ(berlin.size(), 1u);
  ASSERT_EQ(utc.size(), 1u);
  json b = Fields(berlin[0]);
  EXPECT_EQ(b["Winter"], "2025-03-12T09:15:04+01:00");
  EXPECT_EQ(b["Summer"], "2025-07-12T09:15:04+02:00");
  EXPECT_EQ(b["NoTime"], "2025-03-12T00:00:00+01:00");
  EXPECT_TRUE(b["InitialDate"].is_null());
  json u = Fields(utc[0]);
  EXPECT_EQ(u["Winter"], "2025-03-12T09:15:04+00:00");
  EXPECT_EQ(u["Summer"], "2025-07-12T09:15:04+00:00");
}

TEST(FlowConversionTest, BoolAndIsSet) {
  json f = MapFields(R"(
      Flag: bool(FLAG)
      Blank: bool(NOFLAG)
      Missing: bool(NOPE)
      SpacesOnly: bool('  ')
      SetFlag: is_set(FLAG)
      SetBlank: is_set(NOFLAG)
      SetSpaces: is_set('  ')
      SetMissing: is_set(NOPE)
      SetZero: is_set('0')
)",
                     kCustomer);
  EXPECT_EQ(f["Flag"], true);
  EXPECT_EQ(f["Blank"], false);
  EXPECT_EQ(f["Missing"], false);
  EXPECT_EQ(f["SpacesOnly"], false);
  EXPECT_EQ(f["SetFlag"], true);
  EXPECT_EQ(f["SetBlank"], false);
  EXPECT_EQ(f["SetSpaces"], false);
  EXPECT_EQ(f["SetMissing"], false);
  EXPECT_EQ(f["SetZero"], true);
}

// ---------------------------------------------------------------------------
// Value maps

TEST(FlowValueMapTest, UnmappedErrorIsARecordError) {
  EXPECT_EQ(RecordError("      BillingCountry: map(country, LAND1)\n", kCountries,
                        "value_maps:\n  country: { values: { DE: DEU } }\n"),
            "flow f record r /E1KNA1M[2] field BillingCountry: value map 'country' has no entry for 'XX'");
}

TEST(FlowValueMapTest, UnmappedNullKeepAndDefault) {
  const Mapping m = MapFlow(FieldsFlow(R"(
      AsNull: map(as_null, LAND1)
      Keep: map(kept, LAND1)
      Default: map(defaulted, LAND1)
      ImpliedDefault: map(implied, LAND1)
)",
                                       R"(value_maps:
  as_null: { values: { DE: DEU }, unmapped: 'null' }
  kept: { values: { DE: DEU }, unmapped: keep }
  defaulted: { values: { DE: DEU }, unmapped: default, default: ZZZ }
  implied: { values: { DE: DEU }, default: QQ }
)"),
                            Idoc(kCountries));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  json de = Fields(records[0]), xx = Fields(records[1]), none = Fields(records[2]);
  for (const char* field : {"AsNull", "Keep", "Default", "ImpliedDefault"}) {
    EXPECT_EQ(de[field], "DEU") << field;
    EXPECT_TRUE(none[field].is_null()) << field << ": a null input gives null without a lookup";
  }
  EXPECT_TRUE(xx["AsNull"].is_null());
  EXPECT_EQ(xx["Keep"], "XX");
  EXPECT_EQ(xx["Default"], "ZZZ");
  EXPECT_EQ(xx["ImpliedDefault"], "QQ");
}

TEST(FlowValueMapTest, NullInputIsNotAnErrorInErrorMode) {
  const Mapping m = MapFlow(FieldsFlow("      BillingCountry: map(country, LAND1)\n",
                                       "value_maps:\n  country: { values: { DE: DEU }, unmapped: error }\n"),
                            Idoc(R"(<E1KNA1M SEGMENT="1"><KUNNR>3</KUNNR><LAND1></LAND1></E1KNA1M>)"));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 1u) << Describe(m.result);
  EXPECT_EQ(records[0].fields_json(), R"({"BillingCountry":null})");
}

// ---------------------------------------------------------------------------
// Conditions

TEST(FlowConditionTest, RecordWhenEmitsOnlyMatchingNodes) {
  const Mapping m = MapFlow(Edit(FieldsFlow("      Group: KTOKD\n"), "    for_each: E1KNA1M\n",
                                 "    for_each: E1KNA1M\n    when: KTOKD != 'ZINT'\n"),
                            Idoc(kThreeCustomers));
  EXPECT_EQ(ExternalIds(RecordsTo(m, "sf")), (std::vector<std::string>{"1", "3"}));
}

TEST(FlowConditionTest, FieldWhenLeavesTheFieldOut) {
  const Mapping m = MapFlow(FieldsFlow(R"(
      Phone:
        value: TELF1
        when: KTOKD != '0002'
      Fixed:
        const: SAP
)"),
                            Idoc(kThreeCustomers));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  EXPECT_EQ(records[0].fields_json(), R"({"Phone":"123","Fixed":"SAP"})");
  EXPECT_EQ(records[1].fields_json(), R"({"Phone":null,"Fixed":"SAP"})") << "when holds, the value is null";
  EXPECT_EQ(records[2].fields_json(), R"({"Fixed":"SAP"})") << "when is false: no Phone at all";
}

TEST(FlowConditionTest, IfCoalesceOneOf) {
  const Mapping m = MapFlow(FieldsFlow(R"(
      Kind: if(KTOKD = 'ZINT', 'internal', 'external')
      Deleted: if(is_set(LOEVM), 'deleted')
      Phone: coalesce(TELF1, NOPE, '  ', 'none')
      Standard: one_of(KTOKD, '0001', '0002')
)"),
                            Idoc(kThreeCustomers));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  json c1 = Fields(records[0]), c2 = Fields(records[1]), c3 = Fields(records[2]);
  EXPECT_EQ(c1["Kind"], "external");
  EXPECT_EQ(c2["Kind"], "internal");
  EXPECT_TRUE(c1["Deleted"].is_null()) << "if() without else gives null";
  EXPECT_EQ(c3["Deleted"], "deleted");
  EXPECT_EQ(c1["Phone"], "123");
  EXPECT_EQ(c2["Phone"], "none") << "null and blank arguments are passed over";
  EXPECT_EQ(c1["Standard"], true);
  EXPECT_EQ(c2["Standard"], false);
  EXPECT_EQ(c3["Standard"], true);
}

TEST(FlowConditionTest, ComparisonIsNumericWhenEitherSideIsANumber) {
  const Mapping m = MapFlow(FieldsFlow(R"(
      NumberGreater: QTY > 9
      TextGreater: QTY > '9'
      NumberEqual: QTY = 10.0
      TextEqual: QTY = '10.0'
      NullIsBlank: NOPE = ''
      NullNotLess: NOPE < 5
)"),
                            Idoc(kThreeCustomers));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  // QTY is 9, 10 and 100: as text, "10" and "100" sort before "9".
  const std::vector<bool> number_greater{false, true, true}, number_equal{false, true, false};
  for (size_t i = 0; i < 3; ++i) {
    json f = Fields(records[i]);
    EXPECT_EQ(f["NumberGreater"], number_greater[i]) << i;
    EXPECT_EQ(f["TextGreater"], false) << i;
    EXPECT_EQ(f["NumberEqual"], number_equal[i]) << i;
    EXPECT_EQ(f["TextEqual"], false) << i;
    EXPECT_EQ(f["NullIsBlank"], true) << i;
    EXPECT_EQ(f["NullNotLess"], false) << i;
  }
}

TEST(FlowConditionTest, AndOrNot) {
  const Mapping m = MapFlow(FieldsFlow(R"(
      And: KTOKD = '0001' and QTY < 10
      Or: KTOKD = 'ZINT' or QTY >= 100
      Not: not is_set(LOEVM)
      NullIsFalse: NOPE or ''
      Precedence: KTOKD = 'ZINT' or KTOKD = '0002' and is_set(LOEVM)
)"),
                            Idoc(kThreeCustomers));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  json c1 = Fields(records[0]), c2 = Fields(records[1]), c3 = Fields(records[2]);
  EXPECT_EQ(c1["And"], true);
  EXPECT_EQ(c2["And"], false);
  EXPECT_EQ(c1["Or"], false);
  EXPECT_EQ(c2["Or"], true);
  EXPECT_EQ(c3["Or"], true);
  EXPECT_EQ(c1["Not"], true);
  EXPECT_EQ(c3["Not"], false);
  EXPECT_EQ(c1["NullIsFalse"], false);
  EXPECT_EQ(c1["Precedence"], false);
  EXPECT_EQ(c2["Precedence"], true) << "and binds tighter than or";
  EXPECT_EQ(c3["Precedence"], true);
}

TEST(FlowConditionTest, DropWhenDropsTheDocument) {
  const auto set = MustCompile(
      {{"flow.yaml", FieldsFlow("      Group: KTOKD\n", "drop_when: one_of(E1KNA1M/KTOKD, 'CPD', 'CPDA')\n")}});
  ASSERT_NE(set, nullptr);
  const RunResult dropped = RunOn(*set, Idoc(R"(<E1KNA1M SEGMENT="1"><KUNNR>1</KUNNR><KTOKD>CPD</KTOKD></E1KNA1M>)"));
  ASSERT_EQ(dropped.outcomes.size(), 1u);
  EXPECT_EQ(dropped.outcomes[0].kind, Kind::kDropped);
  EXPECT_TRUE(dropped.outcomes[0].by_connector.empty());
  EXPECT_TRUE(dropped.outcomes[0].error.empty());
  const RunResult kept = RunOn(*set, Idoc(R"(<E1KNA1M SEGMENT="1"><KUNNR>1</KUNNR><KTOKD>0001</KTOKD></E1KNA1M>)"));
  ASSERT_EQ(kept.outcomes.size(), 1u);
  EXPECT_EQ(kept.outcomes[0].kind, Kind::kMapped);
}

TEST(FlowConditionTest, DeleteWhenMakesTheActionDelete) {
  const Mapping m = MapFlow(Edit(FieldsFlow("      Group: KTOKD\n"), "    external_id: KUNNR\n",
                                 "    external_id: KUNNR\n    delete_when: MSGFN == '003' or LOEVM == 'X'\n"),
                            Idoc(kThreeCustomers));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  EXPECT_EQ(records[0].action(), "upsert");
  EXPECT_EQ(records[1].action(), "delete") << "MSGFN 003";
  EXPECT_EQ(records[2].action(), "delete") << "LOEVM X";
  EXPECT_EQ(Fields(records[1])["Group"], "ZINT") << "a delete still carries its fields";
}

TEST(FlowConditionTest, RecordConnectorRoutesIntoASecondGroup) {
  const Mapping m = MapFlow(R"(flow: f
match: { message_type: DEBMAS }
target: { connector: salesforce }
records:
  - name: account
    object: Account
    key_field: K
    for_each: E1KNA1M
    external_id: KUNNR
  - name: internal
    object: Internal
    key_field: K
    for_each: E1KNA1M
    when: KTOKD == 'ZINT'
    external_id: KUNNR
    connector: webhook
)",
                            Idoc(kThreeCustomers));
  const FlowOutcome* o = m.Outcome("f");
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(o->by_connector.size(), 2u) << Describe(m.result);
  EXPECT_EQ(o->by_connector[0].first, "salesforce");
  EXPECT_EQ(ExternalIds(o->by_connector[0].second), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(o->by_connector[1].first, "webhook");
  ASSERT_EQ(o->by_connector[1].second.size(), 1u);
  EXPECT_EQ(RecordJson(o->by_connector[1].second[0], "webhook"),
            R"({"record":"internal","object":"Internal","action":"upsert","external_id":"2","key_field":"K",)"
            R"("fields":{},"connector":"webhook"})");
}

// ---------------------------------------------------------------------------
// Record errors: "flow F record R <node> field X: reason"

TEST(FlowRecordErrorTest, UnmappedValueNamesFlowRecordNodeAndField) {
  const Mapping m = MapFlow(R"(flow: debmas-account-salesforce
match: { message_type: DEBMAS }
target: { connector: salesforce }
value_maps:
  country: { values: { DE: DE } }
records:
  - name: account
    object: Account
    key_field: SAP_Customer_Number__c
    for_each: E1KNA1M
    external_id: KUNNR
    fields:
      BillingCountry: map(country, LAND1)
)",
                            Idoc(kCountries));
  const FlowOutcome* o = m.Outcome("debmas-account-salesforce");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->kind, Kind::kError);
  EXPECT_TRUE(o->by_connector.empty()) << "the good first record is not sent either";
  EXPECT_EQ(o->error,
            "flow debmas-account-salesforce record account /E1KNA1M[2] field BillingCountry: "
            "value map 'country' has no entry for 'XX'");
}

TEST(FlowRecordErrorTest, RequiredFieldThatIsEmpty) {
  EXPECT_EQ(RecordError(R"(
      Phone:
        value: TELF1
        required: true
)",
                        R"(<E1KNA1M SEGMENT="1"><KUNNR>1</KUNNR><TELF1></TELF1></E1KNA1M>)"),
            "flow f record r /E1KNA1M[1] field Phone: is required but empty");
}

TEST(FlowRecordErrorTest, RequiredFunctionNamesWhatIsMissing) {
  EXPECT_EQ(RecordError("      Name: required(NAME3, 'Name 3')\n", kCustomer),
            "flow f record r /E1KNA1M[1] field Name: Name 3 is required");
  EXPECT_EQ(RecordError("      Name: required(concat_ws(' ', NOPE, '  '))\n", kCustomer),
            "flow f record r /E1KNA1M[1] field Name: a value is required");
}

TEST(FlowRecordErrorTest, ImpossibleDate) {
  EXPECT_EQ(RecordError("      Founded: date(FEB30)\n", kCustomer),
            "flow f record r /E1KNA1M[1] field Founded: not an SAP date (YYYYMMDD): '20250230'");
}

TEST(FlowRecordErrorTest, DecimalOfSomethingThatIsNotANumber) {
  EXPECT_EQ(RecordError("      Amount: decimal(COMMA)\n", kCustomer),
            "flow f record r /E1KNA1M[1] field Amount: decimal: '12,5' is not a number");
}

TEST(FlowRecordErrorTest, FlagThatIsNeitherXNorBlank) {
  EXPECT_EQ(RecordError("      Blocked: bool(YFLAG)\n", kCustomer),
            "flow f record r /E1KNA1M[1] field Blocked: not an SAP flag (X or blank): 'Y'");
}

TEST(FlowRecordErrorTest, EmptyExternalId) {
  const std::string segments = std::string(kCustomer) + R"(<E1KNA1M SEGMENT="1"><KUNNR></KUNNR></E1KNA1M>)";
  EXPECT_EQ(RecordError("      Name: NAME2\n", segments), "flow f record r /E1KNA1M[2] external_id: is empty");
}

TEST(FlowRecordErrorTest, AnErrorInOneFlowDoesNotAffectAnother) {
  const Mapping m = MapBundle(
      {{"strict.yaml", FieldsFlow("      Country: map(country, LAND1)\n",
                                  "value_maps:\n  country: { values: { DE: DEU } }\n", "strict")},
       {"lenient.yaml", FieldsFlow("      Country: map(country, LAND1)\n",
                                   "value_maps:\n  country: { values: { DE: DEU }, unmapped: keep }\n", "lenient")}},
      Idoc(kCountries));
  ASSERT_EQ(m.result.outcomes.size(), 2u) << Describe(m.result);
  const FlowOutcome* strict = m.Outcome("strict");
  ASSERT_NE(strict, nullptr);
  EXPECT_EQ(strict->kind, Kind::kError);
  EXPECT_TRUE(Contains(strict->error, "flow strict record r /E1KNA1M[2] field Country: "));
  const Records lenient = RecordsTo(m, "sf", "lenient");
  ASSERT_EQ(lenient.size(), 3u);
  EXPECT_EQ(Fields(lenient[1])["Country"], "XX");
}

// ---------------------------------------------------------------------------
// Matching

// Flow `id` whose `match:` holds `match` (the keys of a YAML flow mapping),
// one record per document.
std::string MatchFlow(std::string_view id, std::string_view match) {
  return "flow: " + std::string(id) + "\nmatch: { " + std::string(match) + " }\ntarget: { connector: sf }\n" +
         "records:\n  - { name: r, object: O, key_field: K, external_id: /EDI_DC40/DOCNUM }\n";
}

std::vector<std::string> MatchedFlows(const RunResult& r) {
  std::vector<std::string> ids;
  for (const FlowOutcome& o : r.outcomes) ids.push_back(o.flow->id);
  return ids;
}

TEST(FlowMatchTest, MessageTypeIsOneOfAList) {
  const auto set = MustCompile({{"orders.yaml", MatchFlow("orders", "message_type: [ORDERS, ORDRSP]")},
                                {"accounts.yaml", MatchFlow("accounts", "message_type: DEBMAS")}});
  ASSERT_NE(set, nullptr);
  using Ids = std::vector<std::string>;
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc("", "ORDERS", "ORDERS05"))), Ids{"orders"});
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc("", "ORDRSP", "ORDERS05"))), Ids{"orders"});
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc("", "DEBMAS", "DEBMAS05"))), Ids{"accounts"});
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc("", "MATMAS", "MATMAS05"))), Ids{});
}

TEST(FlowMatchTest, IdocTypeMatchesTheBasicTypeOrTheExtension) {
  const auto set = MustCompile({{"a.yaml", MatchFlow("basic", "message_type: DEBMAS, idoc_type: DEBMAS05")},
                                {"b.yaml", MatchFlow("extension", "message_type: DEBMAS, idoc_type: [ZDEBMAS5]")},
                                {"c.yaml", MatchFlow("other", "message_type: DEBMAS, idoc_type: DEBMAS07")}});
  ASSERT_NE(set, nullptr);
  using Ids = std::vector<std::string>;
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc("", "DEBMAS", "DEBMAS05", "ZDEBMAS5"))), (Ids{"basic", "extension"}));
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc("", "DEBMAS", "DEBMAS05"))), Ids{"basic"});
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc("", "DEBMAS", "DEBMAS07"))), Ids{"other"});
}

TEST(FlowMatchTest, SourceMustBeTheDocumentsSource) {
  const auto set = MustCompile({{"a.yaml", MatchFlow("events", "message_type: DEBMAS, source: s4_events")},
                                {"b.yaml", MatchFlow("idocs", "message_type: DEBMAS, source: idoc_http")},
                                {"c.yaml", MatchFlow("any", "message_type: DEBMAS")}});
  ASSERT_NE(set, nullptr);
  const idoc::ParsedIdoc idoc = ParseOne(Idoc(""));
  ASSERT_NE(idoc.document, nullptr);
  using Ids = std::vector<std::string>;
  EXPECT_EQ(MatchedFlows(set->Run(*idoc.document, DocumentInfo{"idoc_http", "DEBMAS", "DEBMAS05", ""})),
            (Ids{"idocs", "any"}));
  EXPECT_EQ(MatchedFlows(set->Run(*idoc.document, DocumentInfo{"s4_events", "DEBMAS", "DEBMAS05", ""})),
            (Ids{"events", "any"}));
}

TEST(FlowMatchTest, MatchWhenTestsTheDocument) {
  const auto set =
      MustCompile({{"a.yaml", MatchFlow("ours", R"(message_type: DEBMAS, when: "/EDI_DC40/SNDPRN == 'S4HCLNT100'")")},
                   {"b.yaml", MatchFlow("theirs", R"(message_type: DEBMAS, when: "/EDI_DC40/SNDPRN == 'OTHER'")")},
                   {"c.yaml", MatchFlow("with-customer", "message_type: DEBMAS, when: \"exists(E1KNA1M)\"")}});
  ASSERT_NE(set, nullptr);
  using Ids = std::vector<std::string>;
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc(""))), Ids{"ours"});
  EXPECT_EQ(MatchedFlows(RunOn(*set, Idoc(R"(<E1KNA1M SEGMENT="1"><KUNNR>1</KUNNR></E1KNA1M>)"))),
            (Ids{"ours", "with-customer"}));
}

TEST(FlowMatchTest, ExplainSaysWhyEachOtherFlowDidNotMatch) {
  // One file holding a `flows:` list.
  const auto set = MustCompile({{"flows.yaml", R"(flows:
  - flow: orders
    match: { message_type: [ORDERS, ORDRSP] }
    target: { connector: sf }
    records: [ { name: r, object: O, key_field: K, external_id: /EDI_DC40/DOCNUM } ]
  - flow: accounts-v7
    match: { message_type: DEBMAS, idoc_type: [DEBMAS06, DEBMAS07] }
    target: { connector: sf }
    records: [ { name: r, object: O, key_field: K, external_id: /EDI_DC40/DOCNUM } ]
  - flow: from-events
    match: { message_type: DEBMAS, source: s4_events }
    target: { connector: sf }
    records: [ { name: r, object: O, key_field: K, external_id: /EDI_DC40/DOCNUM } ]
  - flow: other-system
    match: { message_type: DEBMAS, when: "/EDI_DC40/SNDPRN == 'OTHER'" }
    target: { connector: sf }
    records: [ { name: r, object: O, key_field: K, external_id: /EDI_DC40/DOCNUM } ]
  - flow: accounts
    match: { message_type: DEBMAS }
    target: { connector: sf }
    records: [ { name: r, object: O, key_field: K, external_id: /EDI_DC40/DOCNUM } ]
)"}});
  ASSERT_NE(set, nullptr);
  const RunResult debmas = RunOn(*set, Idoc(""), /*explain=*/true);
  EXPECT_EQ(MatchedFlows(debmas), std::vector<std::string>{"accounts"});
  EXPECT_EQ(debmas.not_matched, (std::vector<std::string>{
                                    "flow orders: message type DEBMAS is not ORDERS/ORDRSP",
                                    "flow accounts-v7: IDoc type DEBMAS05 is not DEBMAS06/DEBMAS07",
                                    "flow from-events: source idoc_http is not s4_events",
                                    "flow other-system: match.when is false",
                                }));
  const RunResult orders = RunOn(*set, Idoc("", "ORDERS", "ORDERS05"), /*explain=*/true);
  EXPECT_EQ(MatchedFlows(orders), std::vector<std::string>{"orders"});
  EXPECT_EQ(orders.not_matched.back(), "flow accounts: message type ORDERS is not DEBMAS");
  EXPECT_TRUE(RunOn(*set, Idoc(""), /*explain=*/false).not_matched.empty());
}

// ---------------------------------------------------------------------------
// Compile errors: "file:line: key: reason"

// Compiles as it is; each test breaks one thing. Line numbers matter.
constexpr char kValidFlow[] = R"(flow: acme
match:
  message_type: DEBMAS
target:
  connector: salesforce
value_maps:
  country:
    values: { DE: DEU }
records:
  - name: account
    object: Account
    key_field: SAP_Customer_Number__c
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    fields:
      Name: NAME1
      BillingCountry: map(country, LAND1)
)";

TEST(FlowCompileErrorTest, TheValidFlowCompiles) {
  const auto set = MustCompile({{"acme.yaml", kValidFlow}});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->flows().size(), 1u);
}

TEST(FlowCompileErrorTest, YamlSyntaxErrorNamesLineAndColumn) {
  const std::string error =
      CompileErrorOf(Edit(kValidFlow, "  message_type: DEBMAS\n", "  message_type: DEBMAS\n\tidoc_type: X\n"));
  EXPECT_TRUE(Contains(error, "acme.yaml:4:1: YAML error: ")) << "no key path: the file does not parse";
  EXPECT_TRUE(Contains(error, "tab"));
}

TEST(FlowCompileErrorTest, UnknownKey) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "for_each:", "for_eech:")),
            "acme.yaml:13: records[0].for_eech: unknown key");
}

TEST(FlowCompileErrorTest, UnknownKeyInAFlowsList) {
  const std::string list = "flows:\n  - flow: first\n    match: { message_type: DEBMAS, mesage_type: X }\n";
  EXPECT_EQ(CompileError({{"list.yaml", list}}), "list.yaml:3: flows[0].match.mesage_type: unknown key");
}

TEST(FlowCompileErrorTest, MissingFlowId) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "flow: acme\n", "")), "acme.yaml:1: flow: is required (the flow's id)");
}

TEST(FlowCompileErrorTest, MissingMessageType) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "message_type: DEBMAS", "idoc_type: DEBMAS05")),
            "acme.yaml:1: match.message_type: is required");
}

TEST(FlowCompileErrorTest, MissingConnector) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "target:\n  connector: salesforce\n", "")),
            "acme.yaml:1: target.connector: is required");
}

TEST(FlowCompileErrorTest, MissingRecords) {
  const std::string flow(kValidFlow);
  EXPECT_EQ(CompileErrorOf(flow.substr(0, flow.find("records:"))), "acme.yaml:1: records: is required");
}

TEST(FlowCompileErrorTest, MissingRecordKeysAreAllReported) {
  std::string flow = Edit(kValidFlow, "    object: Account\n    key_field: SAP_Customer_Number__c\n", "");
  flow = Edit(flow, "    external_id: strip_zeros(KUNNR)\n", "");
  EXPECT_EQ(CompileErrorOf(flow),
            "acme.yaml:10: records[0].object: is required\n"
            "acme.yaml:10: records[0].key_field: is required\n"
            "acme.yaml:10: records[0].external_id: is required");
}

TEST(FlowCompileErrorTest, BadFlowId) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "flow: acme", "flow: Acme_Flow")),
            "acme.yaml:1: flow: 'Acme_Flow' is not a valid id (lowercase letters, digits and '-')");
  EXPECT_TRUE(Contains(CompileErrorOf(Edit(kValidFlow, "flow: acme", "flow: -acme")), "'-acme' is not a valid id"));
}

TEST(FlowCompileErrorTest, DuplicateFlowIdAcrossFiles) {
  EXPECT_EQ(CompileError({{"a.yaml", kValidFlow}, {"b.yaml", kValidFlow}}),
            "b.yaml:1: flow: duplicate flow id 'acme' (also in a.yaml)");
}

TEST(FlowCompileErrorTest, DuplicateRecordName) {
  const std::string flow =
      std::string(kValidFlow) + "  - name: account\n    object: Contact\n    key_field: K\n    external_id: KUNNR\n";
  EXPECT_EQ(CompileErrorOf(flow), "acme.yaml:18: records[1]: duplicate record name 'account'");
}

TEST(FlowCompileErrorTest, UnknownFunction) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "Name: NAME1", "Name: concatt(NAME1, NAME2)")),
            "acme.yaml:16: records[0].fields.Name: column 1: unknown function 'concatt'");
}

TEST(FlowCompileErrorTest, WrongArgumentCount) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "Name: NAME1", "Name: substr(NAME1)")),
            "acme.yaml:16: records[0].fields.Name: column 1: substr() takes 2 to 3 arguments, not 1");
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "Name: NAME1", "Name: trim(NAME1, NAME2)")),
            "acme.yaml:16: records[0].fields.Name: column 1: trim() takes 1 argument, not 2");
}

TEST(FlowCompileErrorTest, UnknownValueMap) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "map(country, LAND1)", "map(land, LAND1)")),
            "acme.yaml:17: records[0].fields.BillingCountry: column 5: unknown value map 'land'");
}

TEST(FlowCompileErrorTest, ExpressionSyntaxErrorNamesItsColumn) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "Name: NAME1", "Name: concat(NAME1, , NAME2)")),
            "acme.yaml:16: records[0].fields.Name: column 15: "
            "expected a value, a path or a function call but found ','");
}

TEST(FlowCompileErrorTest, ForEachMustBeAPath) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "for_each: E1KNA1M", "for_each: strip_zeros(E1KNA1M)")),
            "acme.yaml:13: records[0].for_each: must be a path to the repeated segment");
}

TEST(FlowCompileErrorTest, InvalidUnmappedMode) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "values: { DE: DEU }\n", "values: { DE: DEU }\n    unmapped: drop\n")),
            "acme.yaml:9: value_maps.country.unmapped: expected error, null, keep or default, not 'drop'");
}

TEST(FlowCompileErrorTest, UnknownTimezone) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "records:\n", "timezone: Europe/Hamburg\nrecords:\n")),
            "acme.yaml:1: timezone: unknown time zone 'Europe/Hamburg'");
}

TEST(FlowCompileErrorTest, ExtendsAMissingStandardFlow) {
  EXPECT_EQ(CompileErrorOf(Edit(kValidFlow, "flow: acme\n", "flow: acme\nextends: nope-standard\n")),
            "acme.yaml:1: extends: no standard flow 'nope-standard' in the bundle (is it in the standard flow "
            "folder?)");
}

TEST(FlowCompileErrorTest, ExtendsCycle) {
  const std::string a = Edit(kValidFlow, "flow: acme\n", "flow: std-a\nextends: std-b\n");
  EXPECT_EQ(CompileError({{"standard/std-a.yaml", a},
                          {"standard/std-b.yaml", "flow: std-b\nextends: std-a\n"},
                          {"acme.yaml", "flow: acme\nextends: std-a\n"}}),
            "acme.yaml:1: extends: cycle: acme → std-a → std-b → std-a");
}

// ---------------------------------------------------------------------------
// Extending a standard flow

constexpr char kStandardAccounts[] = R"(flow: std-accounts
description: Standard accounts
match:
  message_type: DEBMAS
target:
  connector: salesforce
value_maps:
  country:
    values: { DE: DEU, AT: AUT }
records:
  - name: account
    object: Account
    key_field: SAP_Customer_Number__c
    for_each: E1KNA1M
    external_id: strip_zeros(KUNNR)
    fields:
      Name: concat_ws(' ', NAME1, NAME2)
      BillingCountry: map(country, LAND1)
      Fax: TELFX
      Phone: TELF1
)";

// Overrides Name, adds Region__c, removes Fax, changes AT, adds CH, moves the
// flow to another connector and adds a record.
constexpr char kAcmeAccounts[] = R"(flow: acme-accounts
extends: std-accounts
target:
  connector: hubspot
value_maps:
  country:
    values: { CH: CHE, AT: OST }
records:
  - name: account
    fields:
      Name: NAME1
      Region__c: REGIO
      Fax: ~
  - name: note
    object: Note
    key_field: Ext__c
    for_each: E1KNA1M
    external_id: KUNNR
    fields:
      Body: NAME2
)";

constexpr char kSwissCustomer[] = R"(<E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR><NAME1>Nordwind</NAME1>
<NAME2>Hafen</NAME2><LAND1>CH</LAND1><TELFX>111</TELFX><TELF1>222</TELF1><REGIO>02</REGIO>
<STCEG>CHE123</STCEG></E1KNA1M>
)";

const std::vector<std::string> kAcmeDiff = {
    "~ target.connector: salesforce → hubspot",
    "~ value_maps.country.values.AT: AUT → OST",
    "+ value_maps.country.values.CH: CHE",
    "~ records.account.fields.Name: concat_ws(' ', NAME1, NAME2) → NAME1",
    "- records.account.fields.Fax",
    "+ records.account.fields.Region__c: REGIO",
    "+ records.note (Note, 1 fields)",
};

TEST(FlowExtendsTest, TheDeltaIsMergedIntoTheStandard) {
  const Mapping m = MapBundle({{"standard/std-accounts.yaml", kStandardAccounts}, {"acme.yaml", kAcmeAccounts}},
                              Idoc(kSwissCustomer));
  ASSERT_NE(m.flows, nullptr);
  ASSERT_EQ(m.flows->flows().size(), 1u) << "the standard flow does not run by itself";
  const FlowOutcome* o = m.Outcome("acme-accounts");
  ASSERT_NE(o, nullptr) << Describe(m.result);
  ASSERT_EQ(o->by_connector.size(), 1u) << Describe(m.result);
  EXPECT_EQ(o->by_connector[0].first, "hubspot");
  const Records& records = o->by_connector[0].second;
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].record(), "account");
  EXPECT_EQ(records[0].external_id(), "100001") << "inherited external_id";
  EXPECT_EQ(records[0].key_field(), "SAP_Customer_Number__c");
  // Name replaced in place, Fax removed, Region__c appended; CH from the delta.
  EXPECT_EQ(records[0].fields_json(), R"({"Name":"Nordwind","BillingCountry":"CHE","Phone":"222","Region__c":"02"})");
  EXPECT_EQ(records[1].record(), "note");
  EXPECT_EQ(records[1].fields_json(), R"({"Body":"Hafen"})");
}

TEST(FlowExtendsTest, DiffListsEachCustomisation) {
  Result<std::vector<FlowSpec>> standard = LoadFlowSpecs(kStandardAccounts, "standard/std-accounts.yaml");
  Result<std::vector<FlowSpec>> mine = LoadFlowSpecs(kAcmeAccounts, "acme.yaml");
  ASSERT_TRUE(standard.ok()) << standard.status().message();
  ASSERT_TRUE(mine.ok()) << mine.status().message();
  ASSERT_EQ(standard->size(), 1u);
  ASSERT_EQ(mine->size(), 1u);
  const FlowSpec merged = MergeFlow(standard->front(), mine->front());
  EXPECT_EQ(merged.id, "acme-accounts");
  EXPECT_EQ(merged.file, "acme.yaml");
  EXPECT_EQ(DiffFlows(standard->front(), merged), kAcmeDiff);
  EXPECT_TRUE(DiffFlows(standard->front(), standard->front()).empty());

  // The compiled flow keeps both sides, so the control plane diffs the same.
  const auto set = MustCompile({{"standard/std-accounts.yaml", kStandardAccounts}, {"acme.yaml", kAcmeAccounts}});
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(set->flows().size(), 1u);
  const CompiledFlow& flow = *set->flows()[0];
  ASSERT_TRUE(flow.standard.has_value());
  EXPECT_EQ(DiffFlows(*flow.standard, flow.spec), kAcmeDiff);
}

TEST(FlowExtendsTest, AStandardFlowAloneDoesNotRun) {
  const auto set = MustCompile({{"standard/std-accounts.yaml", kStandardAccounts}});
  ASSERT_NE(set, nullptr);
  EXPECT_TRUE(set->flows().empty());
  EXPECT_TRUE(RunOn(*set, Idoc(kSwissCustomer)).outcomes.empty());
}

TEST(FlowExtendsTest, AChainOfTwoStandards) {
  // std-eu extends std-accounts; the user's flow extends std-eu.
  const char* eu = R"(flow: std-eu
extends: std-accounts
value_maps:
  country:
    values: { CH: CHE }
records:
  - name: account
    fields:
      Vat__c: STCEG
)";
  const char* mine = R"(flow: acme-eu
extends: std-eu
records:
  - name: account
    fields:
      Name: upper(NAME1)
)";
  const Mapping m =
      MapBundle({{"standard/std-accounts.yaml", kStandardAccounts}, {"standard/std-eu.yaml", eu}, {"acme.yaml", mine}},
                Idoc(kSwissCustomer));
  const Records records = RecordsTo(m, "salesforce", "acme-eu");
  ASSERT_EQ(records.size(), 1u) << Describe(m.result);
  EXPECT_EQ(records[0].fields_json(),
            R"({"Name":"NORDWIND","BillingCountry":"CHE","Fax":"111","Phone":"222","Vat__c":"CHE123"})");
  // The standard the user's flow is diffed against is the whole chain.
  ASSERT_NE(m.flows, nullptr);
  ASSERT_EQ(m.flows->flows().size(), 1u);
  const CompiledFlow& flow = *m.flows->flows()[0];
  ASSERT_TRUE(flow.standard.has_value());
  EXPECT_EQ(flow.standard->id, "std-eu");
  EXPECT_EQ(DiffFlows(*flow.standard, flow.spec),
            std::vector<std::string>{"~ records.account.fields.Name: concat_ws(' ', NAME1, NAME2) → upper(NAME1)"});
}

TEST(FlowExtendsTest, ShippedStandardFlowOnFixtures) {
  const std::filesystem::path fixtures(FERRY_FIXTURE_DIR);
  const std::vector<BundleFile> bundle = {
      {"standard/debmas-account-salesforce.yaml",
       ReadFile(fixtures / ".." / ".." / "flows" / "standard" / "debmas-account-salesforce.yaml")},
      {"acme.yaml", "flow: acme-accounts\nextends: debmas-account-salesforce\n"},
  };
  const Mapping good = MapBundle(bundle, ReadFile(fixtures / "idoc" / "debmas05_customer.xml"));
  const Records records = RecordsTo(good, "salesforce", "acme-accounts");
  ASSERT_EQ(records.size(), 2u) << Describe(good.result);
  EXPECT_EQ(records[0].record(), "account");
  EXPECT_EQ(records[0].external_id(), "100001");
  EXPECT_EQ(Fields(records[0])["Name"], "Nordwind Maschinenbau GmbH Werk Hafen");
  EXPECT_EQ(records[1].record(), "contact");
  ASSERT_EQ(records[1].links_size(), 1);
  EXPECT_EQ(records[1].links(0).field(), "AccountId");
  EXPECT_EQ(records[1].links(0).external_id(), "100001");

  // The example of docs/flows.md, "Errors", on its fixture.
  const Mapping bad = MapBundle(bundle, ReadFile(fixtures / "idoc" / "debmas07_unmapped_country.xml"));
  const FlowOutcome* o = bad.Outcome("acme-accounts");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->error,
            "flow acme-accounts record account /E1KNA1M[1] field BillingCountryCode: "
            "value map 'country' has no entry for 'XI'");
}

// ---------------------------------------------------------------------------
// Edge cases that once misbehaved.

// `unmapped: null` unquoted is YAML's null and still means the mode "null".
TEST(FlowEdgeCaseTest, UnquotedNullUnmappedModeGivesNull) {
  const Mapping m = MapFlow(FieldsFlow("      Country: map(country, LAND1)\n",
                                       "value_maps:\n  country: { values: { DE: DEU }, unmapped: null }\n"),
                            Idoc(kCountries));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  EXPECT_TRUE(Fields(records[1])["Country"].is_null());
}

// Null is not equal to a number, so a numeric qualifier skips segments that
// lack the field.
TEST(FlowEdgeCaseTest, NullIsNotEqualToANumber) {
  json f = MapFields(R"(
      Equal: NOPE = 5
      NotEqual: NOPE != 5
      Qualified: E1KNVKM[QTY = 10]/NAME1
)",
                     R"(<E1KNA1M SEGMENT="1"><KUNNR>1</KUNNR>
<E1KNVKM SEGMENT="1"><NAME1>no quantity</NAME1></E1KNVKM>
<E1KNVKM SEGMENT="1"><NAME1>ten</NAME1><QTY>10</QTY></E1KNVKM>
</E1KNA1M>)");
  EXPECT_EQ(f["Equal"], false);
  EXPECT_EQ(f["NotEqual"], true);
  EXPECT_EQ(f["Qualified"], "ten");
}

// "Field: ~" outside an extending flow removes nothing: a compile error.
TEST(FlowEdgeCaseTest, RemovedFieldOutsideExtendsIsACompileError) {
  const std::string error =
      CompileErrorOf(Edit(kValidFlow, "      Name: NAME1\n", "      Name: NAME1\n      Fax: ~\n"));
  EXPECT_TRUE(Contains(error, "acme.yaml:17: records[0].fields.Fax: "));
}

// The same for a link.
TEST(FlowEdgeCaseTest, RemovedLinkOutsideExtendsIsACompileError) {
  const std::string error = CompileErrorOf(std::string(kValidFlow) + "    links:\n      ParentId: ~\n");
  EXPECT_TRUE(Contains(error, "acme.yaml:19: records[0].links.ParentId: "));
}

// A position too large to be real is a compile error, not an exception.
TEST(FlowEdgeCaseTest, HugePositionIsACompileError) {
  const std::string error =
      CompileErrorOf(Edit(kValidFlow, "Name: NAME1", "Name: E1KNVKM[99999999999999999999]/NAME1"));
  EXPECT_TRUE(Contains(error, "acme.yaml:16: records[0].fields.Name: column "));
}

// A field written twice is refused (YAML would silently keep one).
TEST(FlowEdgeCaseTest, DuplicateFieldNameIsACompileError) {
  const std::string error =
      CompileErrorOf(Edit(kValidFlow, "      Name: NAME1\n", "      Name: NAME1\n      Name: NAME2\n"));
  EXPECT_TRUE(Contains(error, "acme.yaml:17: records[0].fields.Name: "));
}

// bool() of anything but X or blank is a record error, numbers included.
TEST(FlowEdgeCaseTest, BoolOfANumberIsARecordError) {
  EXPECT_TRUE(Contains(RecordError("      Flag: bool(1)\n", kCustomer), "field Flag: "));
}

// Connector groups come in the order records first use them.
TEST(FlowEdgeCaseTest, ConnectorGroupsInOrderOfFirstUse) {
  const Mapping m = MapFlow(R"(flow: f
match: { message_type: DEBMAS }
target: { connector: salesforce }
records:
  - { name: routed, object: O, key_field: K, for_each: E1KNA1M, external_id: KUNNR, connector: webhook }
  - { name: main, object: O, key_field: K, for_each: E1KNA1M, external_id: KUNNR }
)",
                            Idoc(kThreeCustomers));
  const FlowOutcome* o = m.Outcome("f");
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(o->by_connector.size(), 2u);
  EXPECT_EQ(o->by_connector[0].first, "webhook");
  EXPECT_EQ(o->by_connector[1].first, "salesforce");
}

}  // namespace
}  // namespace ferry::flows
