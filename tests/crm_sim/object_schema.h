#pragma once
// The field rules of one simulated object (an SObject, an entity set):
// required fields, maximum lengths, restricted picklists and, when strict,
// the only fields allowed. Each vendor words the violations its own way.
//
// Configured as JSON, merged into what is there:
//   {"required":["Name"], "max_length":{"Name":255},
//    "picklists":{"BillingCountryCode":"iso3166-alpha2", "Rating":["Hot","Cold"]},
//    "fields":["Phone"], "strict":false, "labels":{"Name":"Account Name"}}

#include <boost/json.hpp>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferry::crm_sim {

struct FieldViolation {
  enum class Kind { kRequiredMissing, kTooLong, kBadPicklistValue, kUnknownField };
  Kind kind;
  std::string field;  // as the schema names it (or as written, for kUnknownField)
  std::string value;  // the offending value (kTooLong, kBadPicklistValue)
  size_t max_length = 0;
};

class ObjectSchema {
 public:
  // With `ignore_case`, field names match regardless of case (Salesforce).
  explicit ObjectSchema(bool ignore_case = false) : ignore_case_(ignore_case) {}

  // InvalidArgument names the bad key; nothing is changed then.
  Status Merge(const boost::json::object& config);

  // Checks a write: `written` is the body, `merged` the record as it would
  // be after the write (required fields are checked there, so an update
  // need not repeat them; lengths and picklists only on what is written).
  std::vector<FieldViolation> Validate(const boost::json::object& written, const boost::json::object& merged) const;

  // A field's label for messages: the configured one, or its name.
  std::string Label(std::string_view field) const;
  // Declares extra allowed fields for strict mode (keys, lookups).
  void AllowField(std::string field) { fields_.insert(std::move(field)); }
  // Whether a record may have `field`: any field unless strict, else only
  // the fields the rules name. A read (a query) is refused what a write
  // would be.
  bool Allows(std::string_view field) const { return !strict_ || Known(field); }
  // Whether the rules name `field` (required, a length, a picklist, "fields"
  // or AllowField), strict or not.
  bool Declares(std::string_view field) const { return Known(field); }
  bool strict() const { return strict_; }
  bool ignore_case() const { return ignore_case_; }

 private:
  bool Known(std::string_view field) const;

  bool ignore_case_;
  bool strict_ = false;
  std::vector<std::string> required_;
  std::map<std::string, size_t> max_length_;
  std::map<std::string, std::set<std::string>> picklists_;
  std::set<std::string> fields_;
  std::map<std::string, std::string> labels_;
};

// A field of `object` by name, or null; case-insensitive when asked.
const boost::json::value* FindField(const boost::json::object& object, std::string_view name, bool ignore_case);

// ISO 3166-1 alpha-2 country codes: the "iso3166-alpha2" picklist.
const std::set<std::string>& Iso3166Alpha2();

}  // namespace ferry::crm_sim
