#include "agent/sources/s4_odata/odata_literal.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "agent/sources/s4_odata/odata_keyset.h"

namespace ferry::agent {
namespace {

TEST(ODataLiteralTest, EachKeyTypeHasItsOwnLiteralInV2AndV4) {
  const std::string guid = "0050568f-3a1c-1eda-b5e6-9f1c2d3e4f50";
  EXPECT_EQ(KeyLiteral(guid, ODataKeyType::kGuid, false), "guid'" + guid + "'");
  EXPECT_EQ(KeyLiteral(guid, ODataKeyType::kGuid, true), guid);
  EXPECT_EQ(KeyLiteral("42", ODataKeyType::kInt64, false), "42L");
  EXPECT_EQ(KeyLiteral("42", ODataKeyType::kInt64, true), "42");
  EXPECT_EQ(KeyLiteral("-7", ODataKeyType::kInt, false), "-7");
  EXPECT_EQ(KeyLiteral("O'Neil", ODataKeyType::kString, false), "'O''Neil'");
  EXPECT_EQ(KeyLiteral("42", ODataKeyType::kAuto, false), "'42'");  // JSON text: Edm.String
  EXPECT_EQ(KeyLiteral("42", ODataKeyType::kAuto, false, /*number=*/true), "42");
}

TEST(ODataLiteralTest, AValueNotOfItsTypeIsNotWritten) {
  EXPECT_FALSE(KeyLiteral("0050568f-3a1c-1eda-b5e6-9f1c2d3e4f5'", ODataKeyType::kGuid, false));
  EXPECT_FALSE(KeyLiteral("0050568f3a1c1edab5e69f1c2d3e4f50", ODataKeyType::kGuid, true));
  EXPECT_FALSE(KeyLiteral("42 or 1 eq 1", ODataKeyType::kInt64, false));
  EXPECT_FALSE(KeyLiteral("", ODataKeyType::kInt, false));
  EXPECT_FALSE(KeyLiteral("12345678901234567890", ODataKeyType::kInt64, false));
  EXPECT_FALSE(KeyLiteral("9223372036854775808", ODataKeyType::kInt64, false));  // beyond Edm.Int64
  EXPECT_EQ(KeyLiteral("-9223372036854775808", ODataKeyType::kInt64, false), "-9223372036854775808L");
  EXPECT_FALSE(KeyLiteral("+1", ODataKeyType::kInt, false));
}

TEST(ODataLiteralTest, TheNextPagesConditionWritesTypedKeys) {
  ODataEntityShape shape;
  shape.key_fields = {"SalesOrder", "ItemUUID"};
  shape.key_types = {ODataKeyType::kInt64, ODataKeyType::kGuid};
  shape.changed_at = "LastChangeDateTime";
  const boost::json::object entity{{"LastChangeDateTime", "/Date(1767225600000+0000)/"},
                                   {"SalesOrder", "4711"},
                                   {"ItemUUID", "0050568f-3a1c-1eda-b5e6-9f1c2d3e4f50"}};
  auto after = AfterCondition(entity, shape);
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_NE(after->find("SalesOrder gt 4711L"), std::string::npos) << *after;
  EXPECT_NE(after->find("ItemUUID gt guid'0050568f-3a1c-1eda-b5e6-9f1c2d3e4f50'"), std::string::npos) << *after;

  const boost::json::object bad{
      {"LastChangeDateTime", "/Date(1767225600000+0000)/"}, {"SalesOrder", "4711"}, {"ItemUUID", "not-a-guid"}};
  EXPECT_FALSE(AfterCondition(bad, shape).ok());
}

}  // namespace
}  // namespace ferry::agent
