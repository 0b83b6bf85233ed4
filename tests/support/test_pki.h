#pragma once
// TestPki: a CA in a folder, made with the project's own issuer, with a
// server certificate for 127.0.0.1 (server.crt/.key) and the client
// certificates a test asks for (NAME.crt/.key), all PEM.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "common/crypto/x509.h"

namespace ferry::testing {

class TestPki {
 public:
  explicit TestPki(const std::filesystem::path& dir, const std::string& ca_name = "fleet-ca") : dir_(dir) {
    ca_ = std::make_unique<crypto::CertificateIssuer>(
        std::move(crypto::CertificateIssuer::CreateRoot(ca_name, std::chrono::hours(24)).value()));
    Write("ca.pem", ca_->certificate().ToPem());
    Issue("server", crypto::IssueRequest::Server("controlplane", {"127.0.0.1"}, std::chrono::hours(24)));
  }
  void Issue(const std::string& name, const crypto::IssueRequest& request) {
    auto key = crypto::PrivateKey::Generate().value();
    auto cert = ca_->Issue(key, request).value();
    Write(name + ".crt", cert.ToPem());
    Write(name + ".key", key.ToPem());
  }
  void IssueClient(const std::string& common_name) {
    Issue(common_name, crypto::IssueRequest::Client(common_name, std::chrono::hours(24)));
  }
  std::string Path(const std::string& file) const { return (dir_ / file).string(); }
  void Write(const std::string& file, const std::string& text) const { std::ofstream(dir_ / file) << text; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<crypto::CertificateIssuer> ca_;
};

}  // namespace ferry::testing
