#include "controlplane/connectors/all_connectors.h"

#include "controlplane/connectors/dataverse/dataverse_config.h"
#include "controlplane/connectors/marketing_cloud/marketing_cloud_config.h"
#include "controlplane/connectors/salesforce/salesforce_config.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_config.h"
#include "controlplane/connectors/webhook/webhook_config.h"

namespace ferry::controlplane {

const std::vector<ConnectorFactory>& AllConnectors() {
  static const std::vector<ConnectorFactory> kConnectors = {
      DataverseConnectorFactory(),     MarketingCloudConnectorFactory(), SalesforceConnectorFactory(),
      SapSalesCloudConnectorFactory(), WebhookConnectorFactory(),
  };
  return kConnectors;
}

}  // namespace ferry::controlplane
