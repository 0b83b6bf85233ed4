#include "agent/sources/s4_events/s4_events_config.h"

#include <filesystem>

#include "agent/sources/s4_events/s4_events_source.h"

namespace ferry::agent {
namespace {

class S4EventsBuilder : public SourceBuilder {
 public:
  explicit S4EventsBuilder(S4EventsConfig config) : config_(std::move(config)) {}
  std::unique_ptr<Source> Build(const SourceContext& context) override {
    return std::make_unique<S4EventsSource>(context, config_);
  }

 private:
  S4EventsConfig config_;
};

std::unique_ptr<SourceBuilder> ParseS4Events(config::ConfigNode node) {
  S4EventsConfig c;
  if (auto address = node.ListenAddress("listen", "127.0.0.1:8301")) {
    c.host = address->host;
    c.port = address->port;
  }
  c.path = node.String("path", c.path);
  if (c.path.empty() || c.path.front() != '/') node.Error("path", "must start with '/', got '" + c.path + "'");
  c.max_body_bytes = node.Bytes("max_body", c.max_body_bytes);
  if (c.max_body_bytes < 1024) node.Error("max_body", "must be at least 1KiB");
  c.retry_after = std::chrono::duration_cast<std::chrono::seconds>(
      node.Duration("retry_after", std::chrono::duration_cast<std::chrono::milliseconds>(c.retry_after)));
  if (c.retry_after.count() < 1) node.Error("retry_after", "must be at least 1s");
  c.allowed_origins = node.StringList("allowed_origins");
  auto tls = node.Section("tls");
  c.tls_cert_file = tls.String("cert_file", "");
  c.tls_key_file = tls.String("key_file", "");
  c.tls_client_ca_file = tls.String("client_ca_file", "");
  if (c.tls_cert_file.empty() != c.tls_key_file.empty()) {
    tls.Error("key_file", "cert_file and key_file must be given together");
  }
  if (!c.tls_client_ca_file.empty() && c.tls_cert_file.empty()) {
    tls.Error("client_ca_file", "needs cert_file and key_file: client certificates come with HTTPS");
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
  if (node.Has("fetch")) {
    auto fetch = node.Section("fetch");
    c.fetch = ReadS4Connection(fetch);
    for (config::ConfigNode item : fetch.SectionList("entities")) {
      EventEntity e;
      e.type_prefix = item.RequiredString("type_prefix");
      e.service = ReadODataService(item);
      e.entity_set = item.RequiredString("entity_set");
      e.key_fields = item.StringList("key");
      e.expand = item.StringList("expand");
      e.deleted_when = item.String("deleted_when", "");
      if (!e.entity_set.empty() && !IsODataName(e.entity_set)) {
        item.Error("entity_set", "'" + e.entity_set + "' is not an OData name");
      }
      if (e.key_fields.empty()) item.Error("key", "name the event's data field(s) that hold the entity's key");
      for (const auto& nav : e.expand) {
        if (!IsNavigationPath(nav)) item.Error("expand", "'" + nav + "' is not a navigation path");
      }
      c.entities.push_back(std::move(e));
    }
    if (c.entities.empty()) fetch.Error("entities", "list the event types whose entity to read");
  } else {
    node.Section("fetch");
  }
  return std::make_unique<S4EventsBuilder>(std::move(c));
}

}  // namespace

SourceFactory S4EventsSourceFactory() { return {"s4_events", &ParseS4Events}; }

}  // namespace ferry::agent
