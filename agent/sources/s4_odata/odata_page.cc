#include "agent/sources/s4_odata/odata_page.h"

#include <date/date.h>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <optional>

#include "agent/sources/s4_odata/odata_keyset.h"

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
    if (name == "__metadata" || name.find("@odata.") != std::string::npos) continue;  // V4 annotations too
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

namespace {

// Times Ferry accepts from S/4: years 1900 to 9999 (SAP's own range is
// 0001-9999; nothing before 1900 is a change time), so that no sum or
// calendar conversion below can overflow.
constexpr int64_t kMinMs = -2'208'988'800'000;   // 1900-01-01
constexpr int64_t kMaxMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999

// `n` digits at `s[at]` as a number, or -1.
int Digits(std::string_view s, size_t at, size_t n) {
  if (at + n > s.size()) return -1;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// "YYYY-MM-DDThh:mm:ss[.f…][Z|±hh:mm]", read by hand: every field is range
// checked before any arithmetic.
std::optional<int64_t> IsoMs(std::string_view t) {
  const int year = Digits(t, 0, 4), month = Digits(t, 5, 2), day = Digits(t, 8, 2);
  const int hour = Digits(t, 11, 2), minute = Digits(t, 14, 2), second = Digits(t, 17, 2);
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':' ||
      year < 1900 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year(year), date::month(static_cast<unsigned>(month)),
                                 date::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  size_t i = 19;
  int64_t ms = 0;
  if (i < t.size() && t[i] == '.') {
    int64_t scale = 100;
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      ms += (t[i] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_min = 0;
  if (i < t.size() && t[i] == 'Z') {
    ++i;
  } else if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
    const int oh = Digits(t, i + 1, 2), om = Digits(t, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || t[i + 3] != ':') return std::nullopt;
    offset_min = (t[i] == '+' ? 1 : -1) * (oh * 60 + om);
    i += 6;
  }
  if (i != t.size()) return std::nullopt;
  const int64_t days = date::sys_days(ymd).time_since_epoch().count();
  return days * 86'400'000 + (hour * 3600 + minute * 60 + second) * 1000LL + ms - offset_min * 60'000;
}

}  // namespace

Result<int64_t> ODataTimeMs(std::string_view text) {
  if (text.starts_with("/Date(") && text.ends_with(")/")) {
    std::string_view digits = text.substr(6, text.size() - 8);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    // "+0000" after the ms: the offset in minutes is informational; the ms are UTC.
    const std::string_view rest(end, static_cast<size_t>(digits.data() + digits.size() - end));
    const bool offset = rest.size() == 5 && (rest[0] == '+' || rest[0] == '-') && Digits(rest, 1, 4) >= 0;
    if (ec == std::errc() && (rest.empty() || offset) && ms >= kMinMs && ms <= kMaxMs) return ms;
  } else if (text.starts_with("PT")) {
    int64_t total = 0, number = 0;
    bool digits = false, overflow = false;
    for (char c : text.substr(2)) {
      if (c >= '0' && c <= '9') {
        number = number * 10 + (c - '0');
        digits = true;
        overflow |= number > 1'000'000;
        if (overflow) break;
        continue;
      }
      if (!digits || (c != 'H' && c != 'M' && c != 'S')) return Status::InvalidArgument("not an Edm.Time");
      total += number * (c == 'H' ? 3'600'000 : c == 'M' ? 60'000 : 1'000);
      number = 0;
      digits = false;
      overflow |= total > 2 * 86'400'000;  // a time of day: never more than a day, with room
      if (overflow) break;
    }
    if (!digits && !overflow) return total;
  } else if (IsTimeOfDay(text)) {  // V4 Edm.TimeOfDay hh:mm:ss[.fff]
    const int hour = Digits(text, 0, 2), minute = Digits(text, 3, 2), second = Digits(text, 6, 2);
    size_t i = 8;
    int64_t ms = 0;
    if (i < text.size() && text[i] == '.') {
      int64_t scale = 100;
      for (++i; i < text.size() && i < 20 && text[i] >= '0' && text[i] <= '9'; ++i) {
        ms += (text[i] - '0') * scale;
        scale /= 10;
      }
    }
    if (hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && i == text.size()) {
      return (hour * 3600 + minute * 60 + second) * 1000LL + ms;
    }
  } else if (text.size() == 10) {  // V4 Edm.Date
    if (auto ms = IsoMs(std::string(text) + "T00:00:00Z"); ms && *ms >= kMinMs && *ms <= kMaxMs) return *ms;
  } else if (auto ms = IsoMs(text); ms && *ms >= kMinMs && *ms <= kMaxMs) {
    return *ms;
  }
  return Status::InvalidArgument("not an OData date or time: '" + std::string(text.substr(0, 40)) + "'");
}

bool IsTimeOfDay(std::string_view text) {
  return text.starts_with("PT") || (text.size() >= 8 && text[2] == ':' && text[5] == ':');
}

std::string IsoUtc(int64_t ms) {
  const date::sys_time<std::chrono::milliseconds> tp{std::chrono::milliseconds(ms)};
  return date::format("%FT%TZ", tp);
}

namespace {

// One entity of an answer; InvalidArgument ("has no key field X") when it
// cannot be identified.
Result<ODataEntity> ReadEntity(const json::object& o, const ODataEntityShape& shape);

// The key fields an entity id names: "A_Set('1')" → {key: 1};
// "A_Set(Product='TG11',Plant='1010')" → each named field. Values are
// quoted text ('' for a quote) or bare; nullopt when it is no key
// predicate of the shape's fields.
std::optional<json::object> KeyOfId(std::string_view id, const ODataEntityShape& shape) {
  const size_t open = id.rfind('(');
  if (open == std::string_view::npos || !id.ends_with(")") || id.size() > 1000) return std::nullopt;
  std::string_view inner = id.substr(open + 1, id.size() - open - 2);
  json::object key;
  while (!inner.empty()) {
    std::string name;
    if (inner.front() != '\'' && inner.find('=') != std::string_view::npos &&
        inner.find('=') < inner.find_first_of("',")) {
      name = std::string(inner.substr(0, inner.find('=')));
      inner.remove_prefix(name.size() + 1);
    } else if (shape.key_fields.size() == 1 && key.empty()) {
      name = shape.key_fields[0];
    } else {
      return std::nullopt;
    }
    std::string value;
    if (!inner.empty() && inner.front() == '\'') {
      size_t i = 1;
      for (;; ++i) {
        if (i >= inner.size()) return std::nullopt;
        if (inner[i] == '\'') {
          if (i + 1 < inner.size() && inner[i + 1] == '\'') {
            value += '\'';
            ++i;
            continue;
          }
          break;
        }
        value += inner[i];
      }
      inner.remove_prefix(i + 1);
    } else {
      const size_t end = std::min(inner.find(','), inner.size());
      value = std::string(inner.substr(0, end));
      inner.remove_prefix(end);
    }
    if (std::find(shape.key_fields.begin(), shape.key_fields.end(), name) == shape.key_fields.end())
      return std::nullopt;
    key[name] = value;
    if (!inner.empty()) {
      if (inner.front() != ',') return std::nullopt;
      inner.remove_prefix(1);
    }
  }
  return key;
}

// A V4 delta answer's deleted entity: 4.01 marks it "@removed" and keeps
// its key fields; 4.0 sends {"@odata.context":"…$deletedEntity","id":
// "A_Set('1')","reason":…}. Read as its key fields, deleted.
std::optional<ODataEntity> ReadTombstone(const json::object& o, const ODataEntityShape& shape) {
  const json::value* context = o.if_contains("@odata.context");
  const bool deleted_entity = context != nullptr && context->is_string() &&
                              std::string_view(context->get_string()).find("$deletedEntity") != std::string_view::npos;
  if (!deleted_entity && !o.contains("@removed") && !o.contains("@odata.removed")) return std::nullopt;
  json::object fields;
  for (const std::string& field : shape.key_fields) {
    if (const json::value* v = o.if_contains(field)) fields[field] = *v;
  }
  if (fields.size() != shape.key_fields.size()) {
    const json::value* id = o.if_contains("id");
    if (id == nullptr || !id->is_string()) id = o.if_contains("@id");
    if (id == nullptr || !id->is_string()) id = o.if_contains("@odata.id");
    if (id == nullptr || !id->is_string()) return std::nullopt;
    auto key = KeyOfId(id->get_string(), shape);
    if (!key || key->size() != shape.key_fields.size()) return std::nullopt;
    fields = std::move(*key);
  }
  fields["@removed"] = json::object{{"reason", "deleted"}};
  auto e = ReadEntity(fields, shape);
  if (!e.ok()) return std::nullopt;
  e->deleted = true;
  return std::move(e).value();
}

Result<ODataEntity> ReadEntity(const json::object& o, const ODataEntityShape& shape) {
  ODataEntity e;
  std::string missing;
  for (const std::string& field : shape.key_fields) {
    const std::string part = Text(o.if_contains(field));
    if (part.empty()) missing = field;
    e.key += (e.key.empty() ? "" : ",") + part;
  }
  if (!missing.empty() || e.key.size() > 200) {
    return Status::InvalidArgument(missing.empty() ? "has a key longer than 200 characters"
                                                   : "has no key field " + missing);
  }
  auto time_of = [&](const std::string& field) -> int64_t {
    if (field.empty()) return 0;
    auto ms = ODataTimeMs(Text(o.if_contains(field)));
    return ms.ok() ? *ms : 0;
  };
  if (shape.changed_at.empty()) {
    const int64_t day = time_of(shape.changed_date);
    e.changed_ms = day == 0 ? 0 : day + time_of(shape.changed_time);
  } else {
    e.changed_ms = time_of(shape.changed_at);
  }
  if (o.contains("@removed") || o.contains("@odata.removed")) e.deleted = true;  // a V4 delta tombstone
  if (!e.deleted && !shape.deleted_when.empty()) {
    const json::value* flag = o.if_contains(shape.deleted_when);
    e.deleted = flag != nullptr && ((flag->is_bool() && flag->as_bool()) ||
                                    (flag->is_string() && (flag->as_string() == "X" || flag->as_string() == "true")));
  }
  e.payload = json::serialize(Cleaned(o));
  return e;
}

Result<json::value> ParseAnswer(std::string_view body, size_t max_depth = kMaxDepth) {
  json::parse_options options;
  options.max_depth = max_depth;
  boost::system::error_code ec;
  json::value root = json::parse(body, ec, {}, options);
  if (ec) return Status::InvalidArgument("the answer is not JSON: " + ec.message());
  if (!root.is_object()) return Status::InvalidArgument("the answer is not a JSON object");
  return root;
}

}  // namespace

Result<ODataEntity> ParseODataEntity(std::string_view body, const ODataEntityShape& shape) {
  auto root = ParseAnswer(body);
  if (!root.ok()) return root.status();
  const json::object* entity = &root->as_object();
  if (const json::value* d = entity->if_contains("d"); d && d->is_object()) entity = &d->as_object();  // V2
  if (entity->contains("results") || entity->contains("value")) {
    return Status::InvalidArgument("the answer is a collection, not one entity");
  }
  auto e = ReadEntity(*entity, shape);
  if (!e.ok()) return Status::InvalidArgument("the entity " + e.status().message());
  return e;
}

Result<ODataAnswer> ParseODataAnswer(std::string_view body, size_t max_depth) {
  auto root = ParseAnswer(body, max_depth);
  if (!root.ok()) return root.status();
  const json::object* o = &root->as_object();
  ODataAnswer answer;
  const json::value* results = nullptr;
  if (const json::value* d = o->if_contains("d"); d && d->is_object()) {  // V2
    o = &d->as_object();
    results = o->if_contains("results");
    if (const json::value* next = o->if_contains("__next"); next && next->is_string()) {
      answer.next_link = std::string(next->as_string());
    }
  } else {  // V4
    // A V4 collection is {"@odata.context":…,"value":[…]}; an entity has
    // its own members (one may be called "value", but not as the only one).
    const json::value* v = o->if_contains("value");
    const bool collection = v && v->is_array() && std::all_of(o->begin(), o->end(), [](const auto& member) {
                              return member.key() == "value" || member.key().starts_with("@");
                            });
    if (collection) results = v;
    if (const json::value* next = o->if_contains("@odata.nextLink"); collection && next && next->is_string()) {
      answer.next_link = std::string(next->as_string());
    }
  }
  if (results != nullptr && results->is_array()) {
    answer.value = Cleaned(*results);
  } else {
    answer.value = Cleaned(*o);
  }
  return answer;
}

Result<ODataPage> ParseODataPage(std::string_view body, const ODataEntityShape& shape) {
  auto parsed = ParseAnswer(body);
  if (!parsed.ok()) return parsed.status();
  const json::value& root = *parsed;
  const json::array* results = nullptr;
  ODataPage page;
  if (const json::value* d = root.as_object().if_contains("d"); d && d->is_object()) {  // V2
    const json::value* r = d->as_object().if_contains("results");
    if (r && r->is_array()) results = &r->as_array();
    if (const json::value* next = d->as_object().if_contains("__next"); next && next->is_string()) {
      page.next_link = std::string(next->as_string());
    }
    if (const json::value* delta = d->as_object().if_contains("__delta"); delta && delta->is_string()) {
      page.delta_link = std::string(delta->as_string());
    }
  } else if (const json::value* v = root.as_object().if_contains("value"); v && v->is_array()) {  // V4
    results = &v->as_array();
    if (const json::value* next = root.as_object().if_contains("@odata.nextLink"); next && next->is_string()) {
      page.next_link = std::string(next->as_string());
    }
    if (const json::value* delta = root.as_object().if_contains("@odata.deltaLink"); delta && delta->is_string()) {
      page.delta_link = std::string(delta->as_string());
    }
  }
  if (results == nullptr) {
    return Status::InvalidArgument("the answer is no OData collection (neither d.results nor value)");
  }
  page.entities.reserve(results->size());
  const json::object* last = nullptr;
  for (size_t i = 0; i < results->size(); ++i) {
    const json::value& item = (*results)[i];
    const std::string which = "entity #" + std::to_string(i + 1);
    if (!item.is_object()) {
      page.skipped.push_back(which + " is not an object");
      continue;
    }
    Result<ODataEntity> entity = Status::InvalidArgument("");
    if (auto tombstone = ReadTombstone(item.as_object(), shape)) {
      entity = std::move(*tombstone);
    } else {
      entity = ReadEntity(item.as_object(), shape);
    }
    if (!entity.ok()) {
      page.skipped.push_back(which + " " + entity.status().message());
      continue;
    }
    page.entities.push_back(std::move(entity).value());
    last = &item.as_object();
  }
  if (last != nullptr) {
    auto after = AfterCondition(*last, shape);
    if (after.ok()) page.after = std::move(after).value();
    page.after_missing = after.ok() ? "" : after.status().message();
  }
  return page;
}

}  // namespace ferry::agent
