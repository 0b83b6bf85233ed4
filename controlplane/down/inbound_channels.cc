// The list of inbound channel kinds (docs/down.md "In at the control plane").

#include "controlplane/down/dataverse_webhook_channel.h"
#include "controlplane/down/inbound_channel.h"
#include "controlplane/down/modified_since_poll_channel.h"
#include "controlplane/down/salesforce_flow_callout_channel.h"
#include "controlplane/down/salesforce_outbound_channel.h"
#include "controlplane/down/sap_cloud_event_channel.h"
#include "controlplane/down/signed_webhook_channel.h"

namespace ferry::controlplane {

const std::vector<InboundChannelFactory>& InboundChannelFactories() {
  static const std::vector<InboundChannelFactory> kinds = {
      SignedWebhookChannelFactory(),    SalesforceOutboundChannelFactory(), SalesforceFlowCalloutChannelFactory(),
      DataverseWebhookChannelFactory(), ModifiedSincePollChannelFactory(),  SapCloudEventChannelFactory(),
  };
  return kinds;
}

}  // namespace ferry::controlplane
