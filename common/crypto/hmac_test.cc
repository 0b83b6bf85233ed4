#include "common/crypto/hmac.h"

#include <gtest/gtest.h>

namespace ferry::crypto {
namespace {

// RFC 4231, test cases 1 and 2.
TEST(HmacSha256, KnownAnswers) {
  EXPECT_EQ(HmacSha256Hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, DependsOnKeyAndData) {
  EXPECT_NE(HmacSha256Hex("k1", "body"), HmacSha256Hex("k2", "body"));
  EXPECT_NE(HmacSha256Hex("k1", "body"), HmacSha256Hex("k1", "body "));
}

}  // namespace
}  // namespace ferry::crypto
