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

}  // namespace
}  // namespace ferry::http
