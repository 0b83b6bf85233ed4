#pragma once
// Ed25519 signatures over flow bundles. The control plane signs each bundle
// deployment with its SigningKey; an agent accepts a bundle only if it
// verifies under the VerifyKey it was configured to trust.
//
// Keys are exchanged as PEM: PKCS#8 "PRIVATE KEY" for the signing key and
// SubjectPublicKeyInfo "PUBLIC KEY" for the verify key, the formats
// `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` produce.
//
// Error messages name the file and what is wrong with it, never key material.
// Both key types are move-only; a moved-from key must not be used. Sign and
// Verify may be called from several threads at once.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header.

namespace ferry::crypto {

inline constexpr size_t kSignatureSize = 64;

namespace internal {
struct PkeyDeleter {
  void operator()(evp_pkey_st* key) const;
};
using PkeyPtr = std::unique_ptr<evp_pkey_st, PkeyDeleter>;
}  // namespace internal

class SigningKey {
 public:
  // A fresh random key. Internal on an OpenSSL failure.
  static Result<SigningKey> Generate();

  // Reads a PKCS#8 PEM "PRIVATE KEY" file. NotFound if the file is missing,
  // FailedPrecondition if it cannot be read, InvalidArgument if it is not
  // PEM, holds another PEM type, is encrypted, or is not an Ed25519 key.
  static Result<SigningKey> LoadPemFile(const std::filesystem::path& path);
  // Same checks on PEM text; InvalidArgument on any of them.
  static Result<SigningKey> FromPem(std::string_view pem);

  // Writes the private key as PKCS#8 PEM to a new file with mode 0600. An
  // existing file is never replaced: AlreadyExists. Unavailable when the disk
  // is full, FailedPrecondition for other file-system errors; a partly
  // written file is removed.
  Status WritePrivatePemFile(const std::filesystem::path& path) const;

  // The matching public key as SubjectPublicKeyInfo PEM, for VerifyKey.
  std::string PublicKeyPem() const;
  // First 16 lowercase hex digits of SHA-256 over the raw 32-byte public key;
  // equal to the KeyId of the matching VerifyKey.
  std::string KeyId() const;

  // The 64-byte raw signature of `message`. Internal on an OpenSSL failure.
  Result<std::string> Sign(std::string_view message) const;

 private:
  explicit SigningKey(internal::PkeyPtr key) : key_(std::move(key)) {}
  internal::PkeyPtr key_;
};

class VerifyKey {
 public:
  // Reads a SubjectPublicKeyInfo PEM "PUBLIC KEY" file. Errors as for
  // SigningKey::LoadPemFile; a private key is refused, since an agent must
  // never hold the control plane's private key.
  static Result<VerifyKey> LoadPemFile(const std::filesystem::path& path);
  static Result<VerifyKey> FromPem(std::string_view pem);

  std::string KeyId() const;

  // True only if `signature` is a valid 64-byte Ed25519 signature of
  // `message` by the matching private key.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  explicit VerifyKey(internal::PkeyPtr key) : key_(std::move(key)) {}
  internal::PkeyPtr key_;
};

// SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace ferry::crypto
