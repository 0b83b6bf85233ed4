#include "common/crypto/random.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace ferry::crypto {

namespace {

void Fill(void* out, size_t bytes) {
  if (RAND_bytes(static_cast<unsigned char*>(out), static_cast<int>(bytes)) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL");
  }
}

}  // namespace

uint64_t RandomU64() {
  uint64_t value = 0;
  Fill(&value, sizeof value);
  return value;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  Fill(raw.data(), bytes);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace ferry::crypto
