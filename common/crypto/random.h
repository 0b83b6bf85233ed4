#pragma once
// Secrets from OpenSSL's random generator: session ids, CSRF and API
// tokens, and numbers a peer must not guess.

#include <cstddef>
#include <cstdint>
#include <string>

namespace ferry::crypto {

// `bytes` random bytes as lowercase hex (twice as many characters). Throws
// std::runtime_error when OpenSSL has no randomness to give, rather than
// hand out a guessable secret.
std::string RandomHex(size_t bytes);
// A random 64-bit number; throws as RandomHex does.
uint64_t RandomU64();

}  // namespace ferry::crypto
