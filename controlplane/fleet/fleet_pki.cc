#include "controlplane/fleet/fleet_pki.h"

#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <ctime>

#include "common/crypto/hmac.h"
#include "common/util/clock.h"
#include "common/util/files.h"
#include "controlplane/fleet/agent_identities.h"

namespace ferry::controlplane {
namespace {

constexpr std::chrono::seconds kRootLifetime{std::chrono::hours(24 * 365 * 10)};

Status EnsureDir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::FailedPrecondition("cannot create " + dir.string() + ": " + ec.message());
  // Others may read the public files here (ca.crt, crl.pem: the broker
  // does); every key is a 0600 file of its own.
  if (::chmod(dir.c_str(), 0755) != 0) return Status::FailedPrecondition("cannot set mode 0755 on " + dir.string());
  return Status::Ok();
}

// Whether a stored identity can still be used: it chains to the CA, names
// what `request` names, and has more than a third of its life left.
bool StillGood(const crypto::Certificate& cert, const crypto::PrivateKey& key, const crypto::Certificate& ca,
               const crypto::IssueRequest& request) {
  if (!cert.Matches(key) || !crypto::VerifyChain(cert, {}, ca).ok()) return false;
  if (cert.CommonName() != request.common_name) return false;
  for (const std::string& host : request.hosts) {
    const bool matches = X509_check_host(cert.get(), host.c_str(), host.size(), 0, nullptr) == 1 ||
                         X509_check_ip_asc(cert.get(), host.c_str(), 0) == 1;
    if (!matches) return false;
  }
  const int64_t now = std::time(nullptr);
  const int64_t life = cert.NotAfterUnix() - cert.NotBeforeUnix();
  return cert.NotAfterUnix() - now > life / 3;
}

}  // namespace

FleetPki::FleetPki(PkiOptions options, crypto::CertificateIssuer issuer, std::string chain_pem)
    : options_(std::move(options)), issuer_(std::move(issuer)), chain_pem_(std::move(chain_pem)) {
  auto chain = crypto::Certificate::ChainFromPem(chain_pem_);
  root_fingerprint_ = chain.ok() ? chain->back().Sha256Fingerprint() : issuer_.certificate().Sha256Fingerprint();
}

Result<std::unique_ptr<FleetPki>> FleetPki::Open(PkiOptions options, bool create) {
  const std::filesystem::path dir = options.dir;
  const bool given = !options.ca_cert_file.empty();
  const std::filesystem::path cert_file = given ? options.ca_cert_file : dir / "ca.crt";
  const std::filesystem::path key_file = given ? options.ca_key_file : dir / "ca.key";
  if (create) {
    if (Status s = EnsureDir(dir); !s.ok()) return s;
  }
  auto chain_pem = ReadSmallFile(cert_file);
  if (!chain_pem.ok() && chain_pem.status().code() == StatusCode::kNotFound && !given) {
    if (!create) {
      return Status::FailedPrecondition("there is no CA in " + dir.string() +
                                        " yet: the control plane makes one at its first start");
    }
    auto root = crypto::CertificateIssuer::CreateRoot("Ferry fleet CA", kRootLifetime);
    if (!root.ok()) return root.status();
    if (Status s = WriteFileAtomically(key_file, root->key().ToPem(), 0600); !s.ok()) return s;
    if (Status s = WriteFileAtomically(cert_file, root->certificate().ToPem(), 0644); !s.ok()) return s;
    chain_pem = ReadSmallFile(cert_file);
  }
  if (!chain_pem.ok()) return chain_pem.status();
  auto chain = crypto::Certificate::ChainFromPem(*chain_pem);
  if (!chain.ok()) return Status::InvalidArgument(cert_file.string() + ": " + chain.status().message());
  auto key_pem = ReadSmallFile(key_file);
  if (!key_pem.ok()) return key_pem.status();
  auto key = crypto::PrivateKey::FromPem(*key_pem);
  if (!key.ok()) return Status::InvalidArgument(key_file.string() + ": " + key.status().message());
  auto issuer = crypto::CertificateIssuer::FromParts(chain->front(), std::move(key).value());
  if (!issuer.ok()) return Status::InvalidArgument(cert_file.string() + ": " + issuer.status().message());
  std::unique_ptr<FleetPki> pki(new FleetPki(std::move(options), std::move(issuer).value(), *chain_pem));
  if (create) {
    // The broker and the agents read the chain from one place either way;
    // and the broker needs a CRL from its first start.
    if (given) {
      if (Status s = WriteFileAtomically(pki->ca_file(), pki->chain_pem_, 0644); !s.ok()) return s;
    }
    std::error_code ec;
    if (!std::filesystem::exists(pki->crl_file(), ec)) {
      if (auto crl = pki->WriteCrl({}); !crl.ok()) return crl.status();
    }
  }
  return pki;
}

ferry::v1::IssuedCertificate IssuedCertificateRecord(const crypto::Certificate& cert) {
  ferry::v1::IssuedCertificate record;
  record.set_serial(cert.SerialHex());
  record.set_issued_unix_ms(NowUnixMs());
  record.set_not_after_unix_ms(cert.NotAfterUnix() * 1000);
  return record;
}

Result<crypto::Certificate> FleetPki::IssueAgentCertificate(const crypto::CertificateRequest& csr,
                                                            const std::string& agent_id) const {
  return issuer_.Issue(csr, crypto::IssueRequest::Client(agent_id, options_.agent_certificate_lifetime));
}

Result<std::string> FleetPki::IssueServerIdentity(const std::string& name,
                                                  const std::vector<std::string>& hosts) const {
  auto key = crypto::PrivateKey::Generate();
  if (!key.ok()) return key.status();
  auto cert = issuer_.Issue(*key, crypto::IssueRequest::Server(name, hosts, options_.server_certificate_lifetime));
  if (!cert.ok()) return cert.status();
  return key->ToPem() + cert->ToPem() + chain_pem_;
}

Result<std::filesystem::path> FleetPki::EnsureIdentity(const std::string& file,
                                                       const crypto::IssueRequest& request) const {
  const std::filesystem::path path = options_.dir / file;
  if (auto pem = ReadSmallFile(path); pem.ok()) {
    auto key = crypto::PrivateKey::FromPem(*pem);
    auto cert = crypto::Certificate::FromPem(*pem);
    if (key.ok() && cert.ok() && StillGood(*cert, *key, issuer_.certificate(), request)) return path;
  }
  auto key = crypto::PrivateKey::Generate();
  if (!key.ok()) return key.status();
  auto cert = issuer_.Issue(*key, request);
  if (!cert.ok()) return cert.status();
  if (Status s = WriteFileAtomically(path, key->ToPem() + cert->ToPem() + chain_pem_, 0600); !s.ok()) return s;
  return path;
}

Result<std::filesystem::path> FleetPki::EnsureClientIdentity() const {
  return EnsureIdentity("controlplane.pem",
                        crypto::IssueRequest::Client(kControlPlaneIdentity, options_.server_certificate_lifetime));
}

Result<std::filesystem::path> FleetPki::EnsureEnrollmentIdentity(const std::vector<std::string>& hosts) const {
  return EnsureIdentity("enrollment.pem",
                        crypto::IssueRequest::Server("ferry-enrollment", hosts, options_.server_certificate_lifetime));
}

Result<std::filesystem::path> FleetPki::EnsureConsoleIdentity(const std::vector<std::string>& hosts) const {
  return EnsureIdentity("console.pem",
                        crypto::IssueRequest::Server("ferry-console", hosts, options_.server_certificate_lifetime));
}

Result<std::filesystem::path> FleetPki::EnsureTunnelIdentity(const std::vector<std::string>& hosts) const {
  return EnsureIdentity("tunnel.pem",
                        crypto::IssueRequest::Server("ferry-tunnel", hosts, options_.server_certificate_lifetime));
}

Result<std::filesystem::path> FleetPki::EnsureInboundIdentity(const std::vector<std::string>& hosts) const {
  return EnsureIdentity("inbound.pem",
                        crypto::IssueRequest::Server("ferry-inbound", hosts, options_.server_certificate_lifetime));
}

std::string FleetPki::SecretName(const std::string& purpose) const {
  return "ferry-" + crypto::HmacSha256Hex(issuer_.key().ToPem(), "ferry " + purpose).substr(0, 32);
}

Result<std::filesystem::path> FleetPki::WriteCrl(const std::vector<ferry::v1::AgentIdentity>& agents) const {
  const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
  std::vector<crypto::RevokedCertificate> revoked;
  for (const auto& agent : agents) {
    for (const auto& cert : agent.revoked_certificates()) {
      if (cert.not_after_unix_ms() > now_ms) revoked.push_back({cert.serial(), cert.revoked_unix_ms() / 1000});
    }
  }
  auto crl = issuer_.MakeCrl(revoked, options_.crl_validity);
  if (!crl.ok()) return crl.status();
  if (Status s = WriteFileAtomically(crl_file(), *crl, 0644); !s.ok()) return s;
  return crl_file();
}

}  // namespace ferry::controlplane
