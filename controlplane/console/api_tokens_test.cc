#include "controlplane/console/api_tokens.h"

#include <gtest/gtest.h>

#include "common/util/clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using ferry::v1::ConsoleUser;

class ApiTokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), {ApiTokens::kDb});
    tokens_ = std::make_unique<ApiTokens>(*store_);
  }
  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ApiTokens> tokens_;
};

TEST_F(ApiTokensTest, AMadeTokenVerifiesUntilRevokedAndOnlyItsHashIsStored) {
  ferry::v1::ApiToken made;
  auto text = tokens_->Create("nightly-replay", ConsoleUser::OPERATOR, 0, "ada", &made);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->size(), 6u + 16u + 1u + 64u);
  EXPECT_EQ(text->rfind("ferry_" + made.id() + "_", 0), 0u);

  auto verified = tokens_->Verify(*text, NowUnixMs());
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->name(), "nightly-replay");
  EXPECT_EQ(verified->role(), ConsoleUser::OPERATOR);
  EXPECT_EQ(verified->created_by(), "ada");
  // The secret is not stored: nothing in the listing contains it.
  const std::string secret = text->substr(text->size() - 64);
  const auto listed = tokens_->List();
  ASSERT_TRUE(listed.ok());
  for (const auto& t : *listed) EXPECT_EQ(t.SerializeAsString().find(secret), std::string::npos);

  ASSERT_TRUE(tokens_->Revoke(made.id()).ok());
  EXPECT_EQ(tokens_->Verify(*text, NowUnixMs()).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens_->Revoke(made.id()).code(), StatusCode::kNotFound);
}

TEST_F(ApiTokensTest, ForgedExpiredAndMalformedTokensAreRefusedAlike) {
  const int64_t now = NowUnixMs();
  auto text = tokens_->Create("soon-gone", ConsoleUser::VIEWER, now + 60'000, "ada");
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(tokens_->Verify(*text, now).ok());
  EXPECT_FALSE(tokens_->Verify(*text, now + 60'000).ok());  // expired

  std::string forged = *text;
  forged.back() = forged.back() == '0' ? '1' : '0';
  for (const std::string& bad : {forged, std::string(""), std::string("ferry_"), text->substr(0, text->size() - 1),
                                 *text + "0", std::string(text->size(), 'x')}) {
    auto r = tokens_->Verify(bad, now);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().message(), "the API token is not valid");
  }
  EXPECT_EQ(tokens_->Create("no spaces", ConsoleUser::VIEWER, 0, "ada").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(tokens_->Create("x", ConsoleUser::ROLE_UNSPECIFIED, 0, "ada").status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ferry::controlplane
