// Found by fuzzing: the recursive-descent expression parser had no bound on
// nesting, and a few thousand parentheses overflowed the stack.
#include <gtest/gtest.h>

#include <string>

#include "common/flows/expr.h"

namespace ferry::flows {
namespace {

class NoValueMaps : public ValueMapResolver {
 public:
  int Find(std::string_view) const override { return -1; }
};

TEST(ExprDepthTest, DeepNestingIsASyntaxErrorNotAStackOverflow) {
  const NoValueMaps maps;
  for (const std::string& open : {std::string("("), std::string("-"), std::string("not "), std::string("f(")}) {
    SCOPED_TRACE(open);
    std::string text;
    for (int i = 0; i < 100000; ++i) text += open;
    text += "1";
    auto parsed = ParseExpression(text, maps);
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.status().message().find("nests deeper than 64 levels"), std::string::npos)
        << parsed.status().message();
  }
  std::string ok;
  for (int i = 0; i < 60; ++i) ok += "(";
  ok += "1";
  for (int i = 0; i < 60; ++i) ok += ")";
  EXPECT_TRUE(ParseExpression(ok, maps).ok());
}

}  // namespace
}  // namespace ferry::flows
