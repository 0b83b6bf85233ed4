#include "common/http/url_encoding.h"

#include <cctype>

namespace ferry::http {
namespace {

void AppendEscaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

bool IsUnreserved(unsigned char c, bool keep_dot) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '~' || (keep_dot && c == '.');
}

}  // namespace

std::string PercentEncode(std::string_view value, bool keep_dot) {
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c, keep_dot)) {
      out += ch;
    } else {
      AppendEscaped(out, c);
    }
  }
  return out;
}

std::string FormEncode(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c, true)) {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      AppendEscaped(out, c);
    }
  }
  return out;
}

}  // namespace ferry::http
