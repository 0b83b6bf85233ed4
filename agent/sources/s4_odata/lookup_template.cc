#include "agent/sources/s4_odata/lookup_template.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "agent/sources/s4_odata/odata_names.h"
#include "common/http/url_encoding.h"

namespace ferry::agent {
namespace {

namespace json = boost::json;

constexpr size_t kMaxTemplate = 1000;

// Characters a template's own text may hold: OData's syntax, which goes
// into the URL as it is but for the space.
bool TemplateChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("_-.$()',=/&? {}").find(c) != std::string_view::npos;
}
std::string EncodedTemplateText(std::string_view text) {
  std::string out;
  for (char c : text) out += c == ' ' ? std::string("%20") : std::string(1, c);
  return out;
}

}  // namespace

std::optional<std::string> LookupFieldText(const json::object& item, std::string_view field) {
  const json::value* v = item.if_contains(field);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) {
    if (v->get_string().empty()) return std::nullopt;
    return std::string(v->get_string());
  }
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return std::nullopt;
}

std::string CheckLookupTemplate(const std::string& read) {
  if (read.empty()) return "name the resource to read, e.g. A_BusinessPartner('{BusinessPartnerPerson}')";
  if (read.size() > kMaxTemplate) return "is longer than 1000 characters";
  if (!std::all_of(read.begin(), read.end(), TemplateChar)) {
    return "may hold letters, digits, spaces and _ - . $ ( ) ' , = / & ? { } only";
  }
  if (read.front() == '/' || read.find("..") != std::string::npos || read.find("//") != std::string::npos) {
    return "must be a resource of the entity's own service (no leading '/', no '..')";
  }
  const size_t name_end = std::min(read.find_first_of("(/?"), read.size());
  if (!IsODataName(read.substr(0, name_end))) return "must start with an entity set's name";
  std::string lower = read;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.find("sap-client") != std::string::npos || lower.find("$format") != std::string::npos) {
    return "must not set sap-client or $format: the source sets them";
  }
  size_t fields = 0;
  for (size_t open = read.find('{'); open != std::string::npos; open = read.find('{', open + 1)) {
    const size_t close = read.find('}', open);
    if (close == std::string::npos) return "has a '{' without its '}'";
    if (!IsODataName(read.substr(open + 1, close - open - 1))) return "has a {…} that is not a field name";
    // Inside a literal: an odd number of quotes before it (a doubled quote
    // inside a literal counts two), one right before and one right after.
    const auto quotes_before = std::count(read.begin(), read.begin() + static_cast<std::ptrdiff_t>(open), '\'');
    if (open == 0 || read[open - 1] != '\'' || quotes_before % 2 == 0 || close + 1 >= read.size() ||
        read[close + 1] != '\'') {
      return "must quote each field: '{" + read.substr(open + 1, close - open - 1) + "}'";
    }
    ++fields;
  }
  if (std::count(read.begin(), read.end(), '}') != static_cast<std::ptrdiff_t>(fields))
    return "has a '}' without its '{'";
  if (fields == 0) return "names no field of the item ({Field}): it would read the same for every entity";
  return "";
}

std::optional<std::string> LookupPath(const std::string& read, const json::object& item) {
  std::string out;
  size_t from = 0;
  for (size_t open = read.find('{'); open != std::string::npos; open = read.find('{', from)) {
    const size_t close = read.find('}', open);
    out += EncodedTemplateText(std::string_view(read).substr(from, open - from));
    std::optional<std::string> value = LookupFieldText(item, std::string_view(read).substr(open + 1, close - open - 1));
    if (!value) return std::nullopt;
    std::string quoted;
    for (char c : *value) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    out += http::PercentEncode(quoted);
    from = close + 1;
  }
  out += EncodedTemplateText(std::string_view(read).substr(from));
  return out;
}

}  // namespace ferry::agent
