// Flow engine unit tests, evaluation: paths, functions, conversions, value
// maps and conditions (docs/flows.md "Expressions").

#include "common/flows/flow_test_support.h"

namespace ferry::flows {
namespace {

using namespace flow_test;

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

TEST(FlowFunctionTest, SubstrCountsAsSapsFieldLengthsDo) {
  // SAP counts UTF-16 units: ä (two UTF-8 bytes) is one, 😀 (four) two. A
  // cut never splits a character, so the text stays valid UTF-8.
  json f = MapFields(R"(
      First3: substr('Mäße😀x', 0, 3)
      From3: substr('Mäße😀x', 3)
      Emoji: substr('Mäße😀x', 4, 2)
      HalfAnEmoji: substr('Mäße😀x', 4, 1)
      UpToTheEmoji: substr('Mäße😀x', 0, 5)
      InsideTheEmoji: substr('Mäße😀x', 5)
      PastEnd: substr('Mäße😀x', 7)
)",
                     kCustomer);
  EXPECT_EQ(f["First3"], "Mäß");
  EXPECT_EQ(f["From3"], "e😀x");
  EXPECT_EQ(f["Emoji"], "😀");
  EXPECT_EQ(f["HalfAnEmoji"], "") << "it does not fit in one unit";
  EXPECT_EQ(f["UpToTheEmoji"], "Mäße");
  EXPECT_EQ(f["InsideTheEmoji"], "x");
  EXPECT_TRUE(f["PastEnd"].is_null());
}

TEST(FlowFunctionTest, GuidWritesACrmsGuidFromWhatSapKeptOfIt) {
  json f = MapFields(R"(
      FromDigits: guid('3F6C1B2A8D4E4F7A9B0C1D2E3F4A5B6C')
      FromGuid: guid('3f6c1b2a-8d4e-4f7a-9b0c-1d2e3f4a5b6c')
      Padded: guid('3f6c1b2a8d4e4f7a9b0c1d2e3f4a5b6c   ')
      NotHex: guid('3f6c1b2a8d4e4f7a9b0c1d2e3f4a5b6g')
      Short: guid('3f6c1b2a8d4e4f7a9b0c1d2e3f4a5b6')
      CustomersOwn: guid('PO-4711')
      Missing: guid(NOPE)
)",
                     kCustomer);
  EXPECT_EQ(f["FromDigits"], "3f6c1b2a-8d4e-4f7a-9b0c-1d2e3f4a5b6c");
  EXPECT_EQ(f["FromGuid"], "3f6c1b2a-8d4e-4f7a-9b0c-1d2e3f4a5b6c");
  EXPECT_EQ(f["Padded"], "3f6c1b2a-8d4e-4f7a-9b0c-1d2e3f4a5b6c");
  for (const char* none : {"NotHex", "Short", "CustomersOwn", "Missing"}) EXPECT_TRUE(f[none].is_null()) << none;
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

TEST(FlowConditionTest, FieldElseGivesTheValueWhenTheConditionIsFalse) {
  const Mapping m = MapFlow(FieldsFlow(R"(
      Phone:
        value: TELF1
        when: KTOKD != '0002'
        else: "'withheld'"
)"),
                            Idoc(kThreeCustomers));
  const Records records = RecordsTo(m, "sf");
  ASSERT_EQ(records.size(), 3u) << Describe(m.result);
  EXPECT_EQ(records[0].fields_json(), R"({"Phone":"123"})");
  EXPECT_EQ(records[2].fields_json(), R"({"Phone":"withheld"})");
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

}  // namespace
}  // namespace ferry::flows
