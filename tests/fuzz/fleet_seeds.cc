// Writes seed inputs for fleet_credentials_fuzz into the folder named on the
// command line: a real token, request, CA chain and key, each behind the
// selector byte that picks its parser, made by the code under test so they
// stay valid when it changes.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/crypto/x509.h"
#include "common/fleet/enrollment_token.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fleet_seeds DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  auto ca = ferry::crypto::CertificateIssuer::CreateRoot("seed CA", std::chrono::hours(24));
  auto key = ferry::crypto::PrivateKey::Generate();
  if (!ca.ok() || !key.ok()) return 1;
  auto csr = ferry::crypto::CertificateRequest::MakePem(*key, "plant-01");
  auto cert = ca->Issue(*key, ferry::crypto::IssueRequest::Client("plant-01", std::chrono::hours(1)));
  if (!csr.ok() || !cert.ok()) return 1;
  const auto token = ferry::fleet::EnrollmentToken::New("plant-01", ca->certificate().Sha256Fingerprint());
  const std::pair<const char*, std::string> seeds[] = {
      {"seed-token", std::string(1, '\0') + token.Format()},
      {"seed-csr", std::string(1, '\1') + *csr},
      {"seed-chain", std::string(1, '\2') + cert->ToPem() + ca->certificate().ToPem()},
      {"seed-key", std::string(1, '\3') + key->ToPem()},
  };
  for (const auto& [name, bytes] : seeds) {
    if (std::filesystem::exists(dir / name)) continue;
    std::ofstream(dir / name, std::ios::binary) << bytes;
  }
  return 0;
}
