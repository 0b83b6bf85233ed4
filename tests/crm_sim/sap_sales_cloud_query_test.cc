#include "tests/crm_sim/sap_sales_cloud_query.h"

#include <gtest/gtest.h>

namespace ferry::crm_sim {
namespace {

namespace json = boost::json;

json::object Entity(std::string_view text) { return json::parse(text).as_object(); }

bool Matches(std::string_view filter, std::string_view entity) {
  auto parsed = ParseSapFilter(filter);
  EXPECT_TRUE(parsed.ok()) << filter << ": " << parsed.status().message();
  return parsed.ok() && parsed->Matches(Entity(entity));
}

std::string Refusal(std::string_view filter) {
  auto parsed = ParseSapFilter(filter);
  EXPECT_FALSE(parsed.ok()) << filter;
  return parsed.ok() ? "" : parsed.status().message();
}

TEST(SapFilterTest, EqualityWithQuotedTextAsTheConnectorLooksUp) {
  EXPECT_TRUE(Matches("externalId eq '100001'", R"({"externalId":"100001"})"));
  EXPECT_FALSE(Matches("externalId eq '100001'", R"({"externalId":"100002"})"));
  EXPECT_FALSE(Matches("externalId eq '100001'", R"({})"));
  // A number compares by its text, as the store's index does.
  EXPECT_TRUE(Matches("externalId eq '42'", R"({"externalId":42})"));
  EXPECT_TRUE(Matches("externalId eq 42", R"({"externalId":"42"})"));
  auto key = ParseSapFilter("  externalId eq '100001'  ")->IndexKey();
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->first, "externalId");
  EXPECT_EQ(key->second, "100001");
}

TEST(SapFilterTest, TwoQuotesInsideTextAreOneQuote) {
  EXPECT_TRUE(Matches("name eq 'O''Brien'", R"({"name":"O'Brien"})"));
  EXPECT_TRUE(Matches("name eq ''''", R"({"name":"'"})"));
  EXPECT_TRUE(Matches("name eq 'a and b or (c)'", R"j({"name":"a and b or (c)"})j"));
  EXPECT_NE(Refusal("name eq 'open").find("not closed"), std::string::npos);
  EXPECT_NE(Refusal("name eq 'a'b").find("'and' or the end"), std::string::npos);
}

TEST(SapFilterTest, AndChainsWithParenthesesAroundAComparisonOrTheChain) {
  const char* quote = R"({"status":"OPEN","netAmount":250,"account":{"id":"A1"}})";
  EXPECT_TRUE(Matches("status eq 'OPEN' and netAmount gt 100", quote));
  EXPECT_FALSE(Matches("status eq 'OPEN' and netAmount gt 300", quote));
  EXPECT_TRUE(Matches("(status eq 'OPEN') and (netAmount le 250)", quote));
  EXPECT_TRUE(Matches("(status eq 'OPEN' and account/id eq 'A1')", quote));
  EXPECT_TRUE(Matches("((status ne 'CLOSED'))", quote));
  EXPECT_NE(Refusal("(status eq 'OPEN'").find("')' expected"), std::string::npos);
  EXPECT_NE(Refusal("status eq 'OPEN')").find("')' without its '('"), std::string::npos);
  EXPECT_FALSE(ParseSapFilter(std::string(40, '(') + "a eq 1" + std::string(40, ')')).ok());
}

TEST(SapFilterTest, OrNotFunctionsAndOtherOperatorsAreRefusedByName) {
  EXPECT_NE(Refusal("a eq 1 or b eq 2").find("'or' is not supported"), std::string::npos);
  EXPECT_NE(Refusal("(a eq 1 or b eq 2)").find("'or' is not supported"), std::string::npos);
  EXPECT_NE(Refusal("not a eq 1").find("'not' is not supported"), std::string::npos);
  EXPECT_NE(Refusal("contains(name,'x')").find("function 'contains'"), std::string::npos);
  EXPECT_NE(Refusal("a in ('x','y')").find("operator 'in'"), std::string::npos);
  EXPECT_NE(Refusal("a like 'x'").find("comparison operator"), std::string::npos);
  EXPECT_NE(Refusal("a eq b").find("another property"), std::string::npos);
  EXPECT_NE(Refusal("a eq").find("end of the filter"), std::string::npos);
  EXPECT_NE(Refusal("a EQ 1").find("comparison operator"), std::string::npos);
  EXPECT_FALSE(ParseSapFilter("").ok());
  EXPECT_FALSE(ParseSapFilter("a eq 1 and").ok());
  // The message says where.
  EXPECT_NE(Refusal("a eq 1 or b eq 2").find("position 7"), std::string::npos);
}

TEST(SapFilterTest, NestedPathsReadThroughObjects) {
  const char* e = R"({"adminData":{"updatedOn":"2026-12-07T01:02:03.456Z","updatedBy":"ferry-sap"},"items":[]})";
  EXPECT_TRUE(Matches("adminData/updatedBy eq 'ferry-sap'", e));
  EXPECT_FALSE(Matches("adminData/createdBy eq 'ferry-sap'", e));
  EXPECT_TRUE(Matches("adminData/createdBy eq null", e));
  EXPECT_TRUE(Matches("adminData/updatedBy/deeper eq null", e));
  EXPECT_TRUE(Matches("adminData/createdBy ne 'ferry-sap'", e));
  EXPECT_FALSE(Matches("adminData/createdBy ge 'a'", e));
  EXPECT_FALSE(ParseSapFilter("adminData/ eq 1").ok());
  EXPECT_FALSE(ParseSapFilter("/adminData eq 1").ok());
}

TEST(SapFilterTest, DateTimesCompareAsInstantsWithOrWithoutMilliseconds) {
  const char* e = R"({"adminData":{"updatedOn":"2026-12-07T01:02:03.456Z"}})";
  EXPECT_TRUE(Matches("adminData/updatedOn ge 2026-12-07T00:00:00.000Z", e));
  EXPECT_TRUE(Matches("adminData/updatedOn ge 2026-12-07T01:02:03.456Z", e));
  EXPECT_FALSE(Matches("adminData/updatedOn gt 2026-12-07T01:02:03.456Z", e));
  EXPECT_TRUE(Matches("adminData/updatedOn gt 2026-12-07T01:02:03Z", e));
  EXPECT_TRUE(Matches("adminData/updatedOn lt 2026-12-07T01:02:04Z", e));
  EXPECT_TRUE(Matches("adminData/updatedOn eq 2026-12-07T01:02:03.4560Z", e));
  EXPECT_TRUE(Matches("a eq 2026-12-07T01:02:03Z", R"({"a":"2026-12-07T01:02:03.000Z"})"));
  // Quoted, the same text compares as text: ".000Z" sorts before "Z".
  EXPECT_FALSE(Matches("a eq '2026-12-07T01:02:03Z'", R"({"a":"2026-12-07T01:02:03.000Z"})"));
  EXPECT_TRUE(Matches("a lt '2026-12-07T01:02:03Z'", R"({"a":"2026-12-07T01:02:03.000Z"})"));
  // A member that is not a date-time does not compare.
  EXPECT_FALSE(Matches("a ge 2026-01-01T00:00:00Z", R"({"a":"soon"})"));
  EXPECT_TRUE(Matches("a ne 2026-01-01T00:00:00Z", R"({"a":"soon"})"));
  EXPECT_NE(Refusal("a ge 2026-12-07T01:02:03+01:00").find("not a date-time"), std::string::npos);
  EXPECT_NE(Refusal("a ge 2026-02-30T00:00:00Z").find("not a date-time"), std::string::npos);
  EXPECT_NE(Refusal("a ge 2026-12-07").find("not a date-time"), std::string::npos);
}

TEST(SapFilterTest, LiteralsOfEveryKind) {
  const char* e = R"({"n":2.5,"b":true,"z":null,"s":"x"})";
  EXPECT_TRUE(Matches("n gt 2 and n lt 3 and n eq 2.5 and n ge -1", e));
  EXPECT_TRUE(Matches("b eq true and b ne false", e));
  EXPECT_TRUE(Matches("z eq null and missing eq null and s ne null", e));
  EXPECT_FALSE(Matches("z gt null", e));
  EXPECT_FALSE(Matches("s gt 1", e));
  EXPECT_FALSE(ParseSapFilter("n eq 10L").ok());
  EXPECT_FALSE(ParseSapFilter("n eq inf").ok());
}

TEST(SapDateTimeTest, ParsesUtcInstants) {
  auto t = ParseSapDateTime("1970-01-01T00:00:01.5Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->seconds, 1);
  EXPECT_EQ(t->nanos, 500000000);
  EXPECT_EQ(ParseSapDateTime("2026-12-07T01:02:03.456Z")->seconds, 1796605323);
  EXPECT_TRUE(ParseSapDateTime("2028-02-29T23:59:59Z").has_value());
  EXPECT_FALSE(ParseSapDateTime("2026-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseSapDateTime("2026-12-07T24:00:00Z").has_value());
  EXPECT_FALSE(ParseSapDateTime("2026-12-07T01:02:03.Z").has_value());
  EXPECT_FALSE(ParseSapDateTime("2026-12-07T01:02:03.1234567890Z").has_value());
  EXPECT_FALSE(ParseSapDateTime("2026-12-07t01:02:03Z").has_value());
  EXPECT_FALSE(ParseSapDateTime("2026-12-07T01:02:03").has_value());
}

std::vector<std::string> Ids(const std::vector<json::object>& entities) {
  std::vector<std::string> out;
  for (const auto& e : entities) out.emplace_back(e.at("id").as_string());
  return out;
}

TEST(SapOrderByTest, PathsDirectionsAndTiesInIdOrder) {
  std::vector<json::object> quotes = {
      Entity(R"({"id":"c","status":"OPEN","adminData":{"updatedOn":"2026-12-07T01:00:00.000Z"}})"),
      Entity(R"({"id":"a","status":"OPEN","adminData":{"updatedOn":"2026-12-07T01:00:00Z"}})"),
      Entity(R"({"id":"b","status":"CLOSED","adminData":{"updatedOn":"2026-12-07T00:59:59.999Z"}})"),
      Entity(R"({"id":"d"})"),
  };
  auto keys = ParseSapOrderBy("adminData/updatedOn");
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  SortSapEntities(quotes, *keys);
  EXPECT_EQ(Ids(quotes), (std::vector<std::string>{"d", "b", "a", "c"}));  // null first; a and c one instant

  keys = ParseSapOrderBy("status desc, adminData/updatedOn asc");
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  SortSapEntities(quotes, *keys);
  EXPECT_EQ(Ids(quotes), (std::vector<std::string>{"a", "c", "b", "d"}));

  keys = ParseSapOrderBy("status  asc ,id desc");
  ASSERT_TRUE(keys.ok()) << keys.status().message();
  SortSapEntities(quotes, *keys);
  EXPECT_EQ(Ids(quotes), (std::vector<std::string>{"d", "b", "c", "a"}));

  EXPECT_FALSE(ParseSapOrderBy("status sideways").ok());
  EXPECT_FALSE(ParseSapOrderBy("status,").ok());
  EXPECT_FALSE(ParseSapOrderBy("").ok());
  EXPECT_FALSE(ParseSapOrderBy("a/ asc").ok());
}

TEST(SapOrderByTest, MixedTypesSortByKindThenValue) {
  std::vector<json::object> rows = {
      Entity(R"({"id":"1","v":"text"})"),  Entity(R"({"id":"2","v":10})"),
      Entity(R"({"id":"3","v":2})"),       Entity(R"({"id":"4","v":true})"),
      Entity(R"({"id":"5","v":null})"),    Entity(R"({"id":"6","v":"2026-01-01T00:00:00Z"})"),
      Entity(R"({"id":"7","v":{"x":1}})"),
  };
  SortSapEntities(rows, *ParseSapOrderBy("v"));
  EXPECT_EQ(Ids(rows), (std::vector<std::string>{"5", "4", "3", "2", "6", "1", "7"}));
}

TEST(SapCollectionQueryTest, PagingSelectAndCountOptions) {
  SapCollectionQuery q;
  EXPECT_FALSE(ParseSapCollectionQuery({}, q).has_value());
  EXPECT_EQ(q.top, kSapDefaultPageSize);
  EXPECT_EQ(q.skip, 0u);
  EXPECT_TRUE(q.count);

  EXPECT_FALSE(ParseSapCollectionQuery({{"$top", "500"}, {"$skip", "20"}, {"$count", "false"}, {"sap-client", "x"}}, q)
                   .has_value());
  EXPECT_EQ(q.top, kSapMaxPageSize);
  EXPECT_EQ(q.skip, 20u);
  EXPECT_FALSE(q.count);

  auto refused = ParseSapCollectionQuery({{"$top", "-1"}}, q);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->option, "$top");
  refused = ParseSapCollectionQuery({{"$expand", "items"}}, q);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->option, "$expand");
  refused = ParseSapCollectionQuery({{"$filter", "a eq 1 or b eq 2"}}, q);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, "INVALID_FILTER");
  refused = ParseSapCollectionQuery({{"$select", "adminData/updatedOn"}}, q);
  ASSERT_TRUE(refused.has_value());
  EXPECT_NE(refused->message.find("top-level"), std::string::npos);

  ASSERT_FALSE(ParseSapCollectionQuery({{"$select", "status, adminData"}}, q).has_value());
  const json::object selected =
      SelectSapMembers(Entity(R"({"id":"q1","status":"OPEN","items":[1],"adminData":{"a":1}})"), q.select);
  EXPECT_EQ(json::serialize(selected), R"({"id":"q1","status":"OPEN","adminData":{"a":1}})");
}

}  // namespace
}  // namespace ferry::crm_sim
