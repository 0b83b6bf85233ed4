#include "controlplane/connectors/client_settings.h"

#include <filesystem>

#include "common/config/secret_file.h"
#include "common/http/basic_auth.h"

namespace ferry::controlplane {

std::filesystem::path SecretFileSetting(config::ConfigNode& node, const std::string& key, bool required) {
  const std::string file = required ? node.RequiredString(key) : node.String(key, "");
  if (!file.empty()) {
    auto secret = config::ReadSecretFile(file);
    if (!secret.ok()) node.Error(key, std::string(secret.status().message()));
  }
  return file;
}

http::Url RequiredUrlSetting(config::ConfigNode& node, const std::string& key) {
  const std::string text = node.RequiredString(key);
  if (text.empty()) return {};
  auto url = http::ParseUrl(text);
  if (!url.ok()) {
    node.Error(key, std::string(url.status().message()));
    return {};
  }
  return *url;
}

void ReadClientSettings(config::ConfigNode& node, http::HttpClientOptions& client,
                        std::chrono::milliseconds default_timeout) {
  client.request_timeout = node.Duration("timeout", default_timeout);
  if (client.request_timeout.count() < 100) node.Error("timeout", "must be at least 100ms");
  client.ca_file = node.String("ca_file", "");
  if (!client.ca_file.empty() && !std::filesystem::exists(client.ca_file)) {
    node.Error("ca_file", "cannot read '" + client.ca_file + "'");
  }
  client.proxy = node.String("https_proxy", "");
  if (!client.proxy.empty()) {
    auto url = http::ParseUrl(client.proxy);
    if (!url.ok() || url->tls) {
      node.Error("https_proxy", "expected http://HOST:PORT of a proxy that supports CONNECT");
    }
  }
  // Basic credentials for the proxy; the password file is read at each new
  // tunnel, so a rotated password needs no restart.
  const std::string proxy_user = node.String("https_proxy_user", "");
  if (!proxy_user.empty()) {
    if (client.proxy.empty()) node.Error("https_proxy_user", "needs https_proxy");
    if (proxy_user.find(':') != std::string::npos) node.Error("https_proxy_user", "cannot contain ':'");
    const std::filesystem::path password_file = SecretFileSetting(node, "https_proxy_password_file", true);
    client.proxy_authorization = [proxy_user, password_file]() -> Result<std::string> {
      auto password = config::ReadSecretFile(password_file);
      if (!password.ok()) return password.status();
      return http::BasicAuthorization(proxy_user, *password);
    };
  }
}

}  // namespace ferry::controlplane
