#include "agent/sources/s4_odata/odata_page.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "agent/sources/s4_odata/odata_keyset.h"

namespace ferry::agent {
namespace {

ODataEntityShape PartnerShape() {
  ODataEntityShape s;
  s.key_fields = {"BusinessPartner"};
  s.changed_date = "LastChangeDate";
  s.changed_time = "LastChangeTime";
  s.deleted_when = "IsMarkedForArchiving";
  return s;
}

TEST(ODataPageTest, AV2PageGivesKeysChangeTimesAndCleanPayloads) {
  const std::string body = R"({"d":{"results":[
    {"__metadata":{"id":"x","uri":"x","type":"API_BUSINESS_PARTNER.A_BusinessPartnerType"},
     "BusinessPartner":"1000746","LastChangeDate":"\/Date(1714521600000)\/","LastChangeTime":"PT10H30M05S",
     "IsMarkedForArchiving":true,
     "to_Customer":{"__metadata":{"uri":"y"},"Customer":"1000746"},
     "to_BusinessPartnerAddress":{"results":[{"CityName":"Hamburg"}]},
     "to_BPCreditWorthiness":{"__deferred":{"uri":"z"}}},
    {"BusinessPartner":"","LastChangeDate":null}],
    "__next":"https://s4/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner?$skiptoken=2"}})";
  auto page = ParseODataPage(body, PartnerShape());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->entities.size(), 1u);
  const ODataEntity& e = page->entities[0];
  EXPECT_EQ(e.key, "1000746");
  EXPECT_EQ(e.changed_ms, 1714521600000 + (10 * 3600 + 30 * 60 + 5) * 1000);
  EXPECT_TRUE(e.deleted);
  EXPECT_EQ(e.payload,
            R"({"BusinessPartner":"1000746","LastChangeDate":"/Date(1714521600000)/","LastChangeTime":"PT10H30M05S",)"
            R"("IsMarkedForArchiving":true,"to_Customer":{"Customer":"1000746"},)"
            R"("to_BusinessPartnerAddress":[{"CityName":"Hamburg"}]})");
  EXPECT_EQ(page->skipped, std::vector<std::string>{"entity #2 has no key field BusinessPartner"});
  EXPECT_EQ(page->next_link, "https://s4/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner?$skiptoken=2");
}

TEST(ODataPageTest, AV4PageWithATimestampAndCompositeKey) {
  ODataEntityShape s;
  s.key_fields = {"ConditionRecord", "ConditionSequentialNumber"};
  s.changed_at = "LastChangeDateTime";
  const std::string body = R"({"@odata.context":"$metadata#X","value":[
    {"ConditionRecord":"0000012345","ConditionSequentialNumber":"01",
     "LastChangeDateTime":"2024-05-01T10:00:00.5+02:00","@odata.etag":"W/x"}],
    "@odata.nextLink":"X?$skiptoken=1"})";
  auto page = ParseODataPage(body, s);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->entities.size(), 1u);
  EXPECT_EQ(page->entities[0].key, "0000012345,01");
  EXPECT_EQ(IsoUtc(page->entities[0].changed_ms), "2024-05-01T08:00:00.500Z");
  EXPECT_EQ(page->entities[0].payload.find("@odata"), std::string::npos);
  EXPECT_EQ(page->next_link, "X?$skiptoken=1");
}

TEST(ODataPageTest, AnswersThatAreNoCollectionAreRefused) {
  for (const char* body : {"", "[]", "{\"d\":{}}", "{\"error\":{\"code\":\"X\"}}", "{\"value\":{}}", "not json"}) {
    EXPECT_FALSE(ParseODataPage(body, PartnerShape()).ok()) << body;
  }
  std::string deep = "{\"value\":[{\"a\":";
  for (int i = 0; i < 100; ++i) deep += "[";
  EXPECT_FALSE(ParseODataPage(deep, PartnerShape()).ok());
}

TEST(ODataPageTest, ODataTimesInEveryShape) {
  EXPECT_EQ(*ODataTimeMs("/Date(1130112000000)/"), 1130112000000);
  EXPECT_EQ(*ODataTimeMs("/Date(1130168212000+0000)/"), 1130168212000);
  EXPECT_EQ(*ODataTimeMs("PT14H30M00S"), (14 * 3600 + 30 * 60) * 1000);
  EXPECT_EQ(*ODataTimeMs("2005-10-24T15:36:52Z"), 1130168212000);
  EXPECT_FALSE(ODataTimeMs("/Date(abc)/").ok());
  EXPECT_FALSE(ODataTimeMs("yesterday").ok());
  EXPECT_FALSE(ODataTimeMs("PTXS").ok());
  // Found by the fuzzer: inputs the calendar arithmetic must never see.
  EXPECT_FALSE(ODataTimeMs("2024-05-01T100.5+02:00").ok());
  EXPECT_FALSE(ODataTimeMs("/Date(9223372036854775807)/").ok());
  EXPECT_FALSE(ODataTimeMs("/Date(-9223372036854775808)/").ok());
  EXPECT_FALSE(ODataTimeMs("0000-01-01T00:00:00Z").ok());
  EXPECT_FALSE(ODataTimeMs("2024-02-30T00:00:00Z").ok());
  EXPECT_FALSE(ODataTimeMs("PT99999999999999H").ok());
  // Many small groups must not add up past a day (nor overflow).
  std::string many = "PT";
  for (int i = 0; i < 100000; ++i) many += "999999H";
  EXPECT_FALSE(ODataTimeMs(many).ok());
  EXPECT_FALSE(ODataTimeMs("PT49H").ok());
  EXPECT_EQ(*ODataTimeMs("PT23H59M59S"), 86'399'000);
  EXPECT_EQ(*ODataTimeMs("9999-12-31T23:59:59.999Z"), 253'402'300'799'999);
}

}  // namespace
}  // namespace ferry::agent

namespace ferry::agent {
namespace {

TEST(ODataKeysetTest, TheNextPageStartsAfterTheLastEntityInChangeTimeAndKeyOrder) {
  const std::string body = R"({"d":{"results":[
    {"BusinessPartner":"1","LastChangeDate":"\/Date(1714521600000)\/","LastChangeTime":"PT09H00M00S"},
    {"BusinessPartner":"O'Brien","LastChangeDate":"\/Date(1714521600000)\/","LastChangeTime":"PT10H30M05S"},
    {"LastChangeDate":null}]}})";
  auto page = ParseODataPage(body, PartnerShape());
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  // The last entity has no key: the position is the last one identified.
  EXPECT_EQ(page->after,
            "LastChangeDate gt datetime'2024-05-01T00:00:00' or "
            "(LastChangeDate eq datetime'2024-05-01T00:00:00' and LastChangeTime gt time'PT10H30M05S') or "
            "(LastChangeDate eq datetime'2024-05-01T00:00:00' and LastChangeTime eq time'PT10H30M05S' and "
            "BusinessPartner gt 'O''Brien')");
}

TEST(ODataKeysetTest, NullSortsFirstAndTimestampsAndNumbersAreWrittenFromTheirValues) {
  ODataEntityShape shape;
  shape.key_fields = {"Product", "Plant"};
  shape.changed_at = "LastChangeDateTime";
  auto after = AfterCondition(
      boost::json::parse(R"({"Product":"TG11","Plant":1010,"LastChangeDateTime":null})").as_object(), shape);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after,
            "LastChangeDateTime ne null or (LastChangeDateTime eq null and Product gt 'TG11') or "
            "(LastChangeDateTime eq null and Product eq 'TG11' and Plant gt 1010)");
  after = AfterCondition(
      boost::json::parse(R"({"Product":"A","Plant":1,"LastChangeDateTime":"\/Date(1714557600123+0000)\/"})")
          .as_object(),
      shape);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->starts_with("LastChangeDateTime gt datetimeoffset'2024-05-01T10:00:00.123Z' or")) << *after;
}

TEST(ODataKeysetTest, ValuesThatAreNoLiteralAreRefusedNotCopied) {
  ODataEntityShape shape = PartnerShape();
  for (const char* entity :
       {R"({"BusinessPartner":{"x":1},"LastChangeDate":"\/Date(0)\/","LastChangeTime":"PT00H00M00S"})",
        R"({"BusinessPartner":"1","LastChangeDate":"2024' or 1 eq 1","LastChangeTime":"PT00H00M00S"})",
        R"({"BusinessPartner":"1","LastChangeDate":"\/Date(0)\/","LastChangeTime":"\/Date(0)\/"})"}) {
    auto after = AfterCondition(boost::json::parse(entity).as_object(), shape);
    EXPECT_FALSE(after.ok()) << entity << " → " << *after;
  }
}

TEST(ODataPageTest, DeltaLinksAndV4TombstonesAreRead) {
  ODataEntityShape shape;
  shape.key_fields = {"SalesOrder"};
  auto v4 = ParseODataPage(R"json({"@odata.context":"$metadata#SalesOrder/$delta","value":[
      {"SalesOrder":"4711","SalesOrderType":"OR","@odata.etag":"W/\"x\""},
      {"@removed":{"reason":"deleted"},"@id":"SalesOrder('4712')","SalesOrder":"4712"}],
      "@odata.deltaLink":"https://s4/sap/opu/odata4/x/SalesOrder?$deltatoken=77"})json",
                           shape);
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  ASSERT_EQ(v4->entities.size(), 2u);
  EXPECT_FALSE(v4->entities[0].deleted);
  EXPECT_EQ(v4->entities[0].payload, R"({"SalesOrder":"4711","SalesOrderType":"OR"})");
  EXPECT_TRUE(v4->entities[1].deleted);
  EXPECT_EQ(v4->entities[1].key, "4712");
  EXPECT_EQ(v4->delta_link, "https://s4/sap/opu/odata4/x/SalesOrder?$deltatoken=77");
  // OData 4.0's form: no key fields, the entity named by its id.
  auto v40 = ParseODataPage(R"json({"value":[
      {"@odata.context":"$metadata#SalesOrder/$deletedEntity","id":"SalesOrder('O''Neil')","reason":"deleted"}]})json",
                            shape);
  ASSERT_TRUE(v40.ok());
  ASSERT_EQ(v40->entities.size(), 1u) << (v40->skipped.empty() ? "" : v40->skipped[0]);
  EXPECT_TRUE(v40->entities[0].deleted);
  EXPECT_EQ(v40->entities[0].key, "O'Neil");
  auto v2 = ParseODataPage(R"({"d":{"results":[],"__delta":"https://s4/x/A_Set?!deltatoken='5'"}})", shape);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->delta_link, "https://s4/x/A_Set?!deltatoken='5'");
}

TEST(ODataKeysetTest, V4LiteralsAreBareAndV4TimesAreRead) {
  ODataEntityShape shape;
  shape.key_fields = {"SalesOrder"};
  shape.changed_date = "LastChangeDate";
  shape.changed_time = "LastChangeTime";
  shape.v4 = true;
  auto after = AfterCondition(
      boost::json::parse(R"({"SalesOrder":"4711","LastChangeDate":"2026-01-02","LastChangeTime":"10:30:05"})")
          .as_object(),
      shape);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after,
            "LastChangeDate gt 2026-01-02 or (LastChangeDate eq 2026-01-02 and LastChangeTime gt 10:30:05) or "
            "(LastChangeDate eq 2026-01-02 and LastChangeTime eq 10:30:05 and SalesOrder gt '4711')");
  EXPECT_EQ(TimeLiteral(1767349805123, ODataTimeType::kDateTimeOffset, true), "2026-01-02T10:30:05.123Z");
  // A service's own precision is kept: cut to milliseconds, "gt" would
  // match the page's last entity again.
  ODataEntityShape stamped;
  stamped.key_fields = {"SalesOrder"};
  stamped.changed_at = "LastChangeDateTime";
  stamped.v4 = true;
  after = AfterCondition(
      boost::json::parse(R"({"SalesOrder":"1","LastChangeDateTime":"2026-01-02T10:30:05.1234567Z"})").as_object(),
      stamped);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->starts_with("LastChangeDateTime gt 2026-01-02T10:30:05.1234567Z or")) << *after;
  EXPECT_EQ(*ODataTimeMs("2026-01-02"), 1767312000000);
  EXPECT_EQ(*ODataTimeMs("10:30:05.5"), (10 * 3600 + 30 * 60 + 5) * 1000 + 500);
  for (const char* bad : {"24:00:00", "10:60:00", "10:30:05x", "2026-13-01", "2026-01-0Z"}) {
    EXPECT_FALSE(ODataTimeMs(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace ferry::agent
