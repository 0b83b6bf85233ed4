#pragma once
// Small text helpers shared by parsers of untrusted input (multipart
// headers, flow functions).

#include <string_view>

namespace ferry {

// `s` without the spaces and tabs at either end (other whitespace stays).
inline std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace ferry
