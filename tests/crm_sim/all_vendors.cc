#include "tests/crm_sim/all_vendors.h"

#include <utility>

#include "tests/crm_sim/dataverse_sim.h"
#include "tests/crm_sim/marketing_cloud_sim.h"
#include "tests/crm_sim/salesforce_sim.h"
#include "tests/crm_sim/sap_sales_cloud_sim.h"

namespace ferry::crm_sim {

std::vector<std::unique_ptr<VendorSim>> AllVendors(boost::asio::any_io_executor executor) {
  std::vector<std::unique_ptr<VendorSim>> vendors;
  vendors.push_back(std::make_unique<SalesforceSim>(executor));
  vendors.push_back(std::make_unique<DataverseSim>(executor));
  vendors.push_back(std::make_unique<MarketingCloudSim>());
  vendors.push_back(std::make_unique<SapSalesCloudSim>(std::move(executor)));
  return vendors;
}

}  // namespace ferry::crm_sim
