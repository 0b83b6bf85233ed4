#include "common/doc/json_slice.h"

namespace ferry::doc {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// Just past the string whose opening quote is at `i`.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return s.size();
}

// Just past the value starting at `i`: nesting is counted, not recursed.
size_t SkipValue(std::string_view s, size_t i) {
  size_t depth = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      i = SkipString(s, i);
      if (depth == 0) return i;
      continue;
    }
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // the end of the enclosing container: a scalar ended before it
      if (--depth == 0) return i + 1;
    } else if (depth == 0 && (c == ',' || IsSpace(c))) {
      return i;  // the end of a number, true, false or null
    }
    ++i;
  }
  return i;
}

}  // namespace

std::optional<std::string_view> FirstElementOf(std::string_view json, std::string_view member) {
  size_t i = SkipSpace(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  i = SkipSpace(json, i + 1);
  while (i < json.size() && json[i] == '"') {
    const size_t key_end = SkipString(json, i);
    // Keys compare as written: "records" is never escaped.
    const std::string_view key = json.substr(i + 1, key_end - i - 2);
    i = SkipSpace(json, key_end);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    i = SkipSpace(json, i + 1);
    if (key == member) {
      if (i >= json.size() || json[i] != '[') return std::nullopt;
      const size_t first = SkipSpace(json, i + 1);
      if (first >= json.size() || json[first] == ']') return std::nullopt;
      return json.substr(first, SkipValue(json, first) - first);
    }
    i = SkipSpace(json, SkipValue(json, i));
    if (i < json.size() && json[i] == ',') i = SkipSpace(json, i + 1);
  }
  return std::nullopt;
}

}  // namespace ferry::doc
