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

std::string_view CredentialsOf(std::string_view header_value, std::string_view scheme) {
  if (header_value.size() <= scheme.size() || header_value[scheme.size()] != ' ' ||
      !std::equal(scheme.begin(), scheme.end(), header_value.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    return {};
  }
  std::string_view credentials = header_value.substr(scheme.size());
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  return credentials;
}

bool IsBasicAuthorization(std::string_view header_value, std::string_view user, std::string_view password) {
  const std::string_view given = CredentialsOf(header_value, "basic");
  if (given.empty()) return false;
  const std::string expected = BasicAuthorization(user, password).substr(6);  // after "Basic "
  return given.size() == expected.size() && CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace ferry::http
