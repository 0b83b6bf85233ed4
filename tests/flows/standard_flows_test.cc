// Every standard flow against its fixtures, field by field.
//
// A case is tests/fixtures/flows/<flow-id>/<case>.json:
//   {"input": "idoc/x.xml", "records": [...]}  — the records the flow must produce,
//   {"input": "...", "error": "..."}           — the exact record error,
//   {"input": "...", "dropped": true}          — filtered by drop_when.
// An input under s4/ is an S/4 entity as the s4_odata source stores it;
// the case then names its "service" and "entity_set", and may name the
// "source" (default s4_odata). An input under crm/ is a CRM record on its
// way down to SAP: the case names its "crm" and "object", may expect the
// "write_back" (the result record, as docs/flows.md shows it), or
// "not_matched": true when the flow's match.when leaves it alone.
// The flow is flows/standard/<flow-id>.yaml, compiled with the standard
// flows it extends.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/doc/json_document.h"
#include "common/flows/bundle_files.h"
#include "common/flows/flow_set.h"
#include "common/idoc/idoc_xml.h"

namespace ferry::flows {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFixtures = FERRY_FIXTURE_DIR;
const fs::path kStandard = FERRY_STANDARD_FLOWS_DIR;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> AllCases() {
  std::vector<fs::path> cases;
  for (const auto& dir : fs::directory_iterator(kFixtures / "flows")) {
    if (!dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.path().extension() == ".json") cases.push_back(file.path());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

// The record as docs/flows.md shows it, parsed back for comparison.
json ToJson(const ferry::v1::MappedRecord& r, const std::string& connector) {
  return json::parse(RecordJson(r, connector));
}

void ExpectSameRecord(const json& want, const json& got, const std::string& where) {
  for (const char* key : {"record", "object", "action", "external_id", "key_field"}) {
    EXPECT_EQ(want.value(key, json()), got.value(key, json())) << where << " " << key;
  }
  EXPECT_EQ(want.value("connector", json()), got.value("connector", json())) << where << " connector";
  const json& wf = want.at("fields");
  const json& gf = got.at("fields");
  for (const auto& [name, value] : wf.items()) {
    ASSERT_TRUE(gf.contains(name)) << where << " field " << name << " is missing";
    EXPECT_EQ(value, gf.at(name)) << where << " field " << name;
  }
  for (const auto& [name, value] : gf.items()) {
    EXPECT_TRUE(wf.contains(name)) << where << " field " << name << " = " << value.dump() << " is not expected";
  }
  EXPECT_EQ(want.value("links", json::object()), got.value("links", json::object())) << where << " links";
}

class StandardFlowTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(StandardFlowTest, MapsItsFixture) {
  const fs::path case_file = GetParam();
  const std::string flow_id = case_file.parent_path().filename().string();
  const json expected = json::parse(ReadFile(case_file));
  const fs::path flow_file = kStandard / (flow_id + ".yaml");
  ASSERT_TRUE(fs::exists(flow_file)) << flow_file;

  std::vector<BundleFile> files{{flow_id + ".yaml", ReadFile(flow_file)}};
  ASSERT_TRUE(AddStandardFlows(files, kStandard).ok());
  auto compiled = FlowSet::Compile(files);
  ASSERT_TRUE(compiled.ok()) << compiled.status().message();
  const std::string input = expected.at("input").get<std::string>();
  std::shared_ptr<const doc::Document> document;
  std::string source = "idoc_http", message_type, idoc_type, cim_type;
  const bool down = input.starts_with("crm/");
  if (down) {
    source = "webhook";
    message_type = expected.at("object").get<std::string>();
    idoc_type = expected.at("crm").get<std::string>();
    auto parsed = doc::FromJson(ReadFile(kFixtures / input), message_type);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    document = std::move(parsed).value();
  } else if (input.starts_with("s4/")) {
    source = expected.value("source", "s4_odata");
    message_type = expected.at("entity_set").get<std::string>();
    idoc_type = expected.at("service").get<std::string>();
    auto parsed = doc::FromJson(ReadFile(kFixtures / input), message_type);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    document = std::move(parsed).value();
  } else {
    auto packet = idoc::ParseIdocXml(ReadFile(kFixtures / input));
    ASSERT_TRUE(packet.ok()) << packet.status().message();
    ASSERT_EQ(packet->idocs.size(), 1u) << "cases use single-IDoc fixtures";
    const idoc::ParsedIdoc& idoc = packet->idocs[0];
    message_type = idoc.control.mestyp;
    idoc_type = idoc.control.idoctyp;
    cim_type = idoc.control.cimtyp;
    document = idoc.document;
  }
  const DocumentInfo info{source, message_type, idoc_type, cim_type, down};
  RunResult result = (*compiled)->Run(*document, info, /*explain=*/true);
  if (expected.value("not_matched", false)) {
    EXPECT_TRUE(result.outcomes.empty()) << "the flow matched " << input;
    return;
  }
  ASSERT_EQ(result.outcomes.size(), 1u) << "the flow does not match " << input << ": "
                                        << (result.not_matched.empty() ? "" : result.not_matched[0]);
  const FlowOutcome& outcome = result.outcomes[0];

  if (expected.contains("error")) {
    ASSERT_EQ(outcome.kind, FlowOutcome::Kind::kError) << "expected a record error";
    EXPECT_EQ(outcome.error, expected.at("error").get<std::string>());
    return;
  }
  if (expected.value("dropped", false)) {
    EXPECT_EQ(outcome.kind, FlowOutcome::Kind::kDropped);
    return;
  }
  ASSERT_EQ(outcome.kind, FlowOutcome::Kind::kMapped) << outcome.error;
  std::vector<json> got;
  for (const auto& [connector, records] : outcome.by_connector) {
    for (const auto& r : records) got.push_back(ToJson(r, connector == outcome.flow->connector ? "" : connector));
  }
  const json& want = expected.at("records");
  ASSERT_EQ(want.size(), got.size()) << "record count; got: " << json(got).dump(1);
  for (size_t i = 0; i < got.size(); ++i) {
    ExpectSameRecord(want[i], got[i], case_file.filename().string() + " record #" + std::to_string(i));
  }
  ASSERT_EQ(expected.contains("write_back"), outcome.write_back.has_value()) << "write_back";
  if (outcome.write_back) {
    const json& wb = expected.at("write_back");
    EXPECT_EQ(wb.at("connector"), outcome.write_back->connector());
    EXPECT_EQ(wb.at("number_field"), outcome.write_back->number_field());
    EXPECT_EQ(wb.at("message_field"), outcome.write_back->message_field());
    ExpectSameRecord(wb.at("record"), ToJson(outcome.write_back->record(), ""), "write_back");
  }
}

std::string CaseName(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.parent_path().filename().string() + "_" + info.param.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, StandardFlowTest, ::testing::ValuesIn(AllCases()), CaseName);

// Every shipped standard flow has at least one case.
TEST(StandardFlows, EachHasFixtures) {
  for (const auto& file : fs::directory_iterator(kStandard)) {
    if (file.path().extension() != ".yaml") continue;
    const fs::path dir = kFixtures / "flows" / file.path().stem();
    EXPECT_TRUE(fs::is_directory(dir) && !fs::is_empty(dir)) << file.path().filename() << " has no cases in " << dir;
  }
}

}  // namespace
}  // namespace ferry::flows
