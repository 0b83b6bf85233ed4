#include "agent/sources/idoc_http/idoc_http_config.h"

#include "agent/sources/idoc_http/idoc_http_source.h"

#include <boost/asio/ip/address.hpp>

#include <filesystem>

namespace ferry::agent {
namespace {

class IdocHttpBuilder : public SourceBuilder {
 public:
  explicit IdocHttpBuilder(IdocHttpConfig config) : config_(std::move(config)) {}
  std::unique_ptr<Source> Build(const SourceContext& context) override {
    return std::make_unique<IdocHttpSource>(context, config_);
  }

 private:
  IdocHttpConfig config_;
};

std::unique_ptr<SourceBuilder> Parse(config::ConfigNode node) {
  IdocHttpConfig c;
  if (auto address = node.ListenAddress("listen", "127.0.0.1:8300")) {
    c.host = address->host;
    c.port = address->port;
  }
  c.path = node.String("path", c.path);
  if (c.path.empty() || c.path.front() != '/') node.Error("path", "must start with '/', got '" + c.path + "'");
  c.max_body_bytes = node.Bytes("max_body", c.max_body_bytes);
  if (c.max_body_bytes < 1024) node.Error("max_body", "must be at least 1KiB");
  c.max_depth = static_cast<size_t>(node.Int("max_depth", static_cast<int64_t>(c.max_depth), 8, 10000));
  c.retry_after = std::chrono::duration_cast<std::chrono::seconds>(
      node.Duration("retry_after", std::chrono::duration_cast<std::chrono::milliseconds>(c.retry_after)));
  if (c.retry_after.count() < 1) node.Error("retry_after", "must be at least 1s");
  c.max_connections =
      static_cast<size_t>(node.Int("max_connections", static_cast<int64_t>(c.max_connections), 1, 100000));
  for (auto [key, value] : {std::pair{"idle_timeout", &c.idle_timeout}, std::pair{"header_timeout", &c.header_timeout},
                            std::pair{"body_timeout", &c.body_timeout}}) {
    *value = std::chrono::duration_cast<std::chrono::seconds>(
        node.Duration(key, std::chrono::duration_cast<std::chrono::milliseconds>(*value)));
    if (value->count() < 1) node.Error(key, "must be at least 1s");
  }
  auto tls = node.Section("tls");
  c.tls_cert_file = tls.String("cert_file", "");
  c.tls_key_file = tls.String("key_file", "");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty())
    tls.Error("key_file", "cert_file and key_file must be given together");
  c.tls_client_ca_file = tls.String("client_ca_file", "");
  c.tls_client_subjects = tls.StringList("client_subjects");
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    tls.Error("client_ca_file", "needs cert_file and key_file: client certificates come with HTTPS");
  }
  if (!c.tls_client_subjects.empty() && c.tls_client_ca_file.empty()) {
    tls.Error("client_subjects", "needs client_ca_file");
  }
  for (const auto& [key, file] : {std::pair{"cert_file", c.tls_cert_file}, std::pair{"key_file", c.tls_key_file},
                                  std::pair{"client_ca_file", c.tls_client_ca_file}}) {
    if (!file.empty() && !std::filesystem::exists(file)) tls.Error(key, "file '" + file + "' does not exist");
  }
  if (node.Has("basic_auth")) {
    auto auth = node.Section("basic_auth");
    c.basic_user = auth.RequiredString("user");
    c.basic_password = auth.SecretFile("password_file");
    if (!auth.Has("password_file")) auth.Error("password_file", "is required with basic_auth");
  } else {
    node.Section("basic_auth");
  }
  return std::make_unique<IdocHttpBuilder>(std::move(c));
}

}  // namespace

SourceFactory IdocHttpSourceFactory() { return {"idoc_http", &Parse}; }

}  // namespace ferry::agent
