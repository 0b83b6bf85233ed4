#include "tests/crm_sim/odata_key.h"

#include <cctype>

#include "common/util/ids.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace {

Status Malformed(std::string_view segment) {
  return Status::InvalidArgument("malformed key segment '" + std::string(segment.substr(0, 200)) + "'");
}

// A literal: 'quoted' (with '' for a quote) or bare; `pos` moves past it.
Result<std::string> Literal(std::string_view text, size_t& pos) {
  std::string out;
  if (pos < text.size() && text[pos] == '\'') {
    for (++pos; pos < text.size(); ++pos) {
      if (text[pos] != '\'') {
        out += text[pos];
      } else if (pos + 1 < text.size() && text[pos + 1] == '\'') {
        out += '\'';
        ++pos;
      } else {
        ++pos;  // the closing quote
        return out;
      }
    }
    return Status::InvalidArgument("unterminated quoted value");
  }
  while (pos < text.size() && text[pos] != ',') out += text[pos++];
  if (out.empty()) return Status::InvalidArgument("empty key value");
  return out;
}

}  // namespace

bool IsGuid(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  return IsUuidText(text);
}

Result<ODataKey> ParseKeySegment(std::string_view segment) {
  const size_t open = segment.find('(');
  if (open == std::string_view::npos || open == 0 || segment.back() != ')') return Malformed(segment);
  ODataKey key;
  key.entity_set = std::string(segment.substr(0, open));
  const std::string_view inner = segment.substr(open + 1, segment.size() - open - 2);
  size_t pos = 0;
  while (pos < inner.size()) {
    const size_t eq = inner.find('=', pos);
    const size_t quote = inner.find('\'', pos);
    if (eq == std::string_view::npos || (quote != std::string_view::npos && quote < eq)) {
      // No name: the primary key, alone.
      auto value = Literal(inner, pos);
      if (!value.ok() || !key.values.empty() || pos != inner.size() || !IsGuid(*value)) return Malformed(segment);
      key.id = Lower(value->size() == 38 ? value->substr(1, 36) : *value);
      return key;
    }
    std::string name(inner.substr(pos, eq - pos));
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(0, 1);
    pos = eq + 1;
    auto value = Literal(inner, pos);
    if (name.empty() || !value.ok()) return Malformed(segment);
    key.values.emplace_back(std::move(name), std::move(*value));
    if (pos < inner.size() && inner[pos] != ',') return Malformed(segment);
    if (pos < inner.size()) ++pos;
  }
  if (key.values.empty()) return Malformed(segment);
  return key;
}

Result<ODataKey> ParseEntityReference(std::string_view reference) {
  std::string_view ref = reference;
  if (const size_t api = ref.find("/api/data/"); api != std::string_view::npos) {
    ref = ref.substr(api + 10);
    const size_t slash = ref.find('/');  // past "v9.2/"
    if (slash == std::string_view::npos) return Malformed(reference);
    ref = ref.substr(slash + 1);
  }
  while (!ref.empty() && ref.front() == '/') ref.remove_prefix(1);
  return ParseKeySegment(PercentDecode(ref));
}

std::string KeyText(const ODataKey& key) {
  if (!key.id.empty()) return key.id;
  std::string out;
  for (const auto& [name, value] : key.values) {
    if (!out.empty()) out += ',';
    out += name + "='" + value + "'";
  }
  return out;
}

}  // namespace ferry::crm_sim
