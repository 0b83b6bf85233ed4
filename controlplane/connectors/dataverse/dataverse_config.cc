#include "controlplane/connectors/dataverse/dataverse_config.h"
#include "controlplane/connectors/client_settings.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "controlplane/connectors/dataverse/dataverse_connector.h"

namespace ferry::controlplane {
namespace {

// "accounts, contacts" → {accounts, contacts}. Entity set names are
// identifiers; anything else is reported rather than sent in a URL.
void ParseEntitySets(config::ConfigNode& node, const std::string& key, std::set<std::string>& out) {
  const std::string text = node.String(key, "");
  std::string name;
  auto flush = [&] {
    if (name.empty()) return;
    const bool identifier = std::all_of(
        name.begin(), name.end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
    if (!identifier) node.Error(key, "'" + name + "' is not an entity set name (e.g. accounts)");
    out.insert(std::move(name));
    name.clear();
  };
  for (const char ch : text) {
    if (ch == ',' || ch == ' ' || ch == '\t') {
      flush();
    } else {
      name += ch;
    }
  }
  flush();
}

std::unique_ptr<ConnectorBuilder> ParseDataverseConfig(config::ConfigNode node) {
  DataverseConfig c;
  c.org_url = node.RequiredString("org_url");
  while (!c.org_url.empty() && c.org_url.back() == '/') c.org_url.pop_back();
  if (!c.org_url.empty()) {
    c.service_root = c.org_url + "/api/data/v9.2";
    auto url = http::ParseUrl(c.service_root);
    if (!url.ok()) {
      node.Error("org_url", std::string(url.status().message()));
    } else if (url->target.find('?') != std::string::npos) {
      node.Error("org_url", "expected the environment URL alone, such as https://acme.crm.dynamics.com");
    } else {
      c.api = *url;
    }
  }
  c.token_url = RequiredUrlSetting(node, "token_url");
  c.client_id = node.RequiredString("client_id");
  c.client_secret_file = SecretFileSetting(node, "client_secret_file", /*required=*/true);
  // A $batch holds at most 1000 operations, so more events than that could
  // never go in one request anyway.
  c.batch = static_cast<size_t>(node.Int("batch", 100, 1, 1000));
  ReadClientSettings(node, c.client, std::chrono::seconds(120));
  ParseEntitySets(node, "update_only_objects", c.update_only_objects);
  c.rate_per_s = node.Int("rate_per_s", 0, 0, 100000);
  return std::make_unique<BuilderFor<DataverseConnector, DataverseConfig>>(std::move(c));
}

}  // namespace

ConnectorFactory DataverseConnectorFactory() { return {"dataverse", &ParseDataverseConfig, /*reads=*/true}; }

}  // namespace ferry::controlplane
