#include "controlplane/connectors/webhook/webhook_config.h"
#include "controlplane/connectors/client_settings.h"

#include "controlplane/connectors/webhook/webhook_connector.h"

namespace ferry::controlplane {
namespace {

std::unique_ptr<ConnectorBuilder> ParseWebhookConfig(config::ConfigNode node) {
  WebhookConfig c;
  c.url_text = node.RequiredString("url");
  if (!c.url_text.empty()) {
    auto url = http::ParseUrl(c.url_text);
    if (!url.ok())
      node.Error("url", url.status().message());
    else
      c.url = *url;
  }
  ReadClientSettings(node, c.client, c.client.request_timeout);
  c.signing_secret_file = SecretFileSetting(node, "signing_secret_file", /*required=*/false);
  return std::make_unique<BuilderFor<WebhookConnector, WebhookConfig>>(std::move(c));
}

}  // namespace

ConnectorFactory WebhookConnectorFactory() { return {"webhook", &ParseWebhookConfig}; }

}  // namespace ferry::controlplane
