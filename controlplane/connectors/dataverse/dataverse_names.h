#pragma once
// Dataverse's names as Ferry checks them before they go into a URL, a key
// or a log: a table's logical name (salesorder, new_project) and an entity
// set's name (salesorders).

#include <algorithm>
#include <string_view>

namespace ferry::controlplane {

inline constexpr size_t kMaxDataverseNameBytes = 128;

// Lower-case letters, digits and '_' (a publisher's prefix: new_project).
inline bool IsDataverseLogicalName(std::string_view s) {
  return !s.empty() && s.size() <= kMaxDataverseNameBytes && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Letters, digits and '_'.
inline bool IsDataverseEntitySetName(std::string_view s) {
  return !s.empty() && s.size() <= kMaxDataverseNameBytes && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace ferry::controlplane
