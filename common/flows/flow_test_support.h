#pragma once
// Shared helpers and documents for the flow engine's unit tests: build an
// IDoc around some segments, compile a bundle, run it, and read the mapped
// records back as JSON.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/flows/flow_set.h"
#include "common/flows/flow_spec.h"
#include "common/idoc/idoc_xml.h"

#ifndef FERRY_FIXTURE_DIR
#error "FERRY_FIXTURE_DIR must be the absolute path of tests/fixtures"
#endif

namespace ferry::flows::flow_test {

using nlohmann::json;
using Kind = FlowOutcome::Kind;
using Records = std::vector<ferry::v1::MappedRecord>;

// ---------------------------------------------------------------------------
// Helpers

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// One IDoc-XML packet: a control record (DOCNUM 0000000000000042, sender
// S4HCLNT100) followed by `segments`.
inline std::string Idoc(std::string_view segments, std::string_view mestyp = "DEBMAS",
                        std::string_view idoctyp = "DEBMAS05", std::string_view cimtyp = "") {
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

inline idoc::ParsedIdoc ParseOne(const std::string& xml) {
  Result<idoc::ParsedPacket> packet = idoc::ParseIdocXml(xml);
  EXPECT_TRUE(packet.ok()) << packet.status().message();
  if (!packet.ok() || packet->idocs.size() != 1) return {};
  return packet->idocs.front();
}

inline DocumentInfo InfoOf(const idoc::ParsedIdoc& idoc) {
  return DocumentInfo{"idoc_http", idoc.control.mestyp, idoc.control.idoctyp, idoc.control.cimtyp};
}

inline std::shared_ptr<const FlowSet> MustCompile(const std::vector<BundleFile>& files) {
  Result<std::shared_ptr<const FlowSet>> set = FlowSet::Compile(files);
  EXPECT_TRUE(set.ok()) << set.status().message();
  return set.ok() ? *set : nullptr;
}

// The error message of a bundle that must not compile.
inline std::string CompileError(const std::vector<BundleFile>& files) {
  Result<std::shared_ptr<const FlowSet>> set = FlowSet::Compile(files);
  EXPECT_FALSE(set.ok()) << "the bundle compiled";
  return set.ok() ? "" : set.status().message();
}
inline std::string CompileErrorOf(const std::string& yaml) { return CompileError({{"acme.yaml", yaml}}); }

inline RunResult RunOn(const FlowSet& set, const std::string& xml, bool explain = false) {
  const idoc::ParsedIdoc idoc = ParseOne(xml);
  if (idoc.document == nullptr) return {};
  return set.Run(*idoc.document, InfoOf(idoc), explain);
}

// Every outcome of a run in one line each, for failure messages.
inline std::string Describe(const RunResult& r) {
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

inline Mapping MapBundle(const std::vector<BundleFile>& files, const std::string& xml, bool explain = false) {
  Mapping m;
  m.flows = MustCompile(files);
  if (m.flows != nullptr) m.result = RunOn(*m.flows, xml, explain);
  return m;
}
inline Mapping MapFlow(const std::string& yaml, const std::string& xml) {
  return MapBundle({{"flow.yaml", yaml}}, xml);
}

// The records flow `flow_id` sent to `connector`, in order.
inline Records RecordsTo(const Mapping& m, std::string_view connector, std::string_view flow_id = "f") {
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

inline std::vector<std::string> ExternalIds(const Records& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.external_id());
  return ids;
}

inline json Fields(const ferry::v1::MappedRecord& record) { return json::parse(record.fields_json()); }

// Flow `id`: DEBMAS to connector "sf", one record "r" (object O, key field K)
// per E1KNA1M with external id KUNNR. `fields` is the body of `fields:`
// (entries indented six spaces); `top` goes before `records:`.
inline std::string FieldsFlow(std::string_view fields, std::string_view top = "", std::string_view id = "f") {
  std::string out = "flow: " + std::string(id) + "\nmatch: { message_type: DEBMAS }\ntarget: { connector: sf }\n";
  out += top;
  out += "\nrecords:\n  - name: r\n    object: O\n    key_field: K\n    for_each: E1KNA1M\n    external_id: KUNNR\n";
  out += "    fields:\n";
  out += fields;
  return out;
}

// The only record FieldsFlow(fields, top) makes of `segments`.
inline ferry::v1::MappedRecord MapOne(std::string_view fields, std::string_view segments, std::string_view top = "") {
  const Mapping m = MapFlow(FieldsFlow(fields, top), Idoc(segments));
  const Records records = RecordsTo(m, "sf");
  if (records.size() != 1) {
    ADD_FAILURE() << "expected one record:" << Describe(m.result);
    return {};
  }
  return records.front();
}
inline json MapFields(std::string_view fields, std::string_view segments, std::string_view top = "") {
  const ferry::v1::MappedRecord record = MapOne(fields, segments, top);
  return record.fields_json().empty() ? json() : Fields(record);
}

// The record error FieldsFlow(fields, top) gives on `segments`.
inline std::string RecordError(std::string_view fields, std::string_view segments, std::string_view top = "") {
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
inline std::string Edit(std::string_view text, std::string_view from, std::string_view to) {
  std::string out(text);
  const size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the text";
  EXPECT_EQ(out.find(from, at + 1), std::string::npos) << "'" << from << "' is in the text twice";
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

inline ::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << part << "' is not in: " << text;
}

// ---------------------------------------------------------------------------
// Documents

// One customer with two sales areas: RE in the first; AG, WE (empty), AG in
// the second.
inline constexpr char kSalesAreas[] = R"(<E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR>
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
inline constexpr char kContacts[] = R"(<E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR>
<E1KNVKM SEGMENT="1"><PARNR>0000000011</PARNR><NAME1>Anna</NAME1></E1KNVKM>
</E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>0000100002</KUNNR>
<E1KNVKM SEGMENT="1"><PARNR>0000000021</PARNR><NAME1>Bert</NAME1></E1KNVKM>
<E1KNVKM SEGMENT="1"><PARNR>0000000022</PARNR><NAME1>Cleo</NAME1></E1KNVKM>
</E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>0000100003</KUNNR></E1KNA1M>
)";

// A flow over kContacts: customers, their contacts, and one summary record.
inline constexpr char kContactsFlow[] = R"(flow: f
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
inline constexpr char kCustomer[] = R"(<E1KNA1M SEGMENT="1"><KUNNR>0000100001</KUNNR><LAND1>DE</LAND1>
<NAME1>  Nord wind  </NAME1><NAME2>Werk</NAME2><NAME3></NAME3><SORTL>a-b-c</SORTL><ALNUM>00A1</ALNUM><ZERO>000</ZERO>
<AMOUNT>2500.00-</AMOUNT><PADDED>  12.5</PADDED><COMMA>12,5</COMMA>
<WINTER>20250312</WINTER><SUMMER>20250712</SUMMER><TIME>091504</TIME><INITIAL>00000000</INITIAL><FEB30>20250230</FEB30>
<FLAG>X</FLAG><NOFLAG></NOFLAG><YFLAG>Y</YFLAG>
</E1KNA1M>
)";

// Three customers for conditions: a normal one, an internal one being
// deleted (MSGFN 003) and one flagged for deletion (LOEVM).
inline constexpr char kThreeCustomers[] = R"(
<E1KNA1M SEGMENT="1"><MSGFN>009</MSGFN><KUNNR>1</KUNNR><KTOKD>0001</KTOKD><QTY>9</QTY><TELF1>123</TELF1></E1KNA1M>
<E1KNA1M SEGMENT="1"><MSGFN>003</MSGFN><KUNNR>2</KUNNR><KTOKD>ZINT</KTOKD><QTY>10</QTY><TELF1></TELF1></E1KNA1M>
<E1KNA1M SEGMENT="1"><MSGFN>005</MSGFN><KUNNR>3</KUNNR><KTOKD>0002</KTOKD><QTY>100</QTY><TELF1>789</TELF1>
<LOEVM>X</LOEVM></E1KNA1M>
)";

// Customers with the country keys DE, XX (in no map) and none.
inline constexpr char kCountries[] = R"(
<E1KNA1M SEGMENT="1"><KUNNR>1</KUNNR><LAND1>DE</LAND1></E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>2</KUNNR><LAND1>XX</LAND1></E1KNA1M>
<E1KNA1M SEGMENT="1"><KUNNR>3</KUNNR><LAND1></LAND1></E1KNA1M>
)";

// Compiles as it is; each test breaks one thing. Line numbers matter.
inline constexpr char kValidFlow[] = R"(flow: acme
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

}  // namespace ferry::flows::flow_test
