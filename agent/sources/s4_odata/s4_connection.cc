#include "agent/sources/s4_odata/s4_connection.h"

#include <algorithm>
#include <filesystem>

#include "common/http/basic_auth.h"
#include "common/util/utf8.h"

namespace ferry::agent {

bool IsODataName(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool IsNavigationPath(const std::string& s) {
  size_t start = 0;
  for (;;) {
    const size_t slash = s.find('/', start);
    if (!IsODataName(s.substr(start, slash == std::string::npos ? std::string::npos : slash - start))) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

S4Connection ReadS4Connection(config::ConfigNode& node) {
  S4Connection c;
  c.url = node.RequiredString("url");
  const bool insecure = node.Bool("insecure", false);
  if (!c.url.empty()) {
    while (c.url.size() > 1 && c.url.back() == '/') c.url.pop_back();
    auto url = http::ParseUrl(c.url);
    if (!url.ok() || (url->target != "/" && !url->target.empty())) {
      node.Error("url", "must be http(s)://host[:port] of the S/4 system, without a path");
    } else if (!url->tls && !insecure) {
      node.Error("url", "must be https:// (plain http only with insecure: true)");
    }
  }
  c.client = node.String("client", "");
  if (!c.client.empty() && (c.client.size() != 3 || !std::all_of(c.client.begin(), c.client.end(), ::isdigit))) {
    node.Error("client", "must be three digits, e.g. \"100\"");
  }
  c.user = node.String("user", "");
  if (node.Has("password_file")) c.password = node.SecretFile("password_file");
  auto tls = node.Section("tls");
  c.ca_file = tls.String("ca_file", "");
  c.cert_file = tls.String("cert_file", "");
  c.key_file = tls.String("key_file", "");
  if (c.cert_file.empty() != c.key_file.empty()) tls.Error("key_file", "cert_file and key_file go together");
  for (const auto& [key, file] :
       {std::pair{"ca_file", c.ca_file}, std::pair{"cert_file", c.cert_file}, std::pair{"key_file", c.key_file}}) {
    if (!file.empty() && !std::filesystem::exists(file)) tls.Error(key, "file '" + file + "' does not exist");
  }
  if (c.user.empty() == c.cert_file.empty()) {
    node.Error("user", "log on with user and password_file, or with tls.cert_file and key_file (one of them)");
  }
  c.proxy = transport::ReadHttpsProxy(node);
  c.timeout = node.Duration("timeout", c.timeout);
  if (c.timeout < std::chrono::milliseconds(100)) node.Error("timeout", "must be at least 100ms");
  return c;
}

http::HttpClientOptions S4Connection::ClientOptions() const {
  http::HttpClientOptions options;
  options.connect_timeout = std::min(timeout, std::chrono::milliseconds(10000));
  options.request_timeout = timeout;
  options.ca_file = ca_file;
  options.cert_file = cert_file;
  options.key_file = key_file;
  options.user_agent = "ferry-agent";
  if (!proxy.empty()) {
    options.proxy = "http://" + proxy.address;
    if (!proxy.user.empty()) {
      const std::string value = http::BasicAuthorization(proxy.user, proxy.password);
      options.proxy_authorization = [value]() -> Result<std::string> { return value; };
    }
  }
  return options;
}

std::string S4Connection::Authorization() const { return user.empty() ? "" : http::BasicAuthorization(user, password); }

std::string GatewayMessage(const std::string& body) {
  const size_t at = body.find("\"value\":\"");
  if (at != std::string::npos) {
    const size_t end = body.find('"', at + 9);
    if (end != std::string::npos) return EscapeForLog(body.substr(at + 9, std::min<size_t>(end - at - 9, 300)));
  }
  return EscapeForLog(body.substr(0, 200));
}

}  // namespace ferry::agent
