#include "controlplane/alerts/alert_channels.h"

#include "controlplane/alerts/email_channel.h"
#include "controlplane/alerts/webhook_channel.h"

namespace ferry::controlplane {

std::vector<std::unique_ptr<AlertChannel>> BuildAlertChannels(boost::asio::any_io_executor executor,
                                                              const AlertsOptions& options) {
  std::vector<std::unique_ptr<AlertChannel>> channels;
  for (const auto& webhook : options.webhooks) channels.push_back(std::make_unique<WebhookChannel>(executor, webhook));
  if (options.email) channels.push_back(std::make_unique<EmailChannel>(executor, *options.email));
  return channels;
}

}  // namespace ferry::controlplane
