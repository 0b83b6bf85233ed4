#pragma once
// Salesforce ids (records, organizations, notifications, actions): 15
// case-sensitive or 18 case-insensitive letters and digits. Nothing else
// is put into a SOQL query's quotes or taken from a notification.

#include <algorithm>
#include <cctype>
#include <string_view>

namespace ferry::controlplane {

inline bool IsSalesforceId(std::string_view id) {
  return (id.size() == 15 || id.size() == 18) &&
         std::all_of(id.begin(), id.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace ferry::controlplane
