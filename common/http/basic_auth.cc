#include "common/http/basic_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace ferry::http {

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  const std::string in = std::string(user) + ":" + std::string(password);
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return "Basic " + out;
}

bool IsBasicAuthorization(std::string_view header_value, std::string_view user, std::string_view password) {
  constexpr std::string_view kScheme = "basic ";
  if (header_value.size() < kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), header_value.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    return false;
  }
  std::string_view given = header_value.substr(kScheme.size());
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  const std::string expected = BasicAuthorization(user, password).substr(kScheme.size());
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ferry::http
