#include "agent/sources/s4_odata/odata_keyset.h"

#include <boost/json/value.hpp>

#include <cstdio>
#include <optional>

namespace ferry::agent {
namespace {

namespace json = boost::json;

struct OrderField {
  std::string name;
  std::optional<ODataTimeType> time;  // none: a key field
  ODataKeyType key_type = ODataKeyType::kAuto;
};

std::vector<OrderField> OrderOf(const ODataEntityShape& shape) {
  std::vector<OrderField> out;
  if (!shape.changed_at.empty()) out.push_back({shape.changed_at, ODataTimeType::kDateTimeOffset});
  if (!shape.changed_date.empty()) out.push_back({shape.changed_date, ODataTimeType::kDate});
  if (!shape.changed_time.empty()) out.push_back({shape.changed_time, ODataTimeType::kTimeOfDay});
  for (size_t i = 0; i < shape.key_fields.size(); ++i) {
    out.push_back(
        {shape.key_fields[i], std::nullopt, i < shape.key_types.size() ? shape.key_types[i] : ODataKeyType::kAuto});
  }
  return out;
}

// The literal for `value`; "null" for null or a missing field.
Result<std::string> Literal(const json::value* value, const OrderField& field, bool v4) {
  if (value == nullptr || value->is_null()) return std::string("null");
  auto refuse = [&](const char* what) {
    return Status::InvalidArgument("cannot page past an entity whose " + field.name + " is not " + what);
  };
  if (!field.time) {
    std::optional<std::string> literal;
    if (value->is_int64() || value->is_uint64()) {
      const std::string digits =
          value->is_int64() ? std::to_string(value->get_int64()) : std::to_string(value->get_uint64());
      literal = KeyLiteral(digits, field.key_type, v4, /*number=*/true);
    } else if (value->is_string()) {
      literal = KeyLiteral(value->get_string(), field.key_type, v4);
    }
    if (!literal) return refuse(field.key_type == ODataKeyType::kGuid ? "a GUID" : "text or a whole number");
    return *literal;
  }
  if (!value->is_string()) return refuse("a date or time");
  auto ms = ODataTimeMs(value->get_string());
  const bool time_of_day = IsTimeOfDay(value->get_string());
  if (!ms.ok() || time_of_day != (*field.time == ODataTimeType::kTimeOfDay)) return refuse("a date or time");
  // V4 writes ISO text, and a service may keep more than milliseconds
  // (Edm.DateTimeOffset to 7 digits): the literal keeps the text's own
  // precision, or "gt" would match the page's last entity again. The text
  // was just read as a time, so it holds digits, '-', ':', '.', 'T' or ' ',
  // 'Z' and '+' only.
  const std::string_view text = value->get_string();
  if (v4 && !text.starts_with("/Date(") && !text.starts_with("PT")) {
    std::string literal(text);
    if (literal.size() > 10 && literal[10] == ' ') literal[10] = 'T';
    return literal;
  }
  return TimeLiteral(*ms, *field.time, v4);
}

}  // namespace

std::string TimeLiteral(int64_t ms, ODataTimeType type, bool v4) {
  if (type == ODataTimeType::kTimeOfDay) {
    const int64_t s = ms / 1000;
    char text[48];
    std::snprintf(text, sizeof text, v4 ? "%02lld:%02lld:%02lld" : "time'PT%02lldH%02lldM%02lldS'",
                  static_cast<long long>(s / 3600), static_cast<long long>(s / 60 % 60),
                  static_cast<long long>(s % 60));
    return text;
  }
  std::string iso = IsoUtc(ms);  // 2024-05-01T10:00:00.000Z
  if (type == ODataTimeType::kDateTimeOffset) return v4 ? iso : "datetimeoffset'" + iso + "'";
  if (v4) return iso.substr(0, 10);    // Edm.Date
  iso.pop_back();                      // Edm.DateTime has no zone
  if (ms % 1000 == 0) iso.resize(19);  // whole seconds, as SAP writes them
  return "datetime'" + iso + "'";
}

std::vector<std::string> OrderFields(const ODataEntityShape& shape) {
  std::vector<std::string> out;
  for (const OrderField& f : OrderOf(shape)) out.push_back(f.name);
  return out;
}

Result<std::string> AfterCondition(const json::object& entity, const ODataEntityShape& shape) {
  // (f1 after v1) or (f1 eq v1 and f2 after v2) or … : lexicographic order
  // over the order fields.
  std::string equal_so_far, out;
  for (const OrderField& field : OrderOf(shape)) {
    auto literal = Literal(entity.if_contains(field.name), field, shape.v4);
    if (!literal.ok()) return literal.status();
    const bool null = *literal == "null";
    const std::string after = field.name + (null ? " ne null" : " gt " + *literal);
    const std::string clause = equal_so_far.empty() ? after : "(" + equal_so_far + " and " + after + ")";
    out += (out.empty() ? "" : " or ") + clause;
    equal_so_far += (equal_so_far.empty() ? "" : " and ") + field.name + " eq " + *literal;
  }
  return out;
}

}  // namespace ferry::agent
