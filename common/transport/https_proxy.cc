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

// The URL as an error message may show it: no credentials.
std::string Redacted(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t from = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t at = url.rfind('@');
  if (at == std::string::npos || at < from) return url;
  return url.substr(0, from) + "***@" + url.substr(at + 1);
}

// host:port, [IPv6]:port; the port 1-65535.
bool IsHostAndPort(const std::string& authority) {
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::string host = authority.substr(0, colon);
  if (host.front() == '[' ? host.back() != ']' || host.size() < 3 : host.find_first_of(":/[]") != std::string::npos) {
    return false;
  }
  const std::string port = authority.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const int value = std::stoi(port);
  return value >= 1 && value <= 65535;
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
    node.Error("https_proxy",
               "must be http://[user@]host:port (the proxy is asked with CONNECT; got '" + Redacted(url) + "')");
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
  if (!IsHostAndPort(authority)) {
    node.Error("https_proxy", "must name the proxy as host:port (got '" + Redacted(url) + "')");
  }
  out.address = authority;
  if (!password.empty() && out.user.empty()) {
    node.Error("https_proxy_password_file", "needs a user in https_proxy (http://user@host:port)");
  }
  out.password = password;
  return out;
}

}  // namespace ferry::transport
