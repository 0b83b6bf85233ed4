#include "controlplane/fleet/fleet_pki.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <functional>

#include "common/util/files.h"
#include "tests/support/temp_dir.h"

namespace ferry::controlplane {
namespace {

using namespace std::chrono_literals;

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

// Options for a PKI in `dir`, with one setting changed by `change`.
PkiOptions In(const std::filesystem::path& dir, std::function<void(PkiOptions&)> change = nullptr) {
  PkiOptions options;
  options.dir = dir;
  if (change) change(options);
  return options;
}

std::unique_ptr<FleetPki> OpenPki(const PkiOptions& options, bool create = true) {
  auto pki = FleetPki::Open(options, create);
  EXPECT_TRUE(pki.ok()) << pki.status().ToString();
  return pki.ok() ? std::move(pki).value() : nullptr;
}

// The serials a CRL file lists.
std::vector<std::string> RevokedSerials(const std::filesystem::path& file) {
  std::vector<std::string> out;
  const std::string pem = ReadSmallFile(file).value();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (crl == nullptr) return {"<not a CRL>"};
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)), nullptr);
    char* hex = BN_bn2hex(bn);
    out.emplace_back(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  X509_CRL_free(crl);
  return out;
}

TEST(FleetPkiTest, TheFirstStartMakesAPrivateCaAndLaterStartsKeepIt) {
  testing::TempDir dir;
  PkiOptions options = In(dir.path() / "pki");
  auto missing = FleetPki::Open(options, /*create=*/false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);

  auto pki = OpenPki(options);
  ASSERT_TRUE(pki);
  EXPECT_EQ(ModeOf(options.dir), 0755u);
  EXPECT_EQ(ModeOf(options.dir / "ca.key"), 0600u);
  EXPECT_TRUE(std::filesystem::exists(pki->crl_file()));
  EXPECT_EQ(RevokedSerials(pki->crl_file()).size(), 0u);
  auto again = OpenPki(options, /*create=*/false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->root_fingerprint(), pki->root_fingerprint());
  EXPECT_EQ(pki->root_fingerprint().size(), 64u);
}

TEST(FleetPkiTest, AgentCertificatesNameTheAgentAndChainToTheCa) {
  testing::TempDir dir;
  auto pki = OpenPki(In(dir.path(), [](PkiOptions& o) { o.agent_certificate_lifetime = 2h; }));
  auto key = crypto::PrivateKey::Generate();
  auto csr = crypto::CertificateRequest::FromPem(crypto::CertificateRequest::MakePem(*key, "whatever").value());
  auto cert = pki->IssueAgentCertificate(*csr, "plant-01");
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(cert->CommonName(), "plant-01");
  EXPECT_NEAR(cert->NotAfterUnix() - std::time(nullptr), 7200, 5);
  auto chain = crypto::Certificate::ChainFromPem(pki->chain_pem());
  EXPECT_TRUE(crypto::VerifyChain(*cert, {}, chain->back()).ok());
}

TEST(FleetPkiTest, OwnIdentitiesAreKeptWhileGoodAndIssuedAgainWhenAgeingOrForOtherHosts) {
  testing::TempDir dir;
  auto pki = OpenPki(In(dir.path()));
  auto client = pki->EnsureClientIdentity();
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ(ModeOf(*client), 0600u);
  const std::string first = ReadSmallFile(*client).value();
  auto cert = crypto::Certificate::FromPem(first);
  EXPECT_EQ(cert->CommonName(), "ferry-controlplane");
  ASSERT_TRUE(pki->EnsureClientIdentity().ok());
  EXPECT_EQ(ReadSmallFile(*client).value(), first);

  auto server = pki->EnsureEnrollmentIdentity({"cp.example.com"});
  ASSERT_TRUE(server.ok());
  const std::string for_one_host = ReadSmallFile(*server).value();
  ASSERT_TRUE(pki->EnsureEnrollmentIdentity({"cp.example.com"}).ok());
  EXPECT_EQ(ReadSmallFile(*server).value(), for_one_host);
  ASSERT_TRUE(pki->EnsureEnrollmentIdentity({"cp.example.com", "127.0.0.1"}).ok());
  const std::string for_two_hosts = ReadSmallFile(*server).value();
  EXPECT_NE(for_two_hosts, for_one_host);
  auto server_cert = crypto::Certificate::FromPem(for_two_hosts);
  EXPECT_EQ(X509_check_ip_asc(server_cert->get(), "127.0.0.1", 0), 1);

  // A lifetime with nothing left: every call issues a new one.
  testing::TempDir other;
  auto ageing = OpenPki(In(other.path(), [](PkiOptions& o) { o.server_certificate_lifetime = 0s; }));
  auto a = ageing->EnsureClientIdentity();
  const std::string before = ReadSmallFile(*a).value();
  ASSERT_TRUE(ageing->EnsureClientIdentity().ok());
  EXPECT_NE(ReadSmallFile(*a).value(), before);
}

TEST(FleetPkiTest, AnOperatorsCaIsUsedAndItsRootIsWhatTokensPinAndAgentsTrust) {
  testing::TempDir dir;
  auto root = crypto::CertificateIssuer::CreateRoot("ACME root", 24h * 365);
  ASSERT_TRUE(root.ok());
  ASSERT_TRUE(WriteFileAtomically(dir.path() / "acme.crt", root->certificate().ToPem(), 0644).ok());
  ASSERT_TRUE(WriteFileAtomically(dir.path() / "acme.key", root->key().ToPem(), 0600).ok());
  auto pki = OpenPki(In(dir.path() / "pki", [&](PkiOptions& o) {
    o.ca_cert_file = dir.path() / "acme.crt";
    o.ca_key_file = dir.path() / "acme.key";
  }));
  ASSERT_TRUE(pki);
  EXPECT_EQ(pki->root_fingerprint(), root->certificate().Sha256Fingerprint());
  EXPECT_EQ(ReadSmallFile(pki->ca_file()).value(), root->certificate().ToPem());
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "pki" / "ca.key"));

  // A key that is not the CA's is refused with the file named.
  auto stranger = crypto::PrivateKey::Generate();
  ASSERT_TRUE(WriteFileAtomically(dir.path() / "wrong.key", stranger->ToPem(), 0600).ok());
  auto wrong = FleetPki::Open(In(dir.path() / "pki2",
                                 [&](PkiOptions& o) {
                                   o.ca_cert_file = dir.path() / "acme.crt";
                                   o.ca_key_file = dir.path() / "wrong.key";
                                 }),
                              true);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("acme.crt"), std::string::npos) << wrong.status().message();
}

TEST(FleetPkiTest, TheCrlListsEveryUnexpiredRevokedCertificateEvenOfAnAgentEnrolledAgain) {
  testing::TempDir dir;
  auto pki = OpenPki(In(dir.path()));
  const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  ferry::v1::AgentIdentity revoked, enrolled;
  revoked.set_agent_id("plant-01");
  revoked.set_state(ferry::v1::AgentIdentity::REVOKED);
  revoked.set_revoked_unix_ms(now_ms);
  auto* live = revoked.add_revoked_certificates();
  live->set_serial("0A1B2C");
  live->set_not_after_unix_ms(now_ms + 3600000);
  auto* dead = revoked.add_revoked_certificates();
  dead->set_serial("0D0E0F");
  dead->set_not_after_unix_ms(now_ms - 1000);
  // Revoked once, then invited and enrolled again: its new certificate is
  // good, its old one stays revoked.
  enrolled.set_agent_id("plant-02");
  enrolled.set_state(ferry::v1::AgentIdentity::ENROLLED);
  auto* kept = enrolled.add_certificates();
  kept->set_serial("112233");
  kept->set_not_after_unix_ms(now_ms + 3600000);
  auto* old = enrolled.add_revoked_certificates();
  old->set_serial("445566");
  old->set_not_after_unix_ms(now_ms + 3600000);
  auto crl = pki->WriteCrl({revoked, enrolled});
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  EXPECT_EQ(RevokedSerials(*crl), (std::vector<std::string>{"0A1B2C", "445566"}));
}

}  // namespace
}  // namespace ferry::controlplane
