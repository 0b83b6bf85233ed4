// Flow engine unit tests: record errors, matching, and every class of
// compile error with its file, line, key and reason (docs/flows.md "Errors").

#include "common/flows/flow_test_support.h"

namespace ferry::flows {
namespace {

using namespace flow_test;

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

TEST(FlowCompileErrorTest, ElseWithoutWhen) {
  EXPECT_TRUE(Contains(CompileErrorOf(Edit(kValidFlow, "      Name: NAME1\n",
                                           "      Name:\n        value: NAME1\n        else: NAME2\n")),
                       "acme.yaml:18: records[0].fields.Name.else: needs a 'when'"));
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

}  // namespace
}  // namespace ferry::flows
