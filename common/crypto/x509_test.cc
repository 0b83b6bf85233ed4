#include "common/crypto/x509.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace ferry::crypto {
namespace {

using namespace std::chrono_literals;

CertificateIssuer Root(const std::string& name = "Ferry test CA") {
  auto ca = CertificateIssuer::CreateRoot(name, std::chrono::hours(24 * 365));
  EXPECT_TRUE(ca.ok()) << ca.status().ToString();
  return std::move(ca).value();
}

CertificateRequest Request(const PrivateKey& key, const std::string& cn) {
  auto pem = CertificateRequest::MakePem(key, cn);
  EXPECT_TRUE(pem.ok()) << pem.status().ToString();
  auto csr = CertificateRequest::FromPem(*pem);
  EXPECT_TRUE(csr.ok()) << csr.status().ToString();
  return std::move(csr).value();
}

void Write(const std::filesystem::path& file, const std::string& text) { std::ofstream(file) << text; }

// Runs a shell command; its exit status and output.
std::pair<int, std::string> Shell(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  char buf[512];
  while (p != nullptr && fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int status = p != nullptr ? pclose(p) : -1;
  return {WEXITSTATUS(status), out};
}

TEST(X509Test, KeysRoundTripThroughPem) {
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string pem = key->ToPem();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  auto again = PrivateKey::FromPem(pem);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ToPem(), pem);
  EXPECT_FALSE(PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").ok());
}

TEST(X509Test, TheIssuedCertificateNamesWhatTheIssuerSaysNotWhatTheRequestAsked) {
  CertificateIssuer ca = Root();
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  CertificateRequest csr = Request(*key, "ferry-controlplane");  // asks for more than it may have
  EXPECT_EQ(csr.CommonName(), "ferry-controlplane");
  auto cert = ca.Issue(csr, IssueRequest::Client("plant-01", 30 * 24h));
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(cert->CommonName(), "plant-01");
  EXPECT_FALSE(cert->IsCa());
  EXPECT_TRUE(cert->Matches(*key));
  const int64_t now = std::time(nullptr);
  EXPECT_NEAR(cert->NotAfterUnix() - now, 30 * 24 * 3600, 5);
  EXPECT_LE(cert->NotBeforeUnix(), now - 299);
  EXPECT_TRUE(VerifyChain(*cert, {}, ca.certificate()).ok());
  EXPECT_EQ(X509_check_purpose(cert->get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_NE(X509_check_purpose(cert->get(), X509_PURPOSE_SSL_SERVER, 0), 1);
}

TEST(X509Test, SerialsAreRandomAndDistinct) {
  CertificateIssuer ca = Root();
  auto key = PrivateKey::Generate();
  auto a = ca.Issue(*key, IssueRequest::Client("a", 24h));
  auto b = ca.Issue(*key, IssueRequest::Client("a", 24h));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->SerialHex(), b->SerialHex());
  EXPECT_GE(a->SerialHex().size(), 24u);
}

TEST(X509Test, ACertificateFromAnotherCaDoesNotVerify) {
  CertificateIssuer ca = Root("ours");
  CertificateIssuer other = Root("theirs");
  auto key = PrivateKey::Generate();
  auto cert = other.Issue(*key, IssueRequest::Client("plant-01", 24h));
  ASSERT_TRUE(cert.ok());
  Status s = VerifyChain(*cert, {}, ca.certificate());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("does not verify"), std::string::npos) << s.message();
}

TEST(X509Test, ServerCertificatesNameTheirHostsAndRefuseAnythingElse) {
  CertificateIssuer ca = Root();
  auto key = PrivateKey::Generate();
  auto cert = ca.Issue(*key, IssueRequest::Server("broker", {"broker.example.com", "127.0.0.1"}, 24h));
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(X509_check_host(cert->get(), "broker.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert->get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(cert->get(), "other.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_purpose(cert->get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  // A host that would smuggle another entry into the extension.
  auto smuggled = ca.Issue(*key, IssueRequest::Server("b", {"a.com,DNS:evil.com"}, 24h));
  EXPECT_FALSE(smuggled.ok());
}

TEST(X509Test, NoCertificateOutlivesItsIssuer) {
  auto ca = CertificateIssuer::CreateRoot("short-lived CA", 2h);
  ASSERT_TRUE(ca.ok());
  auto key = PrivateKey::Generate();
  auto cert = ca->Issue(*key, IssueRequest::Client("plant-01", 24h));
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->NotAfterUnix(), ca->certificate().NotAfterUnix());
}

TEST(X509Test, WeakOrForgedRequestsAreRefused) {
  EVP_PKEY* weak = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(weak, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, weak, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  const std::string weak_pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(weak);
  auto refused = PrivateKey::FromPem(weak_pem);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("2048"), std::string::npos);

  // A request whose signature does not match its contents: another name
  // pasted in after signing is what a forger would try; flipping a byte of
  // the signature is the simplest stand-in.
  auto key = PrivateKey::Generate();
  std::string pem = CertificateRequest::MakePem(*key, "plant-01").value();
  const size_t end = pem.find("-----END");
  pem[end - 6] = pem[end - 6] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(CertificateRequest::FromPem(pem).ok());
  EXPECT_FALSE(CertificateRequest::FromPem("not pem at all").ok());
}

TEST(X509Test, FromPartsChecksTheKeyAndThatItIsACa) {
  CertificateIssuer ca = Root();
  auto stranger = PrivateKey::Generate();
  EXPECT_FALSE(CertificateIssuer::FromParts(ca.certificate(), *stranger).ok());
  auto leaf = ca.Issue(*stranger, IssueRequest::Client("leaf", 24h));
  EXPECT_FALSE(CertificateIssuer::FromParts(*leaf, *stranger).ok());
  EXPECT_TRUE(CertificateIssuer::FromParts(ca.certificate(), ca.key()).ok());
}

TEST(X509Test, ChainsParseInOrderAndRefuseTrailingGarbage) {
  CertificateIssuer a = Root("a"), b = Root("b");
  auto chain = Certificate::ChainFromPem(a.certificate().ToPem() + b.certificate().ToPem());
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 2u);
  EXPECT_EQ((*chain)[1].CommonName(), "b");
  EXPECT_FALSE(Certificate::ChainFromPem("").ok());
  EXPECT_FALSE(Certificate::ChainFromPem(a.certificate().ToPem() +
                                         "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
                   .ok());
}

// The fingerprint and the CRL are read by other programs (the agent's
// token check, mosquitto): the openssl command line must agree with them.
TEST(X509Test, OpensslAgreesOnTheFingerprintAndTheRevocationList) {
  testing::TempDir dir;
  CertificateIssuer ca = Root();
  auto key = PrivateKey::Generate();
  auto revoked = ca.Issue(*key, IssueRequest::Client("plant-01", 24h));
  auto kept = ca.Issue(*key, IssueRequest::Client("plant-02", 24h));
  ASSERT_TRUE(revoked.ok() && kept.ok());
  auto crl = ca.MakeCrl({{revoked->SerialHex(), std::time(nullptr) - 10}}, 7 * 24h);
  ASSERT_TRUE(crl.ok()) << crl.status().ToString();
  Write(dir.path() / "ca.pem", ca.certificate().ToPem());
  Write(dir.path() / "crl.pem", *crl);
  Write(dir.path() / "revoked.pem", revoked->ToPem());
  Write(dir.path() / "kept.pem", kept->ToPem());
  const std::string d = dir.path().string();

  auto [fp_status, fp] = Shell("openssl x509 -noout -fingerprint -sha256 -in " + d + "/ca.pem");
  ASSERT_EQ(fp_status, 0) << fp;
  std::string hex;
  for (char c : fp.substr(fp.find('=') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(c));
  }
  EXPECT_EQ(hex, ca.certificate().Sha256Fingerprint());

  const std::string verify = "openssl verify -crl_check -CAfile " + d + "/ca.pem -CRLfile " + d + "/crl.pem ";
  auto [kept_status, kept_out] = Shell(verify + d + "/kept.pem");
  EXPECT_EQ(kept_status, 0) << kept_out;
  auto [revoked_status, revoked_out] = Shell(verify + d + "/revoked.pem");
  EXPECT_NE(revoked_status, 0);
  EXPECT_NE(revoked_out.find("revoked"), std::string::npos) << revoked_out;
  EXPECT_FALSE(ca.MakeCrl({{"not-hex", 0}}, 24h).ok());
}

}  // namespace
}  // namespace ferry::crypto
