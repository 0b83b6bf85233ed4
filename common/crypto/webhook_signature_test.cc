#include "common/crypto/webhook_signature.h"

#include <gtest/gtest.h>

namespace ferry::crypto {
namespace {

constexpr std::chrono::seconds kTolerance{300};

TEST(WebhookSignatureTest, ASignatureChecksAgainstItsBodySecretAndTime) {
  const std::string header = SignWebhook("s3cret", 1'800'000'000, R"({"a":1})");
  EXPECT_TRUE(CheckWebhookSignature(header, "s3cret", R"({"a":1})", 1'800'000'100, kTolerance).ok());
  // The same value Python's hmac module gives (docs/connectors.md#signature).
  EXPECT_EQ(SignWebhook("k", 1, "b"), "t=1,v1=2946e37a45bb02a0bf1bf1a7d9219543801fedd301f9f485aebd72c928639bea");
}

TEST(WebhookSignatureTest, AnyChangeOrAnOldSignatureIsRefused) {
  const std::string header = SignWebhook("s3cret", 1'800'000'000, "body");
  EXPECT_FALSE(CheckWebhookSignature(header, "s3cret", "body ", 1'800'000'000, kTolerance).ok());
  EXPECT_FALSE(CheckWebhookSignature(header, "other", "body", 1'800'000'000, kTolerance).ok());
  const Status old = CheckWebhookSignature(header, "s3cret", "body", 1'800'000'301, kTolerance);
  EXPECT_EQ(old.code(), StatusCode::kUnauthenticated);
  EXPECT_NE(old.message().find("more than 300 s"), std::string::npos) << old.message();
  EXPECT_FALSE(CheckWebhookSignature(header, "s3cret", "body", 1'799'999'699, kTolerance).ok()) << "from the future";
  for (const char* bad : {"", "t=1800000000", "v1=ab", "t=x,v1=ab", "t=-,v1=", "t=99999999999999999999,v1=ab"}) {
    EXPECT_FALSE(CheckWebhookSignature(bad, "s3cret", "body", 1'800'000'000, kTolerance).ok()) << bad;
  }
  const std::string v1 = header.substr(header.find("v1=") + 3);
  const Status wrong = CheckWebhookSignature("t=1800000000,v1=" + std::string(v1.size(), '0'), "s3cret", "body",
                                             1'800'000'000, kTolerance);
  EXPECT_EQ(wrong.message().find(v1), std::string::npos) << "the expected signature is never told";
}

}  // namespace
}  // namespace ferry::crypto
