// Flow engine unit tests: extending a standard flow, the diff, and edge
// cases that once misbehaved.

#include "common/flows/flow_test_support.h"

namespace ferry::flows {
namespace {

using namespace flow_test;

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
