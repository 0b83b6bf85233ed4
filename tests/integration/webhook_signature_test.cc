// The webhook connector signs every request when it has a secret: the
// receiver recomputes HMAC-SHA256 over "<t>.<body>" and compares. A secret
// rotated in its file is used from the next request on, without a restart.

#include <gtest/gtest.h>

#include "common/crypto/hmac.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

// Splits "t=123,v1=abc" into its two values.
std::pair<std::string, std::string> ParseSignature(const std::string& header) {
  const size_t comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return {};
  return {header.substr(2, comma - 2), header.substr(comma + 4)};
}

bool Verifies(const ReceivedRequest& r, const std::string& secret) {
  auto it = r.headers.find("x-ferry-signature");
  if (it == r.headers.end()) return false;
  const auto [t, v1] = ParseSignature(it->second);
  return !t.empty() && v1 == crypto::HmacSha256Hex(secret, t + "." + r.body);
}

TEST(WebhookSignatureTest, EveryRequestIsSignedAndARotatedSecretTakesEffectWithoutRestart) {
  TempDir keys;
  const auto secret_file = keys.path() / "webhook.secret";
  WriteFile(secret_file, "first-secret\n");
  PipelineOptions options;
  options.webhook_extra_yaml = "    signing_secret_file: " + secret_file.string() + "\n";
  Pipeline p(options);
  p.StartAll();

  ASSERT_EQ(p.PostIdoc(DebmasIdoc("0000000000750001", "0000750001", "Erste", "DE")).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(1, 20s));
  auto requests = p.sink().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(Verifies(requests[0], "first-secret")) << requests[0].headers["x-ferry-signature"];
  EXPECT_FALSE(Verifies(requests[0], "another-secret"));
  const auto [t, v1] = ParseSignature(requests[0].headers["x-ferry-signature"]);
  EXPECT_NEAR(
      std::stoll(t),
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
      60);

  WriteFile(secret_file, "second-secret\n");
  ASSERT_EQ(p.PostIdoc(DebmasIdoc("0000000000750002", "0000750002", "Zweite", "DE")).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(2, 20s));
  requests = p.sink().Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_TRUE(Verifies(requests[1], "second-secret"));
  EXPECT_FALSE(Verifies(requests[1], "first-secret"));
}

}  // namespace
}  // namespace ferry::testing
