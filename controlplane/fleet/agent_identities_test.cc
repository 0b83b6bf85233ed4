#include "controlplane/fleet/agent_identities.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using namespace std::chrono_literals;
using ferry::v1::AgentIdentity;

constexpr const char* kFingerprint = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class AgentIdentitiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), {AgentIdentities::kDb});
    ASSERT_TRUE(store_);
    identities_ = std::make_unique<AgentIdentities>(*store_);
  }

  fleet::EnrollmentToken Invite(const std::string& id, std::chrono::seconds valid_for = 24h) {
    auto token = identities_->Invite(id, {{"site", "hamburg"}}, valid_for, kFingerprint);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : fleet::EnrollmentToken{};
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AgentIdentities> identities_;
};

TEST_F(AgentIdentitiesTest, ATokenEnrollsOnceAndTheStoreKeepsOnlyItsHash) {
  fleet::EnrollmentToken token = Invite("plant-01");
  auto parsed = fleet::EnrollmentToken::Parse(token.Format());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->ca_fingerprint, kFingerprint);
  auto stored = identities_->Get("plant-01");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state(), AgentIdentity::INVITED);
  EXPECT_EQ(stored->labels().at("site"), "hamburg");
  EXPECT_EQ(stored->token_hash(), token.SecretHash());
  EXPECT_EQ(stored->SerializeAsString().find(token.secret), std::string::npos);
  EXPECT_FALSE(identities_->IsEnrolled("plant-01"));

  ASSERT_TRUE(identities_->Redeem(*parsed).ok());
  auto again = identities_->Redeem(*parsed);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("used already"), std::string::npos);
  // Someone without the token learns nothing from the agent having enrolled.
  fleet::EnrollmentToken guess = *parsed;
  guess.secret[0] = guess.secret[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(identities_->Redeem(guess).status().code(), StatusCode::kUnauthenticated);

  ASSERT_TRUE(identities_->RecordCertificate("plant-01", "ABC123", (std::time(nullptr) + 3600) * 1000).ok());
  EXPECT_TRUE(identities_->IsEnrolled("plant-01"));
}

TEST_F(AgentIdentitiesTest, WrongUnknownAndExpiredTokensAreRefusedWithoutTellingWhich) {
  fleet::EnrollmentToken token = Invite("plant-01");
  fleet::EnrollmentToken wrong = token;
  wrong.secret[0] = wrong.secret[0] == 'a' ? 'b' : 'a';
  auto refused = identities_->Redeem(wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  fleet::EnrollmentToken unknown = token;
  unknown.agent_id = "plant-99";
  auto unknown_refused = identities_->Redeem(unknown);
  EXPECT_EQ(unknown_refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown_refused.status().message(), refused.status().message());
  // A wrong guess does not burn the right token.
  EXPECT_TRUE(identities_->Redeem(token).ok());

  fleet::EnrollmentToken expired = Invite("plant-02", 0s);
  auto late = identities_->Redeem(expired);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("expired"), std::string::npos);
}

TEST_F(AgentIdentitiesTest, ANewInvitationReplacesTheOldTokenAndKeepsTheCertificates) {
  fleet::EnrollmentToken first = Invite("plant-01");
  ASSERT_TRUE(identities_->Redeem(first).ok());
  ASSERT_TRUE(identities_->RecordCertificate("plant-01", "AA", (std::time(nullptr) + 3600) * 1000).ok());
  fleet::EnrollmentToken second = Invite("plant-01");
  fleet::EnrollmentToken third = Invite("plant-01");
  EXPECT_EQ(identities_->Redeem(second).status().code(), StatusCode::kUnauthenticated);
  auto stored = identities_->Get("plant-01");
  EXPECT_EQ(stored->state(), AgentIdentity::ENROLLED);  // until the new token is used
  EXPECT_EQ(stored->certificates_size(), 1);
  EXPECT_TRUE(identities_->Redeem(third).ok());
}

TEST_F(AgentIdentitiesTest, RevocationStopsTheAgentAndItsPendingTokenAndLosesRacingRenewals) {
  fleet::EnrollmentToken token = Invite("plant-01");
  ASSERT_TRUE(identities_->Redeem(token).ok());
  ASSERT_TRUE(identities_->RecordCertificate("plant-01", "AA", (std::time(nullptr) + 3600) * 1000).ok());
  fleet::EnrollmentToken pending = Invite("plant-01");
  auto revoked = identities_->Revoke("plant-01", "laptop stolen");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->state(), AgentIdentity::REVOKED);
  EXPECT_EQ(revoked->revoked_reason(), "laptop stolen");
  EXPECT_FALSE(identities_->IsEnrolled("plant-01"));
  EXPECT_FALSE(identities_->Redeem(pending).ok());
  EXPECT_EQ(identities_->RecordCertificate("plant-01", "BB", (std::time(nullptr) + 3600) * 1000).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(identities_->Revoke("plant-77", "x").status().code(), StatusCode::kNotFound);
  ASSERT_EQ(revoked->revoked_certificates_size(), 1);
  EXPECT_EQ(revoked->revoked_certificates(0).serial(), "AA");

  // Taken back on purpose: a new token, a new certificate; the old one
  // stays on the revocation list.
  fleet::EnrollmentToken again = Invite("plant-01");
  ASSERT_TRUE(identities_->Redeem(again).ok());
  ASSERT_TRUE(identities_->RecordCertificate("plant-01", "CC", (std::time(nullptr) + 3600) * 1000).ok());
  auto back = identities_->Get("plant-01");
  EXPECT_EQ(back->state(), AgentIdentity::ENROLLED);
  ASSERT_EQ(back->revoked_certificates_size(), 1);
  EXPECT_EQ(back->revoked_certificates(0).serial(), "AA");
  ASSERT_EQ(back->certificates_size(), 1);
  EXPECT_EQ(back->certificates(0).serial(), "CC");
}

TEST_F(AgentIdentitiesTest, InvalidAndReservedAgentIdsAreRefused) {
  for (const char* id : {"", "plant/01", "plant+01", "#", "ferry-controlplane"}) {
    EXPECT_FALSE(identities_->Invite(id, {}, 24h, kFingerprint).ok()) << id;
  }
}

TEST_F(AgentIdentitiesTest, ConcurrentRedemptionsOfOneTokenEnrollOnce) {
  fleet::EnrollmentToken token = Invite("plant-01");
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (identities_->Redeem(token).ok()) ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
}

TEST(CertificateWarningsTest, EnrolledAgentsWhoseCertificateEndsWithin14DaysAreNamed) {
  const int64_t now = 1'800'000'000'000;
  const int64_t day = 24 * 3600 * 1000LL;
  auto agent = [&](const char* id, AgentIdentity::State state, int64_t end) {
    AgentIdentity a;
    a.set_agent_id(id);
    a.set_state(state);
    a.add_certificates()->set_not_after_unix_ms(end);
    return a;
  };
  const auto warnings = CertificateWarnings(
      {agent("fine", AgentIdentity::ENROLLED, now + 30 * day), agent("soon", AgentIdentity::ENROLLED, now + 13 * day),
       agent("gone", AgentIdentity::ENROLLED, now - day), agent("revoked", AgentIdentity::REVOKED, now + day)},
      now);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("agent soon: its certificate expires"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("agent gone: its certificate expired"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[1].find("enroll again"), std::string::npos);
}

TEST(EnrollmentTokenTest, MalformedTokensSayWhatIsWrongAndNeverEchoTheSecret) {
  const std::string secret(64, 'a');
  EXPECT_FALSE(fleet::EnrollmentToken::Parse("").ok());
  EXPECT_FALSE(fleet::EnrollmentToken::Parse("ferry1:plant-01").ok());
  EXPECT_FALSE(fleet::EnrollmentToken::Parse("ferry1:plant/01:" + secret + ":" + kFingerprint).ok());
  auto short_secret = fleet::EnrollmentToken::Parse("ferry1:plant-01:abc:" + std::string(kFingerprint));
  ASSERT_FALSE(short_secret.ok());
  EXPECT_NE(short_secret.status().message().find("secret"), std::string::npos);
  auto bad_fp = fleet::EnrollmentToken::Parse("ferry1:plant-01:" + secret + ":XYZ");
  ASSERT_FALSE(bad_fp.ok());
  EXPECT_EQ(bad_fp.status().message().find(secret), std::string::npos);
  EXPECT_TRUE(fleet::EnrollmentToken::Parse("ferry1:plant-01:" + secret + ":" + kFingerprint + "\n").ok());
}

}  // namespace
}  // namespace ferry::controlplane
