#include "agent/sources/s4_odata/s4_connection.h"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>

#include "common/http/basic_auth.h"
#include "common/util/utf8.h"

namespace ferry::agent {

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
  if (node.Has("gone_codes")) c.gone_codes = node.StringList("gone_codes");
  if (c.timeout < std::chrono::milliseconds(100)) node.Error("timeout", "must be at least 100ms");
  return c;
}

ODataService ReadODataService(config::ConfigNode& item) {
  ODataService s;
  s.name = item.RequiredString("service");
  if (!s.name.empty() && !IsODataName(s.name)) item.Error("service", "'" + s.name + "' is not an OData name");
  const int64_t version = item.Int("odata_version", 2, 2, 4);
  if (version == 3) item.Error("odata_version", "must be 2 or 4");
  s.v4 = version == 4;
  s.path = item.String("service_path", "");
  if (s.path.empty()) {
    if (s.v4)
      item.Error("service_path",
                 "an OData V4 service needs its path, e.g. /sap/opu/odata4/sap/<group>/srvd_a2x/sap/<service>/0001");
    s.path = "/sap/opu/odata/sap/" + s.name;
  } else {
    while (s.path.size() > 1 && s.path.back() == '/') s.path.pop_back();
    // Path segments only: no query, no escapes, nothing to climb out with.
    const bool plain = std::all_of(s.path.begin(), s.path.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '/' || c == '-' || c == '.';
    });
    if (!s.path.starts_with("/") || !plain || s.path.find("..") != std::string::npos || s.path.size() > 300) {
      item.Error("service_path", "must be an absolute path of letters, digits, '_', '-', '.' and '/'");
    }
  }
  return s;
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

std::chrono::milliseconds RetryAfter(const http::ClientResponse& res) {
  auto it = res.headers.find("retry-after");
  if (it == res.headers.end()) return std::chrono::milliseconds(0);
  char* end = nullptr;
  const long s = std::strtol(it->second.c_str(), &end, 10);
  return (end != it->second.c_str() && s > 0) ? std::chrono::seconds(std::min(s, 300L)) : std::chrono::seconds(0);
}

std::string GatewayMessage(const std::string& body) {
  // V2: "message":{"lang":"en","value":"…"}; V4: "message":"…".
  for (const std::string marker : {"\"value\":\"", "\"message\":\""}) {
    const size_t at = body.find(marker);
    if (at == std::string::npos) continue;
    const size_t from = at + marker.size();
    const size_t end = body.find('"', from);
    if (end != std::string::npos) return EscapeForLog(body.substr(from, std::min<size_t>(end - from, 300)));
  }
  return EscapeForLog(body.substr(0, 200));
}

bool SaysEntityIsGone(const http::ClientResponse& res, const std::vector<std::string>& gone_codes) {
  if (res.status != 404) return false;
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(res.body, ec);
  if (ec || !body.is_object()) return false;
  const boost::json::value* error = body.as_object().if_contains("error");
  const boost::json::value* code = error && error->is_object() ? error->as_object().if_contains("code") : nullptr;
  return code != nullptr && code->is_string() &&
         std::find(gone_codes.begin(), gone_codes.end(), std::string_view(code->get_string())) != gone_codes.end();
}

std::optional<std::string> ResolveLink(const S4Connection& connection, const std::string& from,
                                       const std::string& link) {
  std::string url;
  if (link.starts_with("http://") || link.starts_with("https://")) {
    url = link;
  } else if (link.starts_with("/")) {
    url = connection.url + link;
  } else {  // relative to the answer's URL (V4 allows it): its folder
    const std::string path = from.substr(0, from.find('?'));
    url = path.substr(0, path.rfind('/') + 1) + link;
  }
  // Nothing a URL does not hold, and nothing to climb out with.
  const bool plain = std::all_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f && c != '"' && c != '\\' && c != '<' && c != '>';
  });
  if (!plain || !url.starts_with(connection.url + "/") || url.find("/../") != std::string::npos) return std::nullopt;
  return WithClient(connection, std::move(url));
}

std::string WithClient(const S4Connection& connection, std::string url) {
  if (!connection.client.empty() && url.find("sap-client=") == std::string::npos) {
    url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("sap-client=") + connection.client;
  }
  return url;
}

}  // namespace ferry::agent
