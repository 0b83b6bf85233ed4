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

std::optional<std::vector<JsonSlice>> MembersOf(std::string_view json) {
  size_t i = SkipSpace(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  std::vector<JsonSlice> members;
  i = SkipSpace(json, i + 1);
  while (i < json.size() && json[i] == '"') {
    const size_t key_end = SkipString(json, i);
    const std::string_view key = json.substr(i + 1, key_end - i - 2);
    i = SkipSpace(json, key_end);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    i = SkipSpace(json, i + 1);
    const size_t end = SkipValue(json, i);
    members.push_back({key, json.substr(i, end - i)});
    i = SkipSpace(json, end);
    if (i < json.size() && json[i] == ',') i = SkipSpace(json, i + 1);
  }
  return members;
}

std::optional<std::string_view> MemberOf(std::string_view json, std::string_view member) {
  const auto members = MembersOf(json);
  if (!members) return std::nullopt;
  // Keys compare as written: the members asked for are never escaped.
  for (const JsonSlice& m : *members) {
    if (m.key == member) return m.value;
  }
  return std::nullopt;
}

std::optional<std::string_view> FirstElementOf(std::string_view json, std::string_view member) {
  const std::optional<std::string_view> array = MemberOf(json, member);
  if (!array || array->empty() || array->front() != '[') return std::nullopt;
  const size_t first = SkipSpace(*array, 1);
  if (first >= array->size() || (*array)[first] == ']') return std::nullopt;
  return array->substr(first, SkipValue(*array, first) - first);
}

}  // namespace ferry::doc
