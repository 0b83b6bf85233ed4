#include "common/http/url_encoding.h"

#include <gtest/gtest.h>

namespace ferry::http {
namespace {

TEST(UrlEncoding, PercentEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(PercentEncode("O'Brien & Co/ü"), "O%27Brien%20%26%20Co%2F%C3%BC");
  EXPECT_EQ(PercentEncode("acme.inc", /*keep_dot=*/false), "acme%2Einc");
}

TEST(UrlEncoding, FormEncodeWritesSpacesAsPlus) {
  EXPECT_EQ(FormEncode("a b+c=d&e"), "a+b%2Bc%3Dd%26e");
  EXPECT_EQ(FormEncode("https://org.crm.dynamics.com/.default"), "https%3A%2F%2Forg.crm.dynamics.com%2F.default");
}

TEST(ParseQueryTest, ParametersAreDecoded) {
  auto q = ParseQuery("limit=50&user=ada%40plant&text=a+b%2Bc&empty=&flag");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("limit"), "50");
  EXPECT_EQ(q->at("user"), "ada@plant");
  EXPECT_EQ(q->at("text"), "a b+c");
  EXPECT_EQ(q->at("empty"), "");
  EXPECT_EQ(q->at("flag"), "");
  EXPECT_TRUE(ParseQuery("")->empty());
  EXPECT_TRUE(ParseQuery("&&a=1&")->count("a"));
  auto [path, query] = SplitTarget("/api/v1/audit?limit=5");
  EXPECT_EQ(path, "/api/v1/audit");
  EXPECT_EQ(query, "limit=5");
  EXPECT_EQ(SplitTarget("/x").second, "");
}

TEST(ParseQueryTest, MalformedOrOversizedQueriesAreRefused) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "a=1&a=2", "=1", "a=%ff%fe", "a=%00%C0%80"}) {
    EXPECT_FALSE(ParseQuery(bad)) << bad;
  }
  EXPECT_FALSE(ParseQuery("a=" + std::string(1025, 'x')));
  EXPECT_TRUE(ParseQuery("a=" + std::string(1024, 'x')));
  std::string many;
  for (int i = 0; i < 33; ++i) many += "p" + std::to_string(i) + "=1&";
  EXPECT_FALSE(ParseQuery(many));
}

TEST(QueryNumberTest, OnlyPlainDigitsWithinTheLimit) {
  EXPECT_EQ(QueryNumber("0"), 0u);
  EXPECT_EQ(QueryNumber("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(QueryNumber("500", 500), 500u);
  for (const char* bad :
       {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "18446744073709551616", "99999999999999999999999"}) {
    EXPECT_FALSE(QueryNumber(bad)) << bad;
  }
  EXPECT_FALSE(QueryNumber("501", 500));
}

}  // namespace
}  // namespace ferry::http
