#pragma once
// The control plane's certificate authority and the files it keeps in
// <data_dir>/pki/ (mode 0755: the broker reads ca.crt and crl.pem):
//
//   ca.key, ca.crt        the CA, made on first start (or the operator's
//                         intermediate, pki.ca_cert_file / pki.ca_key_file)
//   controlplane.pem      the control plane's own MQTT client identity (key
//                         and certificate, CN ferry-controlplane)
//   enrollment.pem        the enrollment listener's server identity
//   console.pem           the console's server identity
//   crl.pem               revoked agent certificates, for the broker
//
// Keys are written 0600 and never leave this folder. Identities are issued
// again when they have less than a third of their life left.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto/x509.h"
#include "common/status.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct PkiOptions {
  std::filesystem::path dir;  // <data_dir>/pki
  // An operator's CA instead of a self-made one: its certificate (followed
  // by the chain up to the root) and its key.
  std::filesystem::path ca_cert_file;
  std::filesystem::path ca_key_file;
  std::chrono::seconds agent_certificate_lifetime{std::chrono::hours(24 * 30)};
  std::chrono::seconds server_certificate_lifetime{std::chrono::hours(24 * 365)};
  std::chrono::seconds crl_validity{std::chrono::hours(24 * 30)};
};

// What the identity registry records about a certificate just issued.
ferry::v1::IssuedCertificate IssuedCertificateRecord(const crypto::Certificate& cert);

class FleetPki {
 public:
  // Loads the CA; with `create`, makes the folder and a new root CA when
  // there is none (the daemon's first start). FailedPrecondition when there
  // is no CA and `create` is false.
  static Result<std::unique_ptr<FleetPki>> Open(PkiOptions options, bool create);

  // PEM: the CA certificate and the chain above it, what agents trust.
  const std::string& chain_pem() const { return chain_pem_; }
  // SHA-256 of the root (the last certificate of the chain): what an
  // enrollment token carries.
  const std::string& root_fingerprint() const { return root_fingerprint_; }

  // An agent's client certificate for a checked request, naming `agent_id`.
  Result<crypto::Certificate> IssueAgentCertificate(const crypto::CertificateRequest& csr,
                                                    const std::string& agent_id) const;
  // A server certificate for `hosts` with a new key, as one PEM (key first).
  Result<std::string> IssueServerIdentity(const std::string& name, const std::vector<std::string>& hosts) const;

  // The path of the control plane's client identity, issued now when it is
  // missing or has less than a third of its life left.
  Result<std::filesystem::path> EnsureClientIdentity() const;
  // The path of the enrollment listener's identity for `hosts`; issued
  // again when missing, ageing, or made for other hosts.
  Result<std::filesystem::path> EnsureEnrollmentIdentity(const std::vector<std::string>& hosts) const;
  // The same for the console's listener (console.pem).
  Result<std::filesystem::path> EnsureConsoleIdentity(const std::vector<std::string>& hosts) const;
  // The same for the WebSocket tunnel's listener (tunnel.pem).
  Result<std::filesystem::path> EnsureTunnelIdentity(const std::vector<std::string>& hosts) const;
  // The same for the inbound listener CRMs send to (inbound.pem).
  Result<std::filesystem::path> EnsureInboundIdentity(const std::vector<std::string>& hosts) const;
  // Writes crl.pem listing every unexpired certificate revoked (an agent's
  // revoked_certificates, whatever its state now); its path.
  Result<std::filesystem::path> WriteCrl(const std::vector<ferry::v1::AgentIdentity>& agents) const;

  // "ferry-" and 32 hex digits of an HMAC of `purpose` under the CA key: a
  // name every instance sharing the CA derives alike and nobody without
  // the key can guess (the shared-subscription group).
  std::string SecretName(const std::string& purpose) const;

  std::filesystem::path ca_file() const { return options_.dir / "ca.crt"; }
  std::filesystem::path crl_file() const { return options_.dir / "crl.pem"; }

 private:
  FleetPki(PkiOptions options, crypto::CertificateIssuer issuer, std::string chain_pem);
  Result<std::filesystem::path> EnsureIdentity(const std::string& file, const crypto::IssueRequest& request) const;
  PkiOptions options_;
  crypto::CertificateIssuer issuer_;
  std::string chain_pem_;
  std::string root_fingerprint_;
};

}  // namespace ferry::controlplane
