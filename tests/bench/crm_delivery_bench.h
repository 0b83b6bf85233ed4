#pragma once
// CRM delivery throughput: the same backlog of mapped customer records
// delivered to ferry-crm-sim's Salesforce (sObject Collections, up to 200
// per request) and Dataverse ($batch, 100 per request), each once batched
// and once one request per record, with the CPU the control plane and the
// simulator used.

#include <map>
#include <string>

namespace ferry::testing {

// Adds deliver_per_s, deliver_single_per_s, deliver_batch_ratio and the
// CPU figures (cores busy on average while delivering) to `out`, for
// Salesforce as they are and for Dataverse prefixed dataverse_.
void MeasureCrmDelivery(bool quick, std::map<std::string, double>& out);

}  // namespace ferry::testing
