#include "common/crypto/x509.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "common/crypto/openssl_bio.h"

namespace ferry::crypto {
namespace {

// Certificates, requests and keys come from other hosts: no PEM may ask
// for a password (OpenSSL would prompt on the terminal otherwise).
int NoPassword(char*, int, int, void*) { return 0; }

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

using internal::BioPtr;

BioPtr ReadBio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(std::min<size_t>(text.size(), INT32_MAX))));
}

std::string Drain(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

template <typename Write>
std::string WritePem(Write write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return {};
  return Drain(bio.get());
}

std::shared_ptr<evp_pkey_st> OwnKey(EVP_PKEY* k) { return {k, EVP_PKEY_free}; }
std::shared_ptr<x509_st> OwnCert(X509* c) { return {c, X509_free}; }

int64_t UnixOf(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string CommonNameOf(X509_NAME* name) {
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return {};
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

Status SetCommonName(X509_NAME* name, std::string_view cn) {
  if (cn.empty() || cn.size() > 64) return Status::InvalidArgument("a common name has 1 to 64 characters");
  if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.data()),
                                 static_cast<int>(cn.size()), -1, 0) != 1) {
    return Status::Internal("cannot set the common name: " + OpenSslError());
  }
  return Status::Ok();
}

// Keys a fleet accepts: ECDSA on P-256 or P-384, or RSA of 2048 bits or more.
Status CheckKeyStrength(EVP_PKEY* key) {
  if (key == nullptr) return Status::InvalidArgument("no public key");
  const int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC:
      if (bits == 256 || bits == 384) return Status::Ok();
      return Status::InvalidArgument("an EC key must be on P-256 or P-384");
    case EVP_PKEY_RSA:
      if (bits >= 2048) return Status::Ok();
      return Status::InvalidArgument("an RSA key must have at least 2048 bits");
    default:
      return Status::InvalidArgument("the key must be ECDSA (P-256, P-384) or RSA");
  }
}

bool IsIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool IsDnsName(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return Status::Internal("cannot make extension " + value + ": " + OpenSslError());
  const int added = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (added != 1) return Status::Internal("cannot add extension " + value + ": " + OpenSslError());
  return Status::Ok();
}

Status SetRandomSerial(X509* cert) {
  std::unique_ptr<BIGNUM, void (*)(BIGNUM*)> bn(BN_new(), BN_free);
  // 127 bits: positive in DER, and far beyond guessing.
  if (!bn || BN_rand(bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return Status::Internal("cannot make a serial number: " + OpenSslError());
  }
  return Status::Ok();
}

Status SetValidity(X509* cert, std::chrono::seconds lifetime, const X509* issuer) {
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -static_cast<long>(kValidityBackdate.count())) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert), static_cast<long>(lifetime.count())) == nullptr) {
    return Status::Internal("cannot set validity: " + OpenSslError());
  }
  // Never past the issuer's own end.
  if (issuer != nullptr && ASN1_TIME_compare(X509_get0_notAfter(cert), X509_get0_notAfter(issuer)) > 0 &&
      X509_set1_notAfter(cert, X509_get0_notAfter(issuer)) != 1) {
    return Status::Internal("cannot set validity: " + OpenSslError());
  }
  return Status::Ok();
}

}  // namespace

// ---- PrivateKey ----

Result<PrivateKey> PrivateKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return Status::Internal("cannot generate a key: " + OpenSslError());
  return PrivateKey(OwnKey(key));
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr) : nullptr;
  if (key == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument("not an unencrypted PEM private key");
  }
  PrivateKey out(OwnKey(key));
  if (Status s = CheckKeyStrength(key); !s.ok()) return s;
  return out;
}

std::string PrivateKey::ToPem() const {
  return WritePem(
      [&](BIO* b) { return PEM_write_bio_PrivateKey(b, key_.get(), nullptr, nullptr, 0, nullptr, nullptr); });
}

// ---- Certificate ----

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  X509* cert = bio ? PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr) : nullptr;
  if (cert == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument("not a PEM certificate");
  }
  return Certificate(OwnCert(cert));
}

Certificate Certificate::Share(X509* cert) {
  X509_up_ref(cert);
  return Certificate(OwnCert(cert));
}

Result<std::vector<Certificate>> Certificate::ChainFromPem(std::string_view pem) {
  constexpr size_t kMaxChain = 8;
  BioPtr bio = ReadBio(pem);
  std::vector<Certificate> chain;
  while (bio && chain.size() <= kMaxChain) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr);
    if (cert == nullptr) break;
    chain.push_back(Certificate(OwnCert(cert)));
  }
  // The end of the text, or something that is not a certificate?
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (chain.empty()) return Status::InvalidArgument("no PEM certificate");
  if (chain.size() > kMaxChain) return Status::InvalidArgument("more than 8 certificates in a chain");
  if (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
    return Status::InvalidArgument("certificate " + std::to_string(chain.size() + 1) + " of the chain does not parse");
  }
  return chain;
}

std::string Certificate::ToPem() const {
  return WritePem([&](BIO* b) { return PEM_write_bio_X509(b, cert_.get()); });
}

std::string Certificate::Sha256Fingerprint() const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert_.get(), EVP_sha256(), md, &n) != 1) return {};
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xF];
  }
  return out;
}

std::string Certificate::CommonName() const { return CommonNameOf(X509_get_subject_name(cert_.get())); }

std::string Certificate::SerialHex() const {
  std::unique_ptr<BIGNUM, void (*)(BIGNUM*)> bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr),
                                                BN_free);
  if (!bn) return {};
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

int64_t Certificate::NotBeforeUnix() const { return UnixOf(X509_get0_notBefore(cert_.get())); }
int64_t Certificate::NotAfterUnix() const { return UnixOf(X509_get0_notAfter(cert_.get())); }
bool Certificate::IsCa() const { return X509_check_ca(cert_.get()) > 0; }

bool Certificate::Matches(const PrivateKey& key) const {
  const bool match = X509_check_private_key(cert_.get(), key.get()) == 1;
  ERR_clear_error();
  return match;
}

// ---- CertificateRequest ----

Result<std::string> CertificateRequest::MakePem(const PrivateKey& key, std::string_view common_name) {
  std::unique_ptr<X509_REQ, void (*)(X509_REQ*)> req(X509_REQ_new(), X509_REQ_free);
  if (!req || X509_REQ_set_version(req.get(), 0) != 1) return Status::Internal("cannot make a request");
  if (Status s = SetCommonName(X509_REQ_get_subject_name(req.get()), common_name); !s.ok()) return s;
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1 || X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0) {
    return Status::Internal("cannot sign the request: " + OpenSslError());
  }
  return WritePem([&](BIO* b) { return PEM_write_bio_X509_REQ(b, req.get()); });
}

Result<CertificateRequest> CertificateRequest::FromPem(std::string_view pem) {
  BioPtr bio = ReadBio(pem);
  X509_REQ* raw = bio ? PEM_read_bio_X509_REQ(bio.get(), nullptr, NoPassword, nullptr) : nullptr;
  if (raw == nullptr) {
    ERR_clear_error();
    return Status::InvalidArgument("not a PEM certificate request");
  }
  CertificateRequest req(std::shared_ptr<X509_req_st>(raw, X509_REQ_free));
  EVP_PKEY* key = X509_REQ_get0_pubkey(raw);
  if (Status s = CheckKeyStrength(key); !s.ok()) return s;
  if (X509_REQ_verify(raw, key) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("the request's signature does not verify under its key");
  }
  return req;
}

std::string CertificateRequest::CommonName() const { return CommonNameOf(X509_REQ_get_subject_name(req_.get())); }

// ---- CertificateIssuer ----

Result<CertificateIssuer> CertificateIssuer::CreateRoot(std::string_view common_name, std::chrono::seconds lifetime) {
  auto key = PrivateKey::Generate();
  if (!key.ok()) return key.status();
  X509* raw = X509_new();
  if (raw == nullptr) return Status::Internal("cannot make a certificate");
  Certificate cert(OwnCert(raw));
  if (X509_set_version(raw, 2) != 1) return Status::Internal("cannot make a certificate");
  if (Status s = SetRandomSerial(raw); !s.ok()) return s;
  if (Status s = SetValidity(raw, lifetime, nullptr); !s.ok()) return s;
  if (Status s = SetCommonName(X509_get_subject_name(raw), common_name); !s.ok()) return s;
  if (X509_set_issuer_name(raw, X509_get_subject_name(raw)) != 1 || X509_set_pubkey(raw, key->get()) != 1) {
    return Status::Internal("cannot make a certificate: " + OpenSslError());
  }
  for (const auto& [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
        std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"}, std::pair{NID_subject_key_identifier, "hash"},
        std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (Status s = AddExtension(raw, raw, nid, value); !s.ok()) return s;
  }
  if (X509_sign(raw, key->get(), EVP_sha256()) <= 0) return Status::Internal("cannot sign: " + OpenSslError());
  return CertificateIssuer(std::move(cert), std::move(key).value());
}

Result<CertificateIssuer> CertificateIssuer::FromParts(Certificate cert, PrivateKey key) {
  if (!cert.IsCa()) return Status::InvalidArgument("the certificate is not a CA certificate");
  if (!cert.Matches(key)) return Status::InvalidArgument("the key is not the CA certificate's key");
  return CertificateIssuer(std::move(cert), std::move(key));
}

Result<Certificate> CertificateIssuer::Issue(const CertificateRequest& csr, const IssueRequest& request) const {
  return IssueFor(X509_REQ_get0_pubkey(csr.get()), request);
}

Result<Certificate> CertificateIssuer::Issue(const PrivateKey& subject_key, const IssueRequest& request) const {
  return IssueFor(subject_key.get(), request);
}

Result<Certificate> CertificateIssuer::IssueFor(evp_pkey_st* subject_public_key, const IssueRequest& request) const {
  if (Status s = CheckKeyStrength(subject_public_key); !s.ok()) return s;
  std::string alt_names;
  for (const std::string& host : request.hosts) {
    const bool ip = IsIpAddress(host);
    if (!ip && !IsDnsName(host)) return Status::InvalidArgument("not a host name or IP address: " + host);
    alt_names += (alt_names.empty() ? "" : ",") + std::string(ip ? "IP:" : "DNS:") + host;
  }
  X509* raw = X509_new();
  if (raw == nullptr) return Status::Internal("cannot make a certificate");
  Certificate cert(OwnCert(raw));
  X509* issuer = cert_.get();
  if (X509_set_version(raw, 2) != 1) return Status::Internal("cannot make a certificate");
  if (Status s = SetRandomSerial(raw); !s.ok()) return s;
  if (Status s = SetValidity(raw, request.lifetime, issuer); !s.ok()) return s;
  if (Status s = SetCommonName(X509_get_subject_name(raw), request.common_name); !s.ok()) return s;
  if (X509_set_issuer_name(raw, X509_get_subject_name(issuer)) != 1 || X509_set_pubkey(raw, subject_public_key) != 1) {
    return Status::Internal("cannot make a certificate: " + OpenSslError());
  }
  const bool server = request.use == CertificateUse::kServer;
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
      {NID_ext_key_usage, server ? "serverAuth" : "clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"},
  };
  if (!alt_names.empty()) extensions.emplace_back(NID_subject_alt_name, alt_names);
  for (const auto& [nid, value] : extensions) {
    if (Status s = AddExtension(raw, issuer, nid, value); !s.ok()) return s;
  }
  if (X509_sign(raw, key_.get(), EVP_sha256()) <= 0) return Status::Internal("cannot sign: " + OpenSslError());
  return cert;
}

Result<std::string> CertificateIssuer::MakeCrl(const std::vector<RevokedCertificate>& revoked,
                                               std::chrono::seconds next_update) const {
  std::unique_ptr<X509_CRL, void (*)(X509_CRL*)> crl(X509_CRL_new(), X509_CRL_free);
  using TimePtr = std::unique_ptr<ASN1_TIME, void (*)(ASN1_TIME*)>;
  TimePtr now(ASN1_TIME_set(nullptr, std::time(nullptr)), ASN1_TIME_free);
  TimePtr next(ASN1_TIME_adj(nullptr, std::time(nullptr), 0, static_cast<long>(next_update.count())), ASN1_TIME_free);
  if (!crl || !now || !next || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(cert_.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), now.get()) != 1 || X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1) {
    return Status::Internal("cannot make a CRL: " + OpenSslError());
  }
  for (const RevokedCertificate& r : revoked) {
    BIGNUM* bn = nullptr;
    if (r.serial_hex.empty() || r.serial_hex.size() > 64 || BN_hex2bn(&bn, r.serial_hex.c_str()) == 0 ||
        static_cast<size_t>(BN_num_bytes(bn)) * 2 < r.serial_hex.size() - 1) {
      BN_free(bn);
      return Status::InvalidArgument("not a serial number: " + r.serial_hex);
    }
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
    BN_free(bn);
    TimePtr when(ASN1_TIME_set(nullptr, static_cast<time_t>(r.revoked_unix)), ASN1_TIME_free);
    X509_REVOKED* entry = X509_REVOKED_new();
    const bool ok =
        serial != nullptr && when && entry != nullptr && X509_REVOKED_set_serialNumber(entry, serial) == 1 &&
        X509_REVOKED_set_revocationDate(entry, when.get()) == 1 && X509_CRL_add0_revoked(crl.get(), entry) == 1;
    ASN1_INTEGER_free(serial);
    if (!ok) {
      X509_REVOKED_free(entry);
      return Status::Internal("cannot add to the CRL: " + OpenSslError());
    }
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), key_.get(), EVP_sha256()) <= 0) {
    return Status::Internal("cannot sign the CRL: " + OpenSslError());
  }
  return WritePem([&](BIO* b) { return PEM_write_bio_X509_CRL(b, crl.get()); });
}

Status VerifyChain(const Certificate& leaf, const std::vector<Certificate>& intermediates, const Certificate& anchor) {
  std::unique_ptr<X509_STORE, void (*)(X509_STORE*)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, void (*)(X509_STORE_CTX*)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(sk_X509_new_null(),
                                                                       [](STACK_OF(X509) * s) { sk_X509_free(s); });
  if (!store || !ctx || !untrusted || X509_STORE_add_cert(store.get(), anchor.get()) != 1) {
    return Status::Internal("cannot verify: " + OpenSslError());
  }
  // The anchor is trusted as given, also when it is an intermediate (an
  // operator's CA below a company root).
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  for (const Certificate& c : intermediates) sk_X509_push(untrusted.get(), c.get());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
    return Status::Internal("cannot verify: " + OpenSslError());
  }
  if (X509_verify_cert(ctx.get()) == 1) return Status::Ok();
  const std::string why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  ERR_clear_error();
  return Status::InvalidArgument("certificate does not verify: " + why);
}

}  // namespace ferry::crypto
