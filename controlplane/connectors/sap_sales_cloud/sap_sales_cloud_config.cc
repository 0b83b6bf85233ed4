#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_config.h"

#include "controlplane/connectors/client_settings.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"

#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_connector.h"

namespace ferry::controlplane {
namespace {

std::unique_ptr<ConnectorBuilder> ParseSapSalesCloudConfig(config::ConfigNode node) {
  SapSalesCloudConfig c;
  std::string base_url = node.RequiredString("base_url");
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  if (!base_url.empty()) {
    auto url = http::ParseUrl(base_url + "/sap/c4c/api/v1");
    if (!url.ok()) {
      node.Error("base_url", std::string(url.status().message()));
    } else {
      c.base = *url;
    }
  }
  const std::string auth = node.String("auth", "basic");
  if (auth == "oauth") {
    c.auth = SapSalesCloudConfig::Auth::kOAuth;
    c.token_url = RequiredUrlSetting(node, "token_url");
    c.client_id = node.RequiredString("client_id");
    c.client_secret_file = SecretFileSetting(node, "client_secret_file", /*required=*/true);
  } else {
    if (auth != "basic") node.Error("auth", "must be basic or oauth, not '" + auth + "'");
    c.user = node.RequiredString("user");
    if (c.user.find(':') != std::string::npos) node.Error("user", "HTTP Basic user names cannot contain ':'");
    c.password_file = SecretFileSetting(node, "password_file", /*required=*/true);
  }
  c.rate_per_s = node.Int("rate_per_s", 0, 0, 100000);
  ReadClientSettings(node, c.client, c.client.request_timeout);
  return std::make_unique<BuilderFor<SapSalesCloudConnector, SapSalesCloudConfig>>(std::move(c));
}

}  // namespace

ConnectorFactory SapSalesCloudConnectorFactory() {
  ConnectorFactory factory{"sap_sales_cloud", &ParseSapSalesCloudConfig};
  factory.reads = true;
  factory.lists_changes = true;
  factory.check_read_query = &sap_sales_cloud::CheckReadQuery;
  return factory;
}

}  // namespace ferry::controlplane
