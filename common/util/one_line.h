#pragma once
// A multi-line message (a compile error lists one problem per line) as one
// line for a key="value" log field or a table cell: newlines become "; ",
// carriage returns go, double quotes become single ones.

#include <string>
#include <string_view>

namespace ferry {

inline std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      out += "; ";
    } else {
      out += c == '"' ? '\'' : c;
    }
  }
  return out;
}

}  // namespace ferry
