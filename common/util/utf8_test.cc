#include "common/util/utf8.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(Utf8Test, FindsTheFirstMalformedByte) {
  EXPECT_EQ(FindInvalidUtf8("plain ascii text, longer than eight"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("M\xC3\xBCller \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(FindInvalidUtf8("ab\xED\xA0\x80"), 2u);       // U+D800, a surrogate
  EXPECT_EQ(FindInvalidUtf8("abc\xF4\x90\x80\x80"), 3u);  // past U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("\xC0\xAF"), 0u);             // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("12345678\x80"), 8u);         // stray continuation after the fast path
  EXPECT_EQ(FindInvalidUtf8("\xE2\x82"), 0u);             // truncated
}

TEST(Utf8Test, LogEscapingKeepsTextAndEscapesControlsAndBrokenBytes) {
  EXPECT_EQ(EscapeForLog("docnum=42 M\xC3\xBCller"), "docnum=42 M\xC3\xBCller");
  EXPECT_EQ(EscapeForLog("42\n<0>event=forged"), "42\\x0a<0>event=forged");
  EXPECT_EQ(EscapeForLog("a\rb\tc\x7f"), "a\\x0db\\x09c\\x7f");
  EXPECT_EQ(EscapeForLog("x\xED\xA0\x80y"), "x\\xed\\xa0\\x80y");
  std::string out;
  EXPECT_FALSE(AppendEscapedForLog("clean", out));
  EXPECT_TRUE(AppendEscapedForLog("\n", out));
  EXPECT_EQ(out, "clean\\x0a");
}

}  // namespace
}  // namespace ferry
