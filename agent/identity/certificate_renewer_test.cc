#include "agent/identity/certificate_renewer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>

#include "common/transport/topics.h"
#include "common/util/files.h"
#include "ferry/v1/event.pb.h"
#include "tests/support/fake_tunnel.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent {
namespace {

using namespace std::chrono_literals;
constexpr const char* kRenewingAgent = "plant-01";

// The agent's side of renewal against a CA made here: the test plays the
// control plane by answering what the renewer publishes.
class CertificateRenewerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = crypto::CertificateIssuer::CreateRoot("Ferry test CA", 24h).value();
    ASSERT_TRUE(WriteFileAtomically(CaFile(), ca_->certificate().ToPem(), 0644).ok());
  }
  // An identity living `life`, and a renewer for it.
  void Enrolled(std::chrono::seconds life, std::chrono::milliseconds retry_interval = 0ms) {
    auto key = crypto::PrivateKey::Generate().value();
    auto cert = ca_->Issue(key, crypto::IssueRequest::Client(kRenewingAgent, life)).value();
    ASSERT_TRUE(WriteFileAtomically(IdentityFile(), key.ToPem() + cert.ToPem(), 0600).ok());
    first_serial_ = cert.SerialHex();
    renewer_ = std::make_shared<CertificateRenewer>(
        io_.get_executor(), tunnel_, RenewerOptions{kRenewingAgent, IdentityFile(), CaFile(), retry_interval});
    renewer_->SetOnRenewed([this](const IdentityCertificate& cert) { renewed_end_ = cert.not_after_unix_ms; });
    tunnel_.Connect();
  }
  void TearDown() override {
    if (renewer_) renewer_->Stop();
  }

  std::filesystem::path IdentityFile() const { return dir_.path() / "agent.pem"; }
  std::filesystem::path CaFile() const { return dir_.path() / "ca.crt"; }

  // Runs the loop until the renewer has published `n` requests (at most 10 s).
  std::optional<ferry::v1::RenewRequest> WaitForRequest(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (tunnel_.PayloadsOn(transport::topics::UpRenew(kRenewingAgent)).size() < n &&
           std::chrono::steady_clock::now() < deadline) {
      io_.run_for(50ms);
    }
    const auto sent = tunnel_.PayloadsOn(transport::topics::UpRenew(kRenewingAgent));
    if (sent.size() < n) return std::nullopt;
    ferry::v1::RenewRequest request;
    if (!request.ParseFromString(sent[n - 1])) return std::nullopt;
    return request;
  }

  // What the control plane would send for `request`, from `issuer`.
  std::string Answer(const ferry::v1::RenewRequest& request, const crypto::CertificateIssuer& issuer,
                     const std::string& name = kRenewingAgent) {
    auto csr = crypto::CertificateRequest::FromPem(request.csr_pem()).value();
    ferry::v1::RenewResponse answer;
    answer.set_request_id(request.request_id());
    answer.set_certificate_pem(issuer.Issue(csr, crypto::IssueRequest::Client(name, 1h)).value().ToPem());
    return answer.SerializeAsString();
  }

  std::string SerialOnDisk() {
    auto cert = crypto::Certificate::FromPem(ReadFile());
    return cert.ok() ? cert->SerialHex() : "";
  }
  std::string ReadFile() {
    auto text = ReadSmallFile(IdentityFile());
    return text.ok() ? *text : "";
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  testing::FakeTunnel tunnel_;
  std::optional<crypto::CertificateIssuer> ca_;
  std::shared_ptr<CertificateRenewer> renewer_;
  std::string first_serial_;
  int64_t renewed_end_ = 0;
};

TEST_F(CertificateRenewerTest, AtTwoThirdsOfItsLifeANewKeysCertificateReplacesTheIdentityAndTheTunnelReconnects) {
  Enrolled(3s);  // renewal due after two seconds
  ASSERT_TRUE(renewer_->Start().ok());
  io_.run_for(500ms);
  EXPECT_TRUE(tunnel_.PayloadsOn(transport::topics::UpRenew(kRenewingAgent)).empty()) << "asked before it was due";
  auto request = WaitForRequest(1);
  ASSERT_TRUE(request);
  const std::string old_pem = ReadFile();
  renewer_->OnAnswer(Answer(*request, *ca_));

  EXPECT_NE(SerialOnDisk(), first_serial_);
  EXPECT_EQ(ReadFile().find(old_pem.substr(0, 100)), std::string::npos) << "the old key is still there";
  struct stat st {};
  ASSERT_EQ(::stat(IdentityFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto key = crypto::PrivateKey::FromPem(ReadFile());
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(crypto::Certificate::FromPem(ReadFile())->Matches(*key));
  EXPECT_EQ(tunnel_.reconnects, 1);
  EXPECT_EQ(renewer_->stats().renewed, 1u);
  EXPECT_EQ(renewed_end_, renewer_->current().not_after_unix_ms);
  EXPECT_EQ(renewer_->current().serial, SerialOnDisk());
}

TEST_F(CertificateRenewerTest, AnswersThatAreNotForThisRequestKeyAgentOrCaChangeNothing) {
  Enrolled(1h, 100ms);
  ASSERT_TRUE(renewer_->Start().ok());
  renewer_->RenewNow();
  auto request = WaitForRequest(1);
  ASSERT_TRUE(request);
  auto other_ca = crypto::CertificateIssuer::CreateRoot("Someone else's CA", 24h).value();
  ferry::v1::RenewRequest stale = *request;
  stale.set_request_id(request->request_id() + 1);
  renewer_->OnAnswer(Answer(stale, *ca_));  // not the request waiting
  renewer_->OnAnswer(std::string("\xff\xff\xff", 3));
  EXPECT_EQ(SerialOnDisk(), first_serial_);
  EXPECT_EQ(renewer_->stats().last_error, "");

  renewer_->OnAnswer(Answer(*request, other_ca));
  EXPECT_EQ(SerialOnDisk(), first_serial_);
  EXPECT_NE(renewer_->stats().last_error.find("not from the pinned CA"), std::string::npos)
      << renewer_->stats().last_error;

  // Asked again; a certificate naming another agent is refused too.
  request = WaitForRequest(2);
  ASSERT_TRUE(request);
  renewer_->OnAnswer(Answer(*request, *ca_, "plant-02"));
  EXPECT_EQ(SerialOnDisk(), first_serial_);
  EXPECT_NE(renewer_->stats().last_error.find("not for this agent"), std::string::npos);

  // A refusal is retried as well; the next good answer is taken.
  request = WaitForRequest(3);
  ASSERT_TRUE(request);
  ferry::v1::RenewResponse refusal;
  refusal.set_request_id(request->request_id());
  refusal.set_error("renewed less than 10 s ago; ask again later");
  renewer_->OnAnswer(refusal.SerializeAsString());
  EXPECT_NE(renewer_->stats().last_error.find("refused"), std::string::npos);
  request = WaitForRequest(4);
  ASSERT_TRUE(request);
  renewer_->OnAnswer(Answer(*request, *ca_));
  EXPECT_NE(SerialOnDisk(), first_serial_);
  EXPECT_EQ(tunnel_.reconnects, 1);
}

TEST_F(CertificateRenewerTest, AnAgentThatNeverEnrolledHasNothingToRenew) {
  auto idle = std::make_shared<CertificateRenewer>(io_.get_executor(), tunnel_,
                                                   RenewerOptions{kRenewingAgent, dir_.path() / "none.pem", CaFile()});
  EXPECT_EQ(idle->Start().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace ferry::agent
