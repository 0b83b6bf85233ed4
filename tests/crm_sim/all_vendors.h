#pragma once
#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <vector>

#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

// Every simulated vendor, in one explicit list: a new vendor is its own
// files plus one line in all_vendors.cc. Vendors that call out (Salesforce's
// outbound messages, Dataverse's webhooks) do it on `executor`, the server's.
std::vector<std::unique_ptr<VendorSim>> AllVendors(boost::asio::any_io_executor executor);

}  // namespace ferry::crm_sim
