#include "common/crypto/webhook_signature.h"

#include <openssl/crypto.h>

#include <charconv>

#include "common/crypto/hmac.h"

namespace ferry::crypto {

std::string SignWebhook(std::string_view secret, int64_t unix_seconds, std::string_view body,
                        std::string_view signed_prefix) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, t + "." + std::string(signed_prefix) + std::string(body));
}

Status CheckWebhookSignature(std::string_view header, std::string_view secret, std::string_view body,
                             int64_t now_unix_seconds, std::chrono::seconds tolerance, std::string_view signed_prefix) {
  std::string_view t, v1;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view part = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with("t=") && t.empty()) t = part.substr(2);
    if (part.starts_with("v1=") && v1.empty()) v1 = part.substr(3);
  }
  if (t.empty() || v1.empty()) return Status::Unauthenticated("X-Ferry-Signature needs t=<unix seconds>,v1=<hex>");
  int64_t signed_at = 0;
  const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), signed_at);
  if (error != std::errc() || end != t.data() + t.size() || t.size() > 12) {
    return Status::Unauthenticated("X-Ferry-Signature: t is not a time in unix seconds");
  }
  if (signed_at < now_unix_seconds - tolerance.count() || signed_at > now_unix_seconds + tolerance.count()) {
    return Status::Unauthenticated("X-Ferry-Signature: t is more than " + std::to_string(tolerance.count()) +
                                   " s from this server's clock (a replay, or a clock that is off)");
  }
  const std::string expected =
      HmacSha256Hex(secret, std::string(t) + "." + std::string(signed_prefix) + std::string(body));
  if (v1.size() != expected.size() || CRYPTO_memcmp(v1.data(), expected.data(), expected.size()) != 0) {
    return Status::Unauthenticated("X-Ferry-Signature does not match the body and the channel's secret");
  }
  return Status::Ok();
}

}  // namespace ferry::crypto
