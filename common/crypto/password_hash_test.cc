#include "common/crypto/password_hash.h"

#include <gtest/gtest.h>

namespace ferry::crypto {
namespace {

// The lowest cost the range allows, so the tests stay quick.
constexpr ScryptCost kCheap{10, 8, 1};

TEST(PasswordHashTest, TheRightPasswordVerifiesAndAnyOtherDoesNot) {
  auto stored = HashPassword("correct horse battery staple", kCheap);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->salt.size(), 16u);
  EXPECT_EQ(stored->hash.size(), 32u);
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *stored));
  EXPECT_FALSE(VerifyPassword("correct horse battery stapler", *stored));
  EXPECT_FALSE(VerifyPassword("", *stored));
  PasswordHash damaged = *stored;
  damaged.hash.pop_back();
  EXPECT_FALSE(VerifyPassword("correct horse battery staple", damaged));
  PasswordHash absurd = *stored;
  absurd.cost.log2_n = 40;  // a stored cost nobody should be made to compute
  EXPECT_FALSE(VerifyPassword("correct horse battery staple", absurd));
}

TEST(PasswordHashTest, EachHashHasItsOwnSaltAndMatchesScryptsTestVector) {
  auto a = HashPassword("same", kCheap);
  auto b = HashPassword("same", kCheap);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->salt, b->salt);
  EXPECT_NE(a->hash, b->hash);
  // RFC 7914 section 12, second vector: "password", salt "NaCl", N=1024,
  // r=8, p=16; a 32-byte hash is the first half of its 64-byte output.
  PasswordHash vector;
  vector.salt = "NaCl";
  vector.cost = {10, 8, 16};
  const unsigned char expected[32] = {0xfd, 0xba, 0xbe, 0x1c, 0x9d, 0x34, 0x72, 0x00, 0x78, 0x56, 0xe7,
                                      0x19, 0x0d, 0x01, 0xe9, 0xfe, 0x7c, 0x6a, 0xd7, 0xcb, 0xc8, 0x23,
                                      0x78, 0x30, 0xe7, 0x73, 0x76, 0x63, 0x4b, 0x37, 0x31, 0x62};
  vector.hash.assign(reinterpret_cast<const char*>(expected), sizeof expected);
  EXPECT_TRUE(VerifyPassword("password", vector));
  EXPECT_FALSE(VerifyPassword("passwore", vector));
}

}  // namespace
}  // namespace ferry::crypto
