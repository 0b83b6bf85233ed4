#include "agent/sources/s4_odata/odata_page.h"

#include <date/date.h>
#include <boost/json.hpp>

#include <charconv>
#include <sstream>

namespace ferry::agent {
namespace {

namespace json = boost::json;

// Deeper answers are not what SAP sends (an entity with expanded
// navigations is a handful of levels deep).
constexpr size_t kMaxDepth = 32;

// The entity without OData's bookkeeping. Navigations are at most a few
// levels deep and the parser bounded the depth, so recursion here is
// bounded too.
json::value Cleaned(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    for (const auto& item : v.as_array()) out.push_back(Cleaned(item));
    return out;
  }
  if (!v.is_object()) return v;
  const json::object& o = v.as_object();
  if (o.size() == 1 && o.contains("results") && o.at("results").is_array()) return Cleaned(o.at("results"));
  json::object out;
  for (const auto& [name, member] : o) {
    if (name == "__metadata" || name.starts_with("@odata.")) continue;
    if (member.is_object() && member.as_object().contains("__deferred")) continue;
    out[name] = Cleaned(member);
  }
  return out;
}

std::string Text(const json::value* v) {
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  return json::serialize(*v);
}

}  // namespace

Result<int64_t> ODataTimeMs(std::string_view text) {
  if (text.starts_with("/Date(") && text.ends_with(")/")) {
    std::string_view digits = text.substr(6, text.size() - 8);
    const size_t offset = digits.find_first_of("+-", 1);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    if (ec == std::errc() && (end == digits.data() + digits.size() || offset != std::string_view::npos)) {
      // "+0000": the offset in minutes is informational; the ms are UTC.
      return ms;
    }
  } else if (text.starts_with("PT")) {
    int64_t total = 0, number = 0;
    bool digits = false;
    for (char c : text.substr(2)) {
      if (c >= '0' && c <= '9') {
        number = number * 10 + (c - '0');
        digits = true;
        if (number > 1'000'000) break;
        continue;
      }
      if (!digits || (c != 'H' && c != 'M' && c != 'S')) return Status::InvalidArgument("not an Edm.Time");
      total += number * (c == 'H' ? 3'600'000 : c == 'M' ? 60'000 : 1'000);
      number = 0;
      digits = false;
    }
    if (!digits) return total;
  } else if (text.size() >= 19 && text.size() <= 40) {
    std::istringstream in{std::string(text)};
    date::sys_time<std::chrono::milliseconds> tp;
    if (text.back() == 'Z' || text.size() == 19 || text.find_first_of("+-", 19) == std::string_view::npos) {
      in >> date::parse("%FT%T", tp);
    } else {
      in >> date::parse("%FT%T%Ez", tp);
    }
    if (!in.fail()) return tp.time_since_epoch().count();
  }
  return Status::InvalidArgument("not an OData date or time: '" + std::string(text.substr(0, 40)) + "'");
}

std::string IsoUtc(int64_t ms) {
  const date::sys_time<std::chrono::milliseconds> tp{std::chrono::milliseconds(ms)};
  return date::format("%FT%TZ", tp);
}

Result<ODataPage> ParseODataPage(std::string_view body, const ODataEntityShape& shape) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value root = json::parse(body, ec, {}, options);
  if (ec) return Status::InvalidArgument("the answer is not JSON: " + ec.message());
  if (!root.is_object()) return Status::InvalidArgument("the answer is not a JSON object");
  const json::array* results = nullptr;
  ODataPage page;
  if (const json::value* d = root.as_object().if_contains("d"); d && d->is_object()) {  // V2
    const json::value* r = d->as_object().if_contains("results");
    if (r && r->is_array()) results = &r->as_array();
    if (const json::value* next = d->as_object().if_contains("__next"); next && next->is_string()) {
      page.next_link = std::string(next->as_string());
    }
  } else if (const json::value* v = root.as_object().if_contains("value"); v && v->is_array()) {  // V4
    results = &v->as_array();
    if (const json::value* next = root.as_object().if_contains("@odata.nextLink"); next && next->is_string()) {
      page.next_link = std::string(next->as_string());
    }
  }
  if (results == nullptr) {
    return Status::InvalidArgument("the answer is no OData collection (neither d.results nor value)");
  }
  page.entities.reserve(results->size());
  for (size_t i = 0; i < results->size(); ++i) {
    const json::value& item = (*results)[i];
    const std::string which = "entity #" + std::to_string(i + 1);
    if (!item.is_object()) {
      page.skipped.push_back(which + " is not an object");
      continue;
    }
    const json::object& o = item.as_object();
    ODataEntity e;
    std::string missing;
    for (const std::string& field : shape.key_fields) {
      const std::string part = Text(o.if_contains(field));
      if (part.empty()) missing = field;
      e.key += (e.key.empty() ? "" : ",") + part;
    }
    if (!missing.empty() || e.key.size() > 200) {
      page.skipped.push_back(
          which + (missing.empty() ? " has a key longer than 200 characters" : " has no key field " + missing));
      continue;
    }
    auto time_of = [&](const std::string& field) -> int64_t {
      if (field.empty()) return 0;
      auto ms = ODataTimeMs(Text(o.if_contains(field)));
      return ms.ok() ? *ms : 0;
    };
    e.changed_ms = shape.changed_at.empty() ? time_of(shape.changed_date) +
                                                  (time_of(shape.changed_date) != 0 ? time_of(shape.changed_time) : 0)
                                            : time_of(shape.changed_at);
    if (!shape.deleted_when.empty()) {
      const json::value* flag = o.if_contains(shape.deleted_when);
      e.deleted = flag != nullptr && ((flag->is_bool() && flag->as_bool()) ||
                                      (flag->is_string() && (flag->as_string() == "X" || flag->as_string() == "true")));
    }
    e.payload = json::serialize(Cleaned(item));
    page.entities.push_back(std::move(e));
  }
  return page;
}

}  // namespace ferry::agent
