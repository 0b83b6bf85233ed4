#include "tests/crm_sim/salesforce_id.h"

#include <cctype>

namespace ferry::crm_sim {

namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

}  // namespace

// Key prefix, pod, counter, and the suffix Salesforce computes so an id
// survives case-insensitive systems: one character per five, flagging the
// upper-case letters among them.
std::string SalesforceId(std::string_view prefix, uint64_t n) {
  std::string id = std::string(prefix) + "5g00000";
  std::string counter(5, '0');
  for (int i = 4; i >= 0; --i, n /= 62) counter[static_cast<size_t>(i)] = kBase62[n % 62];
  id += counter;
  for (size_t chunk = 0; chunk < 3; ++chunk) {
    int flags = 0;
    for (size_t j = 0; j < 5; ++j) {
      if (std::isupper(static_cast<unsigned char>(id[chunk * 5 + j]))) flags |= 1 << j;
    }
    id += "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[flags];
  }
  return id;
}

}  // namespace ferry::crm_sim
