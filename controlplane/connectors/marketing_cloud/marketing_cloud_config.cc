#include "controlplane/connectors/marketing_cloud/marketing_cloud_config.h"
#include "controlplane/connectors/client_settings.h"

#include "controlplane/connectors/marketing_cloud/marketing_cloud_connector.h"

namespace ferry::controlplane {
namespace {

std::unique_ptr<ConnectorBuilder> ParseMarketingCloudConfig(config::ConfigNode node) {
  MarketingCloudConfig c;
  std::string auth_url = node.RequiredString("auth_url");
  while (!auth_url.empty() && auth_url.back() == '/') auth_url.pop_back();
  if (!auth_url.empty()) {
    auto url = http::ParseUrl(auth_url + "/v2/token");
    if (!url.ok()) {
      node.Error("auth_url", std::string(url.status().message()));
    } else {
      c.token_url = *url;
    }
  }
  c.client_id = node.RequiredString("client_id");
  c.client_secret_file = SecretFileSetting(node, "client_secret_file", /*required=*/true);
  c.account_id = node.String("account_id", "");
  if (c.account_id.find_first_not_of("0123456789") != std::string::npos) {
    node.Error("account_id", "expected the MID, a number such as 514000123");
  }
  c.batch = static_cast<size_t>(node.Int("batch", 100, 1, 1000));
  c.rate_per_s = node.Int("rate_per_s", 0, 0, 100000);
  ReadClientSettings(node, c.client, c.client.request_timeout);
  return std::make_unique<BuilderFor<MarketingCloudConnector, MarketingCloudConfig>>(std::move(c));
}

}  // namespace

ConnectorFactory MarketingCloudConnectorFactory() { return {"marketing_cloud", &ParseMarketingCloudConfig}; }

}  // namespace ferry::controlplane
