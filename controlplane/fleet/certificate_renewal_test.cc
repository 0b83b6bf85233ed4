#include "controlplane/fleet/certificate_renewal.h"

#include <gtest/gtest.h>

#include "common/transport/topics.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using namespace std::chrono_literals;

class CertificateRenewalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path() / "store", {AgentIdentities::kDb});
    ASSERT_TRUE(store_);
    identities_ = std::make_unique<AgentIdentities>(*store_);
    PkiOptions options;
    options.dir = dir_.path() / "pki";
    options.agent_certificate_lifetime = 600s;
    auto pki = FleetPki::Open(options, /*create=*/true);
    ASSERT_TRUE(pki.ok()) << pki.status().ToString();
    pki_ = std::move(pki).value();
    renewal_ = std::make_unique<CertificateRenewal>(tunnel_, *identities_, *pki_, 10s);
  }

  // Enrolls `id` with a certificate for a key made here.
  void Enroll(const std::string& id) {
    auto token = identities_->Invite(id, {}, 1h, pki_->root_fingerprint());
    ASSERT_TRUE(token.ok());
    ferry::v1::IssuedCertificate cert;
    cert.set_serial("0A");
    cert.set_not_after_unix_ms(std::numeric_limits<int64_t>::max() / 2);
    ASSERT_TRUE(identities_->Enroll(*token, cert).ok());
  }

  std::string Request(uint64_t id, const crypto::PrivateKey& key, const std::string& name) {
    ferry::v1::RenewRequest request;
    request.set_request_id(id);
    request.set_csr_pem(crypto::CertificateRequest::MakePem(key, name).value());
    return request.SerializeAsString();
  }

  ferry::v1::RenewResponse LastAnswer(const std::string& id) {
    const auto answers = tunnel_.PayloadsOn(transport::topics::DownRenew(id));
    ferry::v1::RenewResponse answer;
    EXPECT_FALSE(answers.empty());
    if (!answers.empty()) {
      EXPECT_TRUE(answer.ParseFromString(answers.back()));
    }
    return answer;
  }

  testing::TempDir dir_;
  testing::FakeTunnel tunnel_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<AgentIdentities> identities_;
  std::unique_ptr<FleetPki> pki_;
  std::unique_ptr<CertificateRenewal> renewal_;
};

TEST_F(CertificateRenewalTest, AnEnrolledAgentGetsACertificateForItsNewKeyNamingItNotWhatItAskedFor) {
  Enroll("plant-01");
  auto key = crypto::PrivateKey::Generate().value();
  renewal_->OnRequest("plant-01", Request(77, key, "ferry-controlplane"));
  const ferry::v1::RenewResponse answer = LastAnswer("plant-01");
  EXPECT_EQ(answer.request_id(), 77u);
  EXPECT_EQ(answer.error(), "");
  auto cert = crypto::Certificate::FromPem(answer.certificate_pem());
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_TRUE(cert->Matches(key));
  EXPECT_EQ(cert->CommonName(), "plant-01");
  EXPECT_EQ(answer.chain_pem(), pki_->chain_pem());
  // Recorded, newest last.
  auto stored = identities_->Get("plant-01");
  ASSERT_EQ(stored->certificates_size(), 2);
  EXPECT_EQ(stored->certificates(1).serial(), cert->SerialHex());
  EXPECT_EQ(renewal_->renewed(), 1u);
}

TEST_F(CertificateRenewalTest, StrangersRevokedAgentsGarbageAndRepeatsWithinTheIntervalAreRefused) {
  auto key = crypto::PrivateKey::Generate().value();
  renewal_->OnRequest("plant-09", Request(1, key, "plant-09"));
  EXPECT_NE(LastAnswer("plant-09").error().find("not enrolled"), std::string::npos);
  EXPECT_EQ(LastAnswer("plant-09").certificate_pem(), "");

  Enroll("plant-02");
  ASSERT_TRUE(identities_->Revoke("plant-02", "stolen").ok());
  renewal_->OnRequest("plant-02", Request(2, key, "plant-02"));
  EXPECT_NE(LastAnswer("plant-02").error().find("not enrolled"), std::string::npos);

  Enroll("plant-03");
  renewal_->OnRequest("plant-03", "\x0a\xff\xff garbage");
  EXPECT_EQ(LastAnswer("plant-03").error(), "not a renewal request");
  ferry::v1::RenewRequest broken;
  broken.set_request_id(3);
  broken.set_csr_pem("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
  renewal_->OnRequest("plant-03", broken.SerializeAsString());
  EXPECT_EQ(LastAnswer("plant-03").request_id(), 3u);
  EXPECT_NE(LastAnswer("plant-03").error().find("csr"), std::string::npos);
  renewal_->OnRequest("plant-03", std::string(20000, 'x'));
  EXPECT_EQ(LastAnswer("plant-03").error(), "not a renewal request");

  renewal_->OnRequest("plant-03", Request(4, key, "plant-03"));
  EXPECT_EQ(LastAnswer("plant-03").error(), "");
  renewal_->OnRequest("plant-03", Request(5, key, "plant-03"));
  EXPECT_NE(LastAnswer("plant-03").error().find("renewed less than 10 s ago"), std::string::npos);
  EXPECT_EQ(renewal_->renewed(), 1u);
  EXPECT_EQ(identities_->Get("plant-03")->certificates_size(), 2);
}

}  // namespace
}  // namespace ferry::controlplane
