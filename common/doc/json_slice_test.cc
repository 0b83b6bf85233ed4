#include "common/doc/json_slice.h"

#include <gtest/gtest.h>

namespace ferry::doc {
namespace {

TEST(JsonSliceTest, TheFirstElementIsTakenAsWritten) {
  const std::string answer =
      R"({"totalSize":1,"done":true,"note":"a \"records\": [9] in a string","records" : [ {"Amount":2.0,)"
      R"("Lines":{"records":[{"Q":1.50}]},"S":"}]"} , {"x":1}]})";
  auto first = FirstElementOf(answer, "records");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, R"({"Amount":2.0,"Lines":{"records":[{"Q":1.50}]},"S":"}]"})");
  EXPECT_EQ(FirstElementOf(R"({"records":[12.50,3]})", "records").value_or(""), "12.50");
  EXPECT_EQ(FirstElementOf(R"({"records":["a,b"]})", "records").value_or(""), "\"a,b\"");
  EXPECT_FALSE(FirstElementOf(R"({"records":[]})", "records"));
  EXPECT_FALSE(FirstElementOf(R"({"records":{}})", "records"));
  EXPECT_FALSE(FirstElementOf(R"({"other":[1]})", "records"));
  EXPECT_FALSE(FirstElementOf(R"([1])", "records"));
  EXPECT_FALSE(FirstElementOf("", "records"));
}

TEST(JsonSliceTest, AMemberIsTakenAsWritten) {
  const std::string answer = R"( { "note" : "\"value\": 1", "value" : {"Amount": 2500.50, "S":"}"} , "n": 3 } )";
  EXPECT_EQ(MemberOf(answer, "value").value_or(""), R"({"Amount": 2500.50, "S":"}"})");
  EXPECT_EQ(MemberOf(answer, "n").value_or(""), "3");
  EXPECT_EQ(MemberOf(answer, "note").value_or(""), R"("\"value\": 1")");
  EXPECT_FALSE(MemberOf(answer, "missing"));
  EXPECT_FALSE(MemberOf("[1]", "value"));
  EXPECT_FALSE(MemberOf("", "value"));
}

}  // namespace
}  // namespace ferry::doc
