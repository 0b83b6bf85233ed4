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

  static ferry::v1::IssuedCertificate Cert(const std::string& serial) {
    ferry::v1::IssuedCertificate cert;
    cert.set_serial(serial);
    cert.set_issued_unix_ms(std::time(nullptr) * 1000LL);
    cert.set_not_after_unix_ms((std::time(nullptr) + 3600) * 1000LL);
    return cert;
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

  ASSERT_TRUE(identities_->Enroll(*parsed, Cert("ABC123")).ok());
  EXPECT_TRUE(identities_->IsEnrolled("plant-01"));
  auto again = identities_->Enroll(*parsed, Cert("ABC124"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("used already"), std::string::npos);
  // Someone without the token learns nothing from the agent having enrolled.
  fleet::EnrollmentToken guess = *parsed;
  guess.secret[0] = guess.secret[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(identities_->Enroll(guess, Cert("ABC125")).status().code(), StatusCode::kUnauthenticated);
  // Refused enrollments record nothing.
  auto stored_after = identities_->Get("plant-01");
  ASSERT_EQ(stored_after->certificates_size(), 1);
  EXPECT_EQ(stored_after->certificates(0).serial(), "ABC123");
}

TEST_F(AgentIdentitiesTest, WrongUnknownAndExpiredTokensAreRefusedWithoutTellingWhich) {
  fleet::EnrollmentToken token = Invite("plant-01");
  fleet::EnrollmentToken wrong = token;
  wrong.secret[0] = wrong.secret[0] == 'a' ? 'b' : 'a';
  auto refused = identities_->Enroll(wrong, Cert("AA"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  fleet::EnrollmentToken unknown = token;
  unknown.agent_id = "plant-99";
  auto unknown_refused = identities_->Enroll(unknown, Cert("AA"));
  EXPECT_EQ(unknown_refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(unknown_refused.status().message(), refused.status().message());
  // A wrong guess does not burn the right token.
  EXPECT_TRUE(identities_->Enroll(token, Cert("AA")).ok());

  fleet::EnrollmentToken expired = Invite("plant-02", 0s);
  auto late = identities_->Enroll(expired, Cert("BB"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.status().message().find("expired"), std::string::npos);
}

TEST_F(AgentIdentitiesTest, EnrollingAgainReplacesTheIdentityAndRevokesTheOldCertificates) {
  fleet::EnrollmentToken first = Invite("plant-01");
  ASSERT_TRUE(identities_->Enroll(first, Cert("AA")).ok());
  ASSERT_TRUE(identities_->RecordRenewal("plant-01", Cert("AB")).ok());
  fleet::EnrollmentToken second = Invite("plant-01");
  fleet::EnrollmentToken third = Invite("plant-01");
  EXPECT_EQ(identities_->Enroll(second, Cert("BB")).status().code(), StatusCode::kUnauthenticated);
  auto stored = identities_->Get("plant-01");
  EXPECT_EQ(stored->state(), AgentIdentity::ENROLLED);  // until the new token is used
  EXPECT_EQ(stored->certificates_size(), 2);
  EXPECT_EQ(stored->revoked_certificates_size(), 0);
  // A copy of the old key cannot go on as the agent: its certificates go
  // on the revocation list.
  auto again = identities_->Enroll(third, Cert("CC"));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->certificates_size(), 1);
  EXPECT_EQ(again->certificates(0).serial(), "CC");
  ASSERT_EQ(again->revoked_certificates_size(), 2);
  EXPECT_EQ(again->revoked_certificates(0).serial(), "AA");
  EXPECT_EQ(again->revoked_certificates(1).serial(), "AB");
}

TEST_F(AgentIdentitiesTest, OnlyEnrolledAgentsRenewAndEndedCertificatesAreForgotten) {
  EXPECT_EQ(identities_->RecordRenewal("plant-01", Cert("AA")).code(), StatusCode::kFailedPrecondition);
  Invite("plant-01");
  EXPECT_EQ(identities_->RecordRenewal("plant-01", Cert("AA")).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(identities_->Enroll(Invite("plant-02"), Cert("B1")).ok());
  ferry::v1::IssuedCertificate ended = Cert("B0");
  ended.set_not_after_unix_ms(1000);
  ASSERT_TRUE(identities_->RecordRenewal("plant-02", ended).ok());
  ASSERT_TRUE(identities_->RecordRenewal("plant-02", Cert("B2")).ok());
  auto stored = identities_->Get("plant-02");
  ASSERT_EQ(stored->certificates_size(), 2);
  EXPECT_EQ(stored->certificates(0).serial(), "B1");
  EXPECT_EQ(stored->certificates(1).serial(), "B2");
}

TEST_F(AgentIdentitiesTest, RevocationStopsTheAgentAndItsPendingTokenAndLosesRacingRenewals) {
  fleet::EnrollmentToken token = Invite("plant-01");
  ASSERT_TRUE(identities_->Enroll(token, Cert("AA")).ok());
  fleet::EnrollmentToken pending = Invite("plant-01");
  auto revoked = identities_->Revoke("plant-01", "laptop stolen");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->state(), AgentIdentity::REVOKED);
  EXPECT_EQ(revoked->revoked_reason(), "laptop stolen");
  EXPECT_FALSE(identities_->IsEnrolled("plant-01"));
  EXPECT_FALSE(identities_->Enroll(pending, Cert("BA")).ok());
  EXPECT_EQ(identities_->RecordRenewal("plant-01", Cert("BB")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(identities_->Revoke("plant-77", "x").status().code(), StatusCode::kNotFound);
  ASSERT_EQ(revoked->revoked_certificates_size(), 1);
  EXPECT_EQ(revoked->revoked_certificates(0).serial(), "AA");

  // Taken back on purpose: a new token, a new certificate; the old one
  // stays on the revocation list.
  fleet::EnrollmentToken again = Invite("plant-01");
  ASSERT_TRUE(identities_->Enroll(again, Cert("CC")).ok());
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
      if (identities_->Enroll(token, Cert("AA")).ok()) ++won;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
}

TEST(CertificateWarningsTest, CertificatesNotRenewedInTimeAreNamed) {
  const int64_t now = 1'800'000'000'000;
  const int64_t day = 24 * 3600 * 1000LL;
  auto agent = [&](const char* id, AgentIdentity::State state, int64_t issued, int64_t end) {
    AgentIdentity a;
    a.set_agent_id(id);
    a.set_state(state);
    a.add_certificates()->set_not_after_unix_ms(end);
    a.mutable_certificates(0)->set_issued_unix_ms(issued);
    return a;
  };
  const auto warnings = CertificateWarnings(
      {// 90 days: warned 14 days ahead.
       agent("fine", AgentIdentity::ENROLLED, now - 60 * day, now + 30 * day),
       agent("soon", AgentIdentity::ENROLLED, now - 77 * day, now + 13 * day),
       // 30 days: renewed with 10 days left, so warned only a quarter (7.5
       // days) ahead, when renewal is overdue.
       agent("renews-soon", AgentIdentity::ENROLLED, now - 17 * day, now + 13 * day),
       agent("overdue", AgentIdentity::ENROLLED, now - 23 * day, now + 7 * day),
       agent("gone", AgentIdentity::ENROLLED, now - 31 * day, now - day),
       agent("revoked", AgentIdentity::REVOKED, now - 89 * day, now + day)},
      now);
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[0].find("agent soon: its certificate expires"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("agent overdue: its certificate expires"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[1].find("not renewed"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[2].find("agent gone: its certificate expired"), std::string::npos) << warnings[2];
  EXPECT_NE(warnings[2].find("enroll again"), std::string::npos);
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
