#pragma once
// HMAC-SHA256 (OpenSSL), for signing what Ferry sends so that receivers can
// check it came from Ferry and was not changed on the way.

#include <string>
#include <string_view>

namespace ferry::crypto {

// Lowercase hex of HMAC-SHA256(key, data).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace ferry::crypto
