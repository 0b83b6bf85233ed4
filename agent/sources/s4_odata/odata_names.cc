#include "agent/sources/s4_odata/odata_names.h"

#include <algorithm>
#include <cctype>

namespace ferry::agent {

bool IsODataName(const std::string& s) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool IsNavigationPath(const std::string& s) {
  size_t start = 0;
  for (;;) {
    const size_t slash = s.find('/', start);
    if (!IsODataName(s.substr(start, slash == std::string::npos ? std::string::npos : slash - start))) return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

}  // namespace ferry::agent
