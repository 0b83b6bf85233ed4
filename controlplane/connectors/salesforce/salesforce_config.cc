#include "controlplane/connectors/salesforce/salesforce_config.h"
#include "controlplane/connectors/client_settings.h"

#include "controlplane/connectors/salesforce/salesforce_connector.h"

namespace ferry::controlplane {
namespace {

std::unique_ptr<ConnectorBuilder> ParseSalesforceConfig(config::ConfigNode node) {
  SalesforceConfig c;
  std::string login_url = node.RequiredString("login_url");
  while (!login_url.empty() && login_url.back() == '/') login_url.pop_back();
  if (!login_url.empty()) {
    auto url = http::ParseUrl(login_url + "/services/oauth2/token");
    if (!url.ok()) {
      node.Error("login_url", std::string(url.status().message()));
    } else {
      c.token_url = *url;
    }
  }
  c.client_id = node.RequiredString("client_id");
  c.client_secret_file = SecretFileSetting(node, "client_secret_file", /*required=*/true);
  c.api_version = node.String("api_version", c.api_version);
  if (c.api_version.find_first_not_of("0123456789.") != std::string::npos ||
      c.api_version.find('.') == std::string::npos) {
    node.Error("api_version", "expected a version such as 62.0");
  }
  c.batch = static_cast<size_t>(node.Int("batch", 200, 1, 200));
  ReadClientSettings(node, c.client, c.client.request_timeout);
  c.limit_backoff = node.Duration("limit_backoff", c.limit_backoff);
  if (c.limit_backoff.count() < 1000) node.Error("limit_backoff", "must be at least 1s");
  c.slow_down_delay = node.Duration("slow_down_delay", c.slow_down_delay);
  if (c.slow_down_delay.count() < 1) node.Error("slow_down_delay", "must be at least 1ms");
  const int64_t percent = node.Int("slow_down_at_percent", 90, 1, 100);
  c.slow_down_at = static_cast<double>(percent) / 100.0;
  c.rate_per_s = node.Int("rate_per_s", 0, 0, 100000);
  return std::make_unique<BuilderFor<SalesforceConnector, SalesforceConfig>>(std::move(c));
}

}  // namespace

ConnectorFactory SalesforceConnectorFactory() { return {"salesforce", &ParseSalesforceConfig, /*reads=*/true}; }

}  // namespace ferry::controlplane
