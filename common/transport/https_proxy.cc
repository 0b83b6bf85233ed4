#include "common/transport/https_proxy.h"

#include "common/config/config_node.h"

namespace ferry::transport {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

std::string PercentEncoded(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out += {'%', kHex[byte >> 4], kHex[byte & 15]};
  }
  return out;
}

}  // namespace

std::string HttpsProxy::ForLibwebsockets() const {
  if (user.empty()) return address;
  return user + ":" + password + "@" + address;
}

std::string HttpsProxy::ForPaho() const {
  if (user.empty()) return address;
  return PercentEncoded(user) + ":" + PercentEncoded(password) + "@" + address;
}

std::string HttpsProxy::ForLogs() const {
  if (empty()) return "none";
  return user.empty() ? address : address + " (user " + user + ")";
}

HttpsProxy ReadHttpsProxy(config::ConfigNode& node) {
  HttpsProxy out;
  const std::string url = node.String("https_proxy", "");
  const std::string password = node.SecretFile("https_proxy_password_file");
  if (url.empty()) {
    if (!password.empty()) node.Error("https_proxy_password_file", "is set but https_proxy is not");
    return out;
  }
  if (url.rfind("http://", 0) != 0) {
    node.Error("https_proxy", "must be http://[user@]host:port (the proxy is asked with CONNECT; got '" + url + "')");
    return out;
  }
  std::string authority = url.substr(7);
  while (!authority.empty() && authority.back() == '/') authority.pop_back();
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) {
    out.user = authority.substr(0, at);
    authority.erase(0, at + 1);
    if (out.user.find(':') != std::string::npos) {
      node.Error("https_proxy", "must not hold a password: put it in https_proxy_password_file");
    }
    if (out.user.empty()) node.Error("https_proxy", "has an '@' but no user before it");
  }
  const size_t colon = authority.rfind(':');
  if (authority.empty() || colon == std::string::npos || colon + 1 == authority.size() ||
      authority.find('/') != std::string::npos) {
    node.Error("https_proxy", "must name the proxy as host:port (got '" + url + "')");
  }
  out.address = authority;
  if (!password.empty() && out.user.empty()) {
    node.Error("https_proxy_password_file", "needs a user in https_proxy (http://user@host:port)");
  }
  out.password = password;
  return out;
}

}  // namespace ferry::transport
