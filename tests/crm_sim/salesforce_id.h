#pragma once
// Salesforce-style record ids for the simulated org: 18 characters, the
// object's three-character key prefix first ("006" Opportunity, "04l" an
// outbound message notification), then a pod, a counter and the case-safe
// suffix. Clients may take the prefix to tell objects apart, so the
// simulator's ids keep it.

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::crm_sim {

// The 18-character id with key prefix `prefix` (three characters) and
// counter `n` (distinct ids for n below 62^5).
std::string SalesforceId(std::string_view prefix, uint64_t n);

}  // namespace ferry::crm_sim
