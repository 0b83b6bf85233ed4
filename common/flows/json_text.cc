#include "common/flows/json_text.h"

namespace ferry::flows {

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void AppendJsonValue(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kText:
      AppendJsonString(out, v.text);
      return;
    case Value::Kind::kNumber:
      out += v.number.ToString();
      return;
    case Value::Kind::kBool:
      out += v.boolean ? "true" : "false";
      return;
    case Value::Kind::kList:
      out += '[';
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i > 0) out += ',';
        AppendJsonValue(out, v.list[i]);
      }
      out += ']';
      return;
  }
}

std::string JsonQuoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

namespace {

// Index just past the JSON string starting at `i` (a quote), or npos.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Index just past the JSON value starting at `i`, or npos.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '[' || s[i] == '{') {
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        i = SkipString(s, i);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (c == '[' || c == '{') ++depth;
      if (c == ']' || c == '}') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
  return i;
}

}  // namespace

std::vector<JsonMember> TopLevelMembers(std::string_view s) {
  std::vector<JsonMember> out;
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return {};
  size_t i = 1;
  while (i < s.size() - 1) {
    if (s[i] != '"') return {};
    const size_t key_end = SkipString(s, i);
    if (key_end == std::string_view::npos || key_end >= s.size() || s[key_end] != ':') return {};
    const size_t value_end = SkipValue(s, key_end + 1);
    if (value_end == std::string_view::npos) return {};
    out.push_back({s.substr(i + 1, key_end - i - 2), s.substr(key_end + 1, value_end - key_end - 1)});
    i = value_end;
    if (i < s.size() - 1 && s[i] == ',') ++i;
  }
  return out;
}

}  // namespace ferry::flows
