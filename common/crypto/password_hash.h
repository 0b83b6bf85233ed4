#pragma once
// Password hashes for the console's local users: scrypt (RFC 7914) from
// OpenSSL with a random 16-byte salt. The cost is stored with each hash, so
// a higher cost later leaves existing hashes readable.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::crypto {

struct ScryptCost {
  uint32_t log2_n = 15;  // N = 32768: 32 MiB and tens of milliseconds per hash
  uint32_t r = 8;
  uint32_t p = 1;
};

struct PasswordHash {
  std::string salt;  // raw bytes
  std::string hash;  // raw bytes, 32
  ScryptCost cost;
};

// A new salt and the hash of `password` under it. Internal when OpenSSL
// fails or the cost is out of range (log2_n 10-20, r 1-32, p 1-16).
Result<PasswordHash> HashPassword(std::string_view password, ScryptCost cost = {});

// Whether `password` hashes to `stored` (compared in constant time).
bool VerifyPassword(std::string_view password, const PasswordHash& stored);

}  // namespace ferry::crypto
