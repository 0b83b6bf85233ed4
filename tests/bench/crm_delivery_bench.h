#pragma once
// CRM delivery throughput: the same backlog of mapped customer records
// delivered to ferry-crm-sim's Salesforce once with sObject Collections
// (batches of up to 200) and once one request per record, with the CPU the
// control plane and the simulator used.

#include <map>
#include <string>

namespace ferry::testing {

// Adds deliver_per_s, deliver_single_per_s, deliver_batch_ratio and the
// CPU figures (cores busy on average while delivering) to `out`.
void MeasureCrmDelivery(bool quick, std::map<std::string, double>& out);

}  // namespace ferry::testing
