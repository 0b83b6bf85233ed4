#include "tests/crm_sim/object_schema.h"

#include <algorithm>
#include <sstream>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace {

// Characters, not bytes: the vendors count text length in characters.
size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

Result<std::vector<std::string>> StringList(const boost::json::value& v, std::string_view key) {
  if (!v.is_array()) return Status::InvalidArgument(std::string(key) + " must be an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v.get_array()) {
    if (!e.is_string()) return Status::InvalidArgument(std::string(key) + " must be an array of strings");
    out.emplace_back(e.get_string());
  }
  return out;
}

}  // namespace

const boost::json::value* FindField(const boost::json::object& object, std::string_view name, bool ignore_case) {
  if (auto* v = object.if_contains(name)) return v;
  if (!ignore_case) return nullptr;
  for (const auto& [key, value] : object) {
    if (IEquals(key, name)) return &value;
  }
  return nullptr;
}

const std::set<std::string>& Iso3166Alpha2() {
  static const std::set<std::string> kCodes = [] {
    // The 249 officially assigned codes.
    std::istringstream in(
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY "
        "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
        "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR "
        "IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
        "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
        "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
        "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW");
    std::set<std::string> codes;
    for (std::string code; in >> code;) codes.insert(code);
    return codes;
  }();
  return kCodes;
}

Status ObjectSchema::Merge(const boost::json::object& config) {
  ObjectSchema next = *this;  // all or nothing
  for (const auto& [key, value] : config) {
    if (key == "required") {
      auto list = StringList(value, key);
      if (!list.ok()) return list.status();
      for (auto& f : *list) {
        if (std::find(next.required_.begin(), next.required_.end(), f) == next.required_.end()) {
          next.required_.push_back(f);
        }
      }
    } else if (key == "fields") {
      auto list = StringList(value, key);
      if (!list.ok()) return list.status();
      next.fields_.insert(list->begin(), list->end());
    } else if (key == "strict") {
      if (!value.is_bool()) return Status::InvalidArgument("strict must be true or false");
      next.strict_ = value.get_bool();
    } else if (key == "max_length" || key == "labels") {
      if (!value.is_object()) return Status::InvalidArgument(std::string(key) + " must be an object");
      for (const auto& [field, v] : value.get_object()) {
        if (key == "labels" && v.is_string()) {
          next.labels_[field] = std::string(v.get_string());
        } else if (key == "max_length" && v.is_int64() && v.get_int64() > 0) {
          next.max_length_[field] = static_cast<size_t>(v.get_int64());
        } else {
          return Status::InvalidArgument(std::string(key) + "." + std::string(field) + " has a bad value");
        }
      }
    } else if (key == "picklists") {
      if (!value.is_object()) return Status::InvalidArgument("picklists must be an object");
      for (const auto& [field, v] : value.get_object()) {
        if (v.is_string() && v.get_string() == "iso3166-alpha2") {
          next.picklists_[field] = Iso3166Alpha2();
        } else if (auto list = StringList(v, "picklists." + std::string(field)); list.ok()) {
          next.picklists_[field] = std::set<std::string>(list->begin(), list->end());
        } else {
          return Status::InvalidArgument("picklists." + std::string(field) +
                                         " must be \"iso3166-alpha2\" or an array of values");
        }
      }
    } else {
      return Status::InvalidArgument("unknown schema key '" + std::string(key) + "'");
    }
  }
  *this = std::move(next);
  return Status::Ok();
}

bool ObjectSchema::Known(std::string_view field) const {
  auto named = [&](std::string_view f) { return ignore_case_ ? IEquals(f, field) : f == field; };
  for (const auto& f : fields_) {
    if (named(f)) return true;
  }
  for (const auto& f : required_) {
    if (named(f)) return true;
  }
  for (const auto& [f, n] : max_length_) {
    if (named(f)) return true;
  }
  for (const auto& [f, values] : picklists_) {
    if (named(f)) return true;
  }
  return false;
}

std::vector<FieldViolation> ObjectSchema::Validate(const boost::json::object& written,
                                                   const boost::json::object& merged) const {
  using Kind = FieldViolation::Kind;
  std::vector<FieldViolation> out;
  if (strict_) {
    for (const auto& [name, value] : written) {
      if (!Known(name)) out.push_back({Kind::kUnknownField, std::string(name), {}, 0});
    }
  }
  for (const auto& field : required_) {
    const auto* v = FindField(merged, field, ignore_case_);
    if (!v || v->is_null() || (v->is_string() && v->get_string().empty())) {
      out.push_back({Kind::kRequiredMissing, field, {}, 0});
    }
  }
  for (const auto& [field, max] : max_length_) {
    const auto* v = FindField(written, field, ignore_case_);
    if (v && v->is_string() && Utf8Length(v->get_string()) > max) {
      out.push_back({Kind::kTooLong, field, std::string(v->get_string()), max});
    }
  }
  for (const auto& [field, values] : picklists_) {
    const auto* v = FindField(written, field, ignore_case_);
    if (!v || v->is_null()) continue;
    auto text = ScalarText(*v);
    if (!text || !values.count(*text)) out.push_back({Kind::kBadPicklistValue, field, text.value_or(""), 0});
  }
  return out;
}

std::string ObjectSchema::Label(std::string_view field) const {
  auto it = labels_.find(std::string(field));
  return it == labels_.end() ? std::string(field) : it->second;
}

}  // namespace ferry::crm_sim
