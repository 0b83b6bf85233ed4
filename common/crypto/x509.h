#pragma once
// X.509 for the fleet's identities, on OpenSSL: ECDSA P-256 keys, requests
// (CSRs), certificates a small CA issues, and its revocation lists.
//
// The control plane is the CA: it issues each agent a client certificate
// whose subject common name is the agent id (mosquitto takes it as the
// user name), itself a client certificate, and the broker and its
// enrollment listener server certificates. An agent makes its key and a
// request; the key never leaves it.
//
// Everything is exchanged as PEM. Parsing functions take untrusted text and
// return InvalidArgument saying what is wrong; messages never hold key
// material.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY
struct x509_st;      // X509
struct X509_req_st;  // X509_REQ

namespace ferry::crypto {

class PrivateKey {
 public:
  // A fresh ECDSA P-256 key. Internal on an OpenSSL failure.
  static Result<PrivateKey> Generate();
  // PKCS#8 "PRIVATE KEY" or "EC PRIVATE KEY" PEM, unencrypted.
  static Result<PrivateKey> FromPem(std::string_view pem);
  std::string ToPem() const;  // PKCS#8
  evp_pkey_st* get() const { return key_.get(); }

 private:
  explicit PrivateKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

class Certificate {
 public:
  static Result<Certificate> FromPem(std::string_view pem);
  // Every certificate in a PEM bundle, in order; InvalidArgument when there
  // is none or one does not parse.
  static Result<std::vector<Certificate>> ChainFromPem(std::string_view pem);
  // A certificate OpenSSL holds (a TLS peer's), with a reference of its own.
  static Certificate Share(x509_st* cert);

  std::string ToPem() const;
  // SHA-256 over the DER encoding, lowercase hex: what `openssl x509
  // -fingerprint -sha256` prints, without the colons.
  std::string Sha256Fingerprint() const;
  std::string CommonName() const;  // of the subject; empty if it has none
  std::string SerialHex() const;   // uppercase hex, as a CRL lists it
  int64_t NotBeforeUnix() const;
  int64_t NotAfterUnix() const;
  bool IsCa() const;
  // Whether `key` is this certificate's key.
  bool Matches(const PrivateKey& key) const;
  x509_st* get() const { return cert_.get(); }

 private:
  explicit Certificate(std::shared_ptr<x509_st> cert) : cert_(std::move(cert)) {}
  friend class CertificateIssuer;
  std::shared_ptr<x509_st> cert_;
};

// A certificate signing request whose signature has been checked: its
// sender holds the private key of the public key it carries.
class CertificateRequest {
 public:
  // A request for `key`, signed with it, naming `common_name`.
  static Result<std::string> MakePem(const PrivateKey& key, std::string_view common_name);
  // Parses and checks the signature; InvalidArgument otherwise.
  static Result<CertificateRequest> FromPem(std::string_view pem);
  std::string CommonName() const;
  X509_req_st* get() const { return req_.get(); }

 private:
  explicit CertificateRequest(std::shared_ptr<X509_req_st> req) : req_(std::move(req)) {}
  std::shared_ptr<X509_req_st> req_;
};

enum class CertificateUse {
  kClient,  // TLS client authentication (agents, the control plane's MQTT client)
  kServer,  // TLS server authentication (the broker, the enrollment listener)
};

struct IssueRequest {
  std::string common_name;
  CertificateUse use = CertificateUse::kClient;
  // subjectAltName entries of a server certificate: DNS names and IP
  // addresses (an entry that parses as an address is one).
  std::vector<std::string> hosts;
  std::chrono::seconds lifetime{std::chrono::hours(24 * 30)};

  static IssueRequest Client(std::string common_name, std::chrono::seconds lifetime) {
    return {std::move(common_name), CertificateUse::kClient, {}, lifetime};
  }
  static IssueRequest Server(std::string common_name, std::vector<std::string> hosts, std::chrono::seconds lifetime) {
    return {std::move(common_name), CertificateUse::kServer, std::move(hosts), lifetime};
  }
};

// How far back an issued certificate's validity starts, for clocks that
// lag a little: its life as issued is notAfter - notBefore - this.
inline constexpr std::chrono::seconds kValidityBackdate{300};

struct RevokedCertificate {
  std::string serial_hex;
  int64_t revoked_unix = 0;
};

// A CA certificate with its key: issues certificates and revocation lists.
class CertificateIssuer {
 public:
  // A self-signed root CA named `common_name`.
  static Result<CertificateIssuer> CreateRoot(std::string_view common_name, std::chrono::seconds lifetime);
  // An existing CA (root or intermediate): InvalidArgument when the
  // certificate is not a CA or the key is not its key.
  static Result<CertificateIssuer> FromParts(Certificate cert, PrivateKey key);

  // A certificate for the request's key, named and limited as `request`
  // says; the name the requester asked for is not used. Serials are 128
  // random bits; validity starts kValidityBackdate back.
  Result<Certificate> Issue(const CertificateRequest& csr, const IssueRequest& request) const;
  Result<Certificate> Issue(const PrivateKey& subject_key, const IssueRequest& request) const;
  // A CRL listing `revoked`, valid for `next_update`; PEM.
  Result<std::string> MakeCrl(const std::vector<RevokedCertificate>& revoked, std::chrono::seconds next_update) const;

  const Certificate& certificate() const { return cert_; }
  const PrivateKey& key() const { return key_; }

 private:
  CertificateIssuer(Certificate cert, PrivateKey key) : cert_(std::move(cert)), key_(std::move(key)) {}
  Result<Certificate> IssueFor(evp_pkey_st* subject_public_key, const IssueRequest& request) const;
  Certificate cert_;
  PrivateKey key_;
};

// Whether `leaf` chains to `anchor` (directly or through `intermediates`)
// and is valid now. The reason when it does not.
Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& intermediates, const Certificate& anchor);

}  // namespace ferry::crypto
