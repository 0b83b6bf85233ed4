#include "common/crypto/ed25519.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/crypto/openssl_bio.h"
#include "common/util/hex.h"

namespace ferry::crypto {

void internal::PkeyDeleter::operator()(evp_pkey_st* key) const { EVP_PKEY_free(key); }

namespace {

using internal::BioPtr;
using internal::PkeyPtr;

// A key file is a few hundred bytes; anything much larger is the wrong file,
// and the cap keeps a misconfigured path from reading a whole disk image.
constexpr size_t kMaxPemSize = 64 * 1024;
constexpr size_t kRawPublicKeySize = 32;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

// A string that holds private key text; wiped before its memory is released.
struct WipedString {
  std::string text;
  ~WipedString() { OPENSSL_cleanse(text.data(), text.size()); }
};

// The oldest queued error is the root cause. The queue is cleared so that a
// stale error is not reported by the next, unrelated OpenSSL call.
std::string TakeOpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  const char* reason = code != 0 ? ERR_reason_error_string(code) : nullptr;
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

// For failures that a valid key cannot produce short of running out of memory.
[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "ferry: fatal: %s: %s\n", what, TakeOpenSslError().c_str());
  std::abort();
}

// An empty string_view may have a null data(); OpenSSL wants a valid pointer.
const unsigned char* Bytes(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

std::string KeyIdOf(const EVP_PKEY* key) {
  unsigned char raw[kRawPublicKeySize];
  size_t size = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1 || size != sizeof raw) {
    Fatal("cannot read the raw Ed25519 public key");
  }
  return Sha256Hex(std::string_view(reinterpret_cast<const char*>(raw), size)).substr(0, 16);
}

Status KeyFileStatus(const char* what, const std::filesystem::path& path, int err) {
  std::string reason = std::error_code(err, std::generic_category()).message();
  std::string message = path.string() + ": " + what + ": " + reason;
  if (err == ENOENT) return Status::NotFound(message);
  if (err == ENOSPC || err == EDQUOT || err == EIO) return Status::Unavailable(message);
  return Status::FailedPrecondition(message);
}

enum class KeyKind { kPrivate, kPublic };

// Explains why a PEM block with `label` is not the key that was asked for.
std::string LabelMismatch(const std::string& label, KeyKind kind) {
  const std::string shown = "'" + label.substr(0, 64) + "'";
  if (kind == KeyKind::kPublic) {
    if (label.find("PRIVATE KEY") != std::string::npos) {
      return "holds a private key (" + shown +
             "); a verify key must be only the "
             "'PUBLIC KEY' (extract it with 'openssl pkey -pubout')";
    }
    return "holds a " + shown + " block; expected 'PUBLIC KEY'";
  }
  if (label == "ENCRYPTED PRIVATE KEY") {
    return "the private key is encrypted; Ferry reads only an unencrypted PKCS#8 "
           "'PRIVATE KEY', protected by file mode 0600";
  }
  if (label == "PUBLIC KEY") return "holds a 'PUBLIC KEY'; signing needs the 'PRIVATE KEY'";
  return "holds a " + shown + " block; expected a PKCS#8 'PRIVATE KEY' of an Ed25519 key";
}

// Decodes the first PEM block of `pem` as an Ed25519 key of `kind`.
// `source` names the input in errors; the errors never quote key bytes.
Result<PkeyPtr> DecodeKey(std::string_view pem, KeyKind kind, const std::string& source) {
  const std::string want = kind == KeyKind::kPrivate ? "PRIVATE KEY" : "PUBLIC KEY";
  if (pem.size() > kMaxPemSize) {
    return Status::InvalidArgument(source + ": larger than 64 KiB; not a key");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Internal(source + ": " + TakeOpenSslError());

  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long der_size = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &der, &der_size) != 1) {
    return Status::InvalidArgument(source + ": not PEM (" + TakeOpenSslError() + "); expected a '-----BEGIN " + want +
                                   "-----' block");
  }
  const std::string label = name;
  OPENSSL_free(name);
  OPENSSL_free(header);
  auto wipe = [der_size](unsigned char* p) { OPENSSL_clear_free(p, der_size); };
  std::unique_ptr<unsigned char, decltype(wipe)> der_owner(der, wipe);
  if (label != want) return Status::InvalidArgument(source + ": " + LabelMismatch(label, kind));

  const unsigned char* p = der;
  PkeyPtr key;
  if (kind == KeyKind::kPrivate) {
    PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, der_size);
    if (info != nullptr) {
      key.reset(EVP_PKCS82PKEY(info));
      PKCS8_PRIV_KEY_INFO_free(info);
    }
  } else {
    key.reset(d2i_PUBKEY(nullptr, &p, der_size));
  }
  if (!key) {
    return Status::InvalidArgument(source + ": the '" + want + "' block does not decode (" + TakeOpenSslError() + ")");
  }
  if (p != der + der_size) {
    return Status::InvalidArgument(source + ": unexpected data after the key in the '" + want + "' block");
  }
  // Some decoders queue errors while trying formats even when one succeeds.
  ERR_clear_error();
  if (EVP_PKEY_is_a(key.get(), "ED25519") != 1) {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    return Status::InvalidArgument(source + ": holds a key of type " + (type != nullptr ? type : "unknown") +
                                   ", not an Ed25519 key");
  }
  return key;
}

// Reads a whole key file into `out`, whose buffer is reserved up front so
// that no copy of the text is left behind by a reallocation.
Status ReadKeyFile(const std::filesystem::path& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return KeyFileStatus("cannot open the key file", path, errno);
  out->reserve(kMaxPemSize);
  char buf[4096];
  Status status;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = KeyFileStatus("cannot read the key file", path, errno);
      break;
    }
    if (n == 0) break;
    if (out->size() + static_cast<size_t>(n) > kMaxPemSize) {
      status = Status::InvalidArgument(path.string() + ": larger than 64 KiB; not a key file");
      break;
    }
    out->append(buf, static_cast<size_t>(n));
  }
  OPENSSL_cleanse(buf, sizeof buf);
  close(fd);
  return status;
}

Status WriteAll(int fd, const char* data, size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return KeyFileStatus("cannot write the key file", path, errno);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Result<SigningKey> SigningKey::Generate() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return Status::Internal("Ed25519 key generation failed: " + TakeOpenSslError());
  }
  return SigningKey(PkeyPtr(raw));
}

Result<SigningKey> SigningKey::LoadPemFile(const std::filesystem::path& path) {
  WipedString pem;
  if (Status s = ReadKeyFile(path, &pem.text); !s.ok()) return s;
  auto key = DecodeKey(pem.text, KeyKind::kPrivate, path.string());
  if (!key.ok()) return key.status();
  return SigningKey(std::move(key).value());
}

Result<SigningKey> SigningKey::FromPem(std::string_view pem) {
  auto key = DecodeKey(pem, KeyKind::kPrivate, "signing key PEM");
  if (!key.ok()) return key.status();
  return SigningKey(std::move(key).value());
}

Status SigningKey::WritePrivatePemFile(const std::filesystem::path& path) const {
  // A secure-memory BIO wipes the encoded key when it is freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::Internal("cannot encode the private key: " + TakeOpenSslError());
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);

  // O_EXCL also refuses a symlink planted at `path`.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Status::AlreadyExists(path.string() + ": already exists; a key file is never replaced");
    }
    return KeyFileStatus("cannot create the key file", path, errno);
  }
  // The umask may only clear bits; fchmod makes the mode exact regardless.
  Status status = fchmod(fd, 0600) == 0 ? WriteAll(fd, data, static_cast<size_t>(size), path)
                                        : KeyFileStatus("cannot set mode 0600", path, errno);
  if (status.ok() && fsync(fd) != 0) status = KeyFileStatus("cannot sync the key file", path, errno);
  if (close(fd) != 0 && status.ok()) status = KeyFileStatus("cannot close the key file", path, errno);
  if (!status.ok()) unlink(path.c_str());
  return status;
}

std::string SigningKey::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) Fatal("cannot encode the public key");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string SigningKey::KeyId() const { return KeyIdOf(key_.get()); }

Result<std::string> SigningKey::Sign(std::string_view message) const {
  // Ed25519 hashes the message itself (PureEdDSA), so no digest is named and
  // the whole message goes in one call.
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(kSignatureSize, '\0');
  size_t size = signature.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, Bytes(message),
                     message.size()) != 1) {
    return Status::Internal("Ed25519 signing failed: " + TakeOpenSslError());
  }
  if (size != kSignatureSize) return Status::Internal("Ed25519 signature has an unexpected size");
  return signature;
}

Result<VerifyKey> VerifyKey::LoadPemFile(const std::filesystem::path& path) {
  // Wiped too: a misplaced private key may be read here before it is refused.
  WipedString pem;
  if (Status s = ReadKeyFile(path, &pem.text); !s.ok()) return s;
  auto key = DecodeKey(pem.text, KeyKind::kPublic, path.string());
  if (!key.ok()) return key.status();
  return VerifyKey(std::move(key).value());
}

Result<VerifyKey> VerifyKey::FromPem(std::string_view pem) {
  auto key = DecodeKey(pem, KeyKind::kPublic, "verify key PEM");
  if (!key.ok()) return key.status();
  return VerifyKey(std::move(key).value());
}

std::string VerifyKey::KeyId() const { return KeyIdOf(key_.get()); }

bool VerifyKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(message), message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(Bytes(data), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    Fatal("SHA-256 failed");
  }
  return ToHex(digest, size);
}

}  // namespace ferry::crypto
