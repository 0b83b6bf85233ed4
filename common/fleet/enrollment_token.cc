#include "common/fleet/enrollment_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <stdexcept>

#include "common/transport/topics.h"
#include "common/util/hex.h"

namespace ferry::fleet {
namespace {

constexpr std::string_view kPrefix = "ferry1:";

bool IsHex64(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

EnrollmentToken EnrollmentToken::New(std::string agent_id, std::string ca_fingerprint) {
  unsigned char secret[32];
  if (RAND_bytes(secret, sizeof secret) != 1) throw std::runtime_error("no random bytes from OpenSSL");
  return {std::move(agent_id), ToHex(secret, sizeof secret), std::move(ca_fingerprint)};
}

Result<EnrollmentToken> EnrollmentToken::Parse(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return Status::InvalidArgument("not an enrollment token (it starts with \"ferry1:\")");
  }
  text.remove_prefix(kPrefix.size());
  const size_t first = text.find(':');
  const size_t second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos || text.find(':', second + 1) != std::string_view::npos) {
    return Status::InvalidArgument("an enrollment token has four parts separated by ':'");
  }
  EnrollmentToken token{std::string(text.substr(0, first)), std::string(text.substr(first + 1, second - first - 1)),
                        std::string(text.substr(second + 1))};
  if (!transport::topics::IsValidAgentId(token.agent_id)) {
    return Status::InvalidArgument("the token's agent id is not valid");
  }
  if (!IsHex64(token.secret)) return Status::InvalidArgument("the token's secret is not 64 hex digits");
  if (!IsHex64(token.ca_fingerprint)) {
    return Status::InvalidArgument("the token's CA fingerprint is not 64 hex digits");
  }
  return token;
}

std::string EnrollmentToken::Format() const {
  return std::string(kPrefix) + agent_id + ":" + secret + ":" + ca_fingerprint;
}

std::string EnrollmentToken::SecretHash() const {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), md);
  return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ferry::fleet
