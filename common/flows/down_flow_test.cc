// Down flows: a CRM record mapped to an SAP request, records nested in
// their parent, the write-back record, and the compile errors that keep a
// down flow to what the agent can execute.

#include "common/doc/json_document.h"
#include "common/flows/flow_test_support.h"

namespace ferry::flows {
namespace {

using namespace flow_test;

constexpr std::string_view kOrderFlow = R"(flow: f
direction: down
match: { message_type: Quote, idoc_type: crm }
target: { connector: s4_odata }
result: { connector: salesforce, object: Quote, key_field: Id, external_id: Id, number_field: ERP__c }
records:
  - name: order
    object: API_SALES_ORDER_SRV/A_SalesOrder
    for_each: Orders
    external_id: Ref
    key_field: PurchaseOrderByCustomer
    fields:
      SoldToParty: Customer
  - name: item
    nest_in: order
    object: to_Item
    for_each: Orders/Lines
    fields:
      Material: Material
)";

RunResult RunDown(const FlowSet& set, std::string_view json_text, bool down = true) {
  auto document = doc::FromJson(json_text, "Quote");
  EXPECT_TRUE(document.ok()) << document.status().message();
  return set.Run(**document, DocumentInfo{"webhook", "Quote", "crm", "", down});
}

TEST(DownFlowTest, NestedRecordsGoIntoTheirOwnParentAsArrays) {
  auto set = MustCompile({{"f.yaml", std::string(kOrderFlow)}});
  ASSERT_NE(set, nullptr);
  const RunResult r = RunDown(*set, R"({"Id":"Q1","Orders":[
      {"Ref":"A","Customer":"1","Lines":[{"Material":"M1"},{"Material":"M2"}]},
      {"Ref":"B","Customer":"2","Lines":[{"Material":"M3"}]},
      {"Ref":"C","Customer":"3"}]})");
  ASSERT_EQ(r.outcomes.size(), 1u) << Describe(r);
  const FlowOutcome& o = r.outcomes[0];
  ASSERT_EQ(o.kind, Kind::kMapped) << o.error;
  ASSERT_EQ(o.by_connector.size(), 1u);
  EXPECT_EQ(o.by_connector[0].first, "s4_odata");
  const Records& records = o.by_connector[0].second;
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].action(), "create");
  EXPECT_EQ(
      records[0].fields_json(),
      R"({"PurchaseOrderByCustomer":"A","SoldToParty":"1","to_Item":{"results":[{"Material":"M1"},{"Material":"M2"}]}})");
  EXPECT_EQ(records[1].fields_json(),
            R"({"PurchaseOrderByCustomer":"B","SoldToParty":"2","to_Item":{"results":[{"Material":"M3"}]}})");
  EXPECT_EQ(records[2].fields_json(), R"({"PurchaseOrderByCustomer":"C","SoldToParty":"3"})")
      << "an order without lines has no array";
  ASSERT_TRUE(o.write_back.has_value());
  EXPECT_EQ(o.write_back->record().external_id(), "Q1");
  EXPECT_EQ(o.write_back->record().object(), "Quote");
  EXPECT_EQ(o.write_back->number_field(), "ERP__c");
}

TEST(DownFlowTest, UpAndDownFlowsOnlyMatchTheirOwnDirection) {
  auto set = MustCompile({{"f.yaml", std::string(kOrderFlow)}});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(RunDown(*set, R"({"Id":"Q1"})", /*down=*/false).outcomes.size(), 0u)
      << "a document from SAP never runs a down flow";
  EXPECT_EQ(RunDown(*set, R"({"Id":"Q1"})").outcomes.size(), 1u);
}

TEST(DownFlowTest, AWriteBackWithoutItsKeyIsARecordError) {
  auto set = MustCompile({{"f.yaml", std::string(kOrderFlow)}});
  ASSERT_NE(set, nullptr);
  const RunResult r = RunDown(*set, R"({"Orders":[{"Ref":"A","Customer":"1"}]})");
  ASSERT_EQ(r.outcomes.size(), 1u);
  EXPECT_EQ(r.outcomes[0].kind, Kind::kError);
  EXPECT_EQ(r.outcomes[0].error, "flow f result external_id: is empty");
}

TEST(DownFlowTest, CompileErrorsKeepADownFlowToWhatTheAgentExecutes) {
  auto with = [](std::string_view from, std::string_view to) {
    std::string yaml(kOrderFlow);
    const size_t at = yaml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) yaml.replace(at, from.size(), to);
    return CompileErrorOf(yaml);
  };
  EXPECT_NE(with("connector: s4_odata", "connector: salesforce")
                .find("target.connector: a down flow's target is an "
                      "SAP target"),
            std::string::npos);
  EXPECT_NE(with("direction: down\n", "").find("'s4_odata' is an SAP target"), std::string::npos);
  EXPECT_NE(with("nest_in: order", "nest_in: header").find("nest_in: 'header' is not a record written before"),
            std::string::npos);
  EXPECT_NE(with("    fields:\n      Material", "    key_field: X\n    fields:\n      Material")
                .find("a nested record has no key_field"),
            std::string::npos);
  EXPECT_NE(with("object: to_Item", "object: SoldToParty").find("'SoldToParty' is also a field of 'order'"),
            std::string::npos);
  EXPECT_NE(with("key_field: PurchaseOrderByCustomer", "key_field: PurchaseOrderByCustomer\n    delete_when: X")
                .find("a down flow creates documents in SAP"),
            std::string::npos);
  EXPECT_NE(with(", number_field: ERP__c", "").find("result: needs number_field, message_field or both"),
            std::string::npos);
  EXPECT_NE(with("      SoldToParty: Customer", "      SoldToParty: Customer\n      PurchaseOrderByCustomer: Ref")
                .find("is the key_field: it takes the external_id"),
            std::string::npos);
  EXPECT_NE(with("direction: down", "direction: sideways").find("direction: expected 'up' or 'down'"),
            std::string::npos);
}

TEST(DownFlowTest, UpFlowsNeitherNestNorWriteBack) {
  const std::string up = R"(flow: f
match: { message_type: DEBMAS }
target: { connector: salesforce }
result: { connector: salesforce, object: A, key_field: Id, external_id: Id, number_field: X }
records:
  - name: a
    object: Account
    key_field: K
    external_id: KUNNR
  - name: b
    nest_in: a
    object: Lines
)";
  const std::string error = CompileErrorOf(up);
  EXPECT_NE(error.find("result: only a down flow"), std::string::npos) << error;
  EXPECT_NE(error.find("nest_in: only down flows nest records"), std::string::npos) << error;
}

// CRM records are JSON: a checkbox is a JSON boolean, and `false` is false
// in a condition, whatever a flow written for text compares it with.
TEST(DownFlowTest, AJsonFalseIsFalseAndAJsonStringStaysText) {
  const std::string flow = R"(flow: f
direction: down
match: { message_type: Quote, idoc_type: crm, when: IsWon }
target: { connector: s4_odata }
records:
  - name: order
    object: API_SALES_ORDER_SRV/A_SalesOrder
    external_id: Id
    key_field: PurchaseOrderByCustomer
    fields:
      Checkbox: IsWon
)";
  auto set = MustCompile({{"f.yaml", flow}});
  ASSERT_NE(set, nullptr);
  const RunResult lost = RunDown(*set, R"({"Id":"Q1","IsWon":false})");
  EXPECT_EQ(lost.outcomes.size(), 0u) << Describe(lost);
  EXPECT_EQ(lost.held_back_by_when, 1u) << "match.when: IsWon is false for a JSON false";
  EXPECT_EQ(RunDown(*set, R"({"Id":"Q1","IsWon":true})").outcomes.size(), 1u);

  const std::string unconditional = R"(flow: f
direction: down
match: { message_type: Quote, idoc_type: crm }
target: { connector: s4_odata }
records:
  - name: order
    object: API_SALES_ORDER_SRV/A_SalesOrder
    external_id: Id
    key_field: PurchaseOrderByCustomer
    fields:
      NotWon: not(IsWon)
      WonIsTrue: IsWon == true
      WonIsFalseText: IsWon == 'false'
      WonIsTrueText: IsWon == 'true'
      Checkbox: IsWon
      LabelIsSet: if(Label, 'set', 'blank')
      Label: Label
)";
  set = MustCompile({{"f.yaml", unconditional}});
  ASSERT_NE(set, nullptr);
  const RunResult r = RunDown(*set, R"({"Id":"Q1","IsWon":false,"Label":"false"})");
  ASSERT_EQ(r.outcomes.size(), 1u) << Describe(r);
  ASSERT_EQ(r.outcomes[0].kind, Kind::kMapped) << r.outcomes[0].error;
  EXPECT_EQ(r.outcomes[0].by_connector[0].second[0].fields_json(),
            R"({"PurchaseOrderByCustomer":"Q1","NotWon":true,"WonIsTrue":false,"WonIsFalseText":true,)"
            R"("WonIsTrueText":false,"Checkbox":false,"LabelIsSet":"set","Label":"false"})")
      << "a JSON boolean stays a boolean; the string \"false\" stays text";
}

}  // namespace
}  // namespace ferry::flows
