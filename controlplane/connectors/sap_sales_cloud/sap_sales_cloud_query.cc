#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/doc/json_slice.h"
#include "common/http/url_encoding.h"
#include "common/util/clock.h"

namespace ferry::controlplane::sap_sales_cloud {

namespace json = boost::json;

namespace {

constexpr size_t kMaxLookups = 4;
constexpr size_t kMaxPathSegments = 4;

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IsName(std::string_view s) {
  if (s.empty() || s.size() > 64 || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (const char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// "account-service/accounts": a service in lower case with hyphens, and
// its collection.
bool IsCollection(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  const std::string_view service = s.substr(0, slash);
  if (!std::islower(static_cast<unsigned char>(service[0])) || service.size() > 64) return false;
  for (const char c : service) {
    if (!std::islower(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return false;
    }
  }
  return IsName(s.substr(slash + 1));
}

// Query options go into the URL as they are: no spaces, fragments or
// characters a URL cannot hold unencoded.
bool IsQueryOptions(std::string_view s) {
  if (s.empty() || s.size() > 2048) return false;
  for (const char c : s) {
    if (c <= ' ' || c >= 0x7f || std::string_view("#\"<>\\^`{|}").find(c) != std::string_view::npos) return false;
  }
  return true;
}

std::vector<std::string> Split(std::string_view s, char by) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(by, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::optional<ReadLookup> ParseLookup(std::string_view text, std::string* error) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  if (words.size() != 4 || words[0] != "with" || words[2] != "from") {
    *error = "'" + std::string(text) + "' is not 'with <id path> from <service>/<collection>'";
    return std::nullopt;
  }
  ReadLookup lookup;
  lookup.id_path = Split(words[1], '/');
  const bool path_ok = lookup.id_path.size() >= 2 && lookup.id_path.size() <= kMaxPathSegments &&
                       std::all_of(lookup.id_path.begin(), lookup.id_path.end(), IsName);
  if (!path_ok) {
    *error = "'" + std::string(words[1]) + "' is not the path of an id in an object (e.g. account/partyId)";
    return std::nullopt;
  }
  if (!IsCollection(words[3])) {
    *error = "'" + std::string(words[3]) + "' is not <service>/<collection> (e.g. account-service/accounts)";
    return std::nullopt;
  }
  lookup.collection = std::string(words[3]);
  return lookup;
}

}  // namespace

std::optional<ReadSpec> ParseReadQuery(std::string_view query, std::string* error) {
  const std::vector<std::string> parts = Split(query, ';');
  ReadSpec spec;
  const std::string_view head = Trimmed(parts.front());
  const size_t question = head.find('?');
  spec.collection = std::string(head.substr(0, question));
  if (!IsCollection(spec.collection)) {
    *error = "'" + spec.collection + "' is not <service>/<collection> (e.g. sales-quote-service/salesQuotes)";
    return std::nullopt;
  }
  if (question != std::string_view::npos) {
    spec.options = std::string(head.substr(question + 1));
    if (!IsQueryOptions(spec.options)) {
      *error = "the query options must be URL text without spaces";
      return std::nullopt;
    }
  }
  if (parts.size() - 1 > kMaxLookups) {
    *error = "at most " + std::to_string(kMaxLookups) + " lookups";
    return std::nullopt;
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    auto lookup = ParseLookup(parts[i], error);
    if (!lookup) return std::nullopt;
    spec.lookups.push_back(std::move(*lookup));
  }
  return spec;
}

std::string CheckReadQuery(const std::string& query) {
  std::string error;
  return ParseReadQuery(query, &error) ? std::string() : error;
}

std::string ChangesTarget(std::string_view root, std::string_view collection, const ChangesQuery& q) {
  std::string filter = "adminData/updatedOn ge " + FormatIsoTimeMs(q.since_unix_ms);
  // In parentheses: an `or` in the channel's condition must not escape the time.
  if (!q.filter.empty()) filter += " and (" + q.filter + ")";
  return std::string(root) + "/" + std::string(collection) + "?$filter=" + http::PercentEncode(filter) +
         "&$orderby=" + http::PercentEncode("adminData/updatedOn asc,id asc") + "&$top=" + std::to_string(q.limit) +
         "&$skip=" + std::to_string(q.skip) + "&$select=" + http::PercentEncode("id,adminData");
}

bool IsEntityId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

std::optional<std::vector<ChangedRecord>> ChangedRecords(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  const json::object* o = !ec ? parsed.if_object() : nullptr;
  const json::value* value = o ? o->if_contains("value") : nullptr;
  if (value == nullptr || !value->is_array()) return std::nullopt;
  std::vector<ChangedRecord> records;
  for (const json::value& e : value->get_array()) {
    const json::object* entity = e.if_object();
    const json::value* id = entity ? entity->if_contains("id") : nullptr;
    const json::value* admin = entity ? entity->if_contains("adminData") : nullptr;
    const json::value* updated =
        admin != nullptr && admin->is_object() ? admin->get_object().if_contains("updatedOn") : nullptr;
    if (id == nullptr || !id->is_string() || !IsEntityId(id->get_string()) || updated == nullptr ||
        !updated->is_string()) {
      return std::nullopt;
    }
    const std::optional<int64_t> at = ParseIsoTimeMs(updated->get_string());
    if (!at) return std::nullopt;
    records.push_back({std::string(id->get_string()), *at});
  }
  return records;
}

std::string TextAt(std::string_view object, const std::vector<std::string>& path) {
  boost::system::error_code ec;
  json::value parsed = json::parse(object, ec);
  const json::value* at = ec ? nullptr : &parsed;
  for (const std::string& member : path) {
    const json::object* o = at ? at->if_object() : nullptr;
    at = o ? o->if_contains(member) : nullptr;
  }
  return at && at->is_string() ? std::string(at->get_string()) : std::string();
}

std::optional<std::string> CompletedAt(std::string_view record, const std::vector<std::string>& parent,
                                       std::string_view entity) {
  std::string_view target = record;
  for (const std::string& member : parent) {
    std::optional<std::string_view> next = doc::MemberOf(target, member);
    if (!next) return std::nullopt;
    target = *next;
  }
  const auto own = doc::MembersOf(target);
  const auto added = doc::MembersOf(entity);
  if (!own || !added || target.empty() || target.back() != '}') return std::nullopt;
  std::set<std::string_view> keys;
  for (const doc::JsonSlice& m : *own) keys.insert(m.key);
  std::string members;
  bool first = own->empty();
  for (const doc::JsonSlice& m : *added) {
    if (!keys.insert(m.key).second) continue;  // its own value stays
    if (!first) members += ',';
    first = false;
    members.append("\"").append(m.key).append("\":").append(m.value);
  }
  // `target` is a view into `record`: the members go before its brace.
  const size_t close = static_cast<size_t>(target.data() - record.data()) + target.size() - 1;
  std::string out(record.substr(0, close));
  out += members;
  out += record.substr(close);
  return out;
}

}  // namespace ferry::controlplane::sap_sales_cloud
