#include "agent/sources/s4_odata/odata_literal.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "common/util/ids.h"

namespace ferry::agent {
namespace {

// A whole number in Edm.Int64's range (Edm.Int32's and smaller types' are
// within it; S/4 checks their own range).
bool IsWholeNumber(std::string_view v) {
  int64_t n = 0;
  auto [at, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return !v.empty() && ec == std::errc() && at == v.data() + v.size();
}

}  // namespace

std::vector<ODataKeyType> ReadKeyTypes(config::ConfigNode& item, size_t key_count) {
  const std::vector<std::string> names = item.StringList("key_types");
  if (names.empty()) return std::vector<ODataKeyType>(key_count, ODataKeyType::kAuto);
  if (names.size() != key_count) item.Error("key_types", "give one type per key field, in the key's order");
  std::vector<ODataKeyType> types;
  for (const std::string& name : names) {
    if (name == "string") {
      types.push_back(ODataKeyType::kString);
    } else if (name == "guid") {
      types.push_back(ODataKeyType::kGuid);
    } else if (name == "int") {
      types.push_back(ODataKeyType::kInt);
    } else if (name == "int64") {
      types.push_back(ODataKeyType::kInt64);
    } else {
      item.Error("key_types", "'" + name + "' is none of string, guid, int, int64");
      types.push_back(ODataKeyType::kAuto);
    }
  }
  types.resize(key_count, ODataKeyType::kAuto);
  return types;
}

std::optional<std::string> KeyLiteral(std::string_view value, ODataKeyType type, bool v4, bool number) {
  if (type == ODataKeyType::kAuto) type = number ? ODataKeyType::kInt : ODataKeyType::kString;
  switch (type) {
    case ODataKeyType::kGuid:
      if (!IsUuidText(value)) return std::nullopt;
      return v4 ? std::string(value) : "guid'" + std::string(value) + "'";
    case ODataKeyType::kInt:
    case ODataKeyType::kInt64:
      if (!IsWholeNumber(value)) return std::nullopt;
      return std::string(value) + (type == ODataKeyType::kInt64 && !v4 ? "L" : "");
    default: {
      std::string out = "'";
      for (char c : value) {
        out += c;
        if (c == '\'') out += '\'';
      }
      return out + "'";
    }
  }
}

}  // namespace ferry::agent
