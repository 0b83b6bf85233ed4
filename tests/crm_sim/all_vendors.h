#pragma once
#include <memory>
#include <vector>

#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

// Every simulated vendor, in one explicit list: a new vendor is its own
// files plus one line in all_vendors.cc.
std::vector<std::unique_ptr<VendorSim>> AllVendors();

}  // namespace ferry::crm_sim
