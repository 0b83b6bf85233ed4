#include "common/crypto/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace ferry::crypto {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

bool CostInRange(const ScryptCost& cost) {
  return cost.log2_n >= 10 && cost.log2_n <= 20 && cost.r >= 1 && cost.r <= 32 && cost.p >= 1 && cost.p <= 16;
}

Result<std::string> Scrypt(std::string_view password, std::string_view salt, const ScryptCost& cost, size_t out_bytes) {
  if (!CostInRange(cost)) return Status::Internal("scrypt cost out of range");
  const uint64_t n = uint64_t{1} << cost.log2_n;
  // scrypt needs 128 * N * r bytes (and 128 * r * p more); allow twice that.
  const uint64_t max_memory = 2 * (128 * n * cost.r + 128 * uint64_t{cost.r} * cost.p) + (1 << 20);
  std::string out(out_bytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                     n, cost.r, cost.p, max_memory, reinterpret_cast<unsigned char*>(out.data()), out.size()) != 1) {
    return Status::Internal("scrypt failed");
  }
  return out;
}

}  // namespace

Result<PasswordHash> HashPassword(std::string_view password, ScryptCost cost) {
  PasswordHash result;
  result.cost = cost;
  result.salt.resize(kSaltBytes);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(result.salt.data()), kSaltBytes) != 1) {
    return Status::Internal("no random bytes from OpenSSL");
  }
  auto hash = Scrypt(password, result.salt, cost, kHashBytes);
  if (!hash.ok()) return hash.status();
  result.hash = std::move(hash).value();
  return result;
}

bool VerifyPassword(std::string_view password, const PasswordHash& stored) {
  if (stored.hash.size() != kHashBytes) return false;
  auto hash = Scrypt(password, stored.salt, stored.cost, kHashBytes);
  return hash.ok() && CRYPTO_memcmp(hash->data(), stored.hash.data(), kHashBytes) == 0;
}

}  // namespace ferry::crypto
