#include "tests/crm_sim/salesforce_upsert.h"

#include <optional>
#include <set>

#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

// Errors about the request rather than a record's fields carry no "fields"
// key in the documented REST shapes (401, 403, 404).
bool RequestLevel(const std::string& code) {
  static const std::set<std::string> kCodes = {"INVALID_SESSION_ID", "REQUEST_LIMIT_EXCEEDED", "NOT_FOUND",
                                               "METHOD_NOT_ALLOWED", "JSON_PARSER_ERROR",      "UNSUPPORTED_MEDIA_TYPE",
                                               "UNKNOWN_EXCEPTION",  "SERVER_UNAVAILABLE",     "EXCEEDED_ID_LIMIT"};
  return kCodes.count(code) > 0;
}

json::array Errors(const std::vector<SfError>& errors, std::string_view code_key, bool rest) {
  json::array out;
  for (const auto& e : errors) {
    json::object error{{"message", e.message}, {code_key, e.code}};
    if (!rest || !RequestLevel(e.code)) {
      json::array fields;
      for (const auto& f : e.fields) fields.push_back(json::string(f));
      error["fields"] = std::move(fields);
    }
    out.push_back(std::move(error));
  }
  return out;
}

std::string Shorten(const std::string& value) { return value.size() > 40 ? value.substr(0, 40) + "..." : value; }

}  // namespace

json::array RestErrors(const std::vector<SfError>& errors) { return Errors(errors, "errorCode", true); }
json::array ResultErrors(const std::vector<SfError>& errors) { return Errors(errors, "statusCode", false); }

std::vector<SfError> SalesforceWriter::CheckBodyKeys(const json::object& body, std::string_view key_field) {
  std::vector<SfError> errors;
  for (const auto& [name, value] : body) {
    if (IEquals(name, "Id")) {
      errors.push_back({"INVALID_FIELD", "The Id field should not be specified in the sobject data.", {}});
    } else if (IEquals(name, key_field)) {
      // Assumed wording; the documented rule is only "not in the body".
      errors.push_back({"INVALID_FIELD",
                        "The external ID field " + std::string(key_field) +
                            " should not be specified in the sobject data: its value comes from the URL.",
                        {std::string(key_field)}});
    }
  }
  return errors;
}

std::vector<SfError> SalesforceWriter::ResolveRelationships(std::string_view object, json::object& body) {
  std::vector<SfError> errors;
  std::vector<std::pair<std::string, std::string>> resolved;  // relationship name → lookup field = Id
  std::vector<std::string> lookup_fields;
  for (const auto& [name, value] : body) {
    if (!value.is_object() || IEquals(name, "attributes")) continue;
    const json::object& nested = value.get_object();
    std::string key_field;
    std::string key_value;
    int keys = 0;
    for (const auto& [k, v] : nested) {
      if (k == "attributes") continue;
      ++keys;
      key_field = std::string(k);
      key_value = ScalarText(v).value_or("");
    }
    const SfRelationship rel = schema_.Relationship(object, name, nested);
    if (keys != 1 || rel.parent_object.empty()) {
      errors.push_back({"INVALID_FIELD",
                        "Cannot resolve the relationship " + std::string(name) + " on " + std::string(object) +
                            ": it needs one external id field of a known parent object",
                        {}});
      continue;
    }
    if (!schema_.IsExternalId(rel.parent_object, key_field)) {
      errors.push_back(
          {"INVALID_FIELD",
           "Field name provided, " + key_field + " is not an External ID or indexed field for " + rel.parent_object,
           {}});
      continue;
    }
    auto parents = store_.Find(rel.parent_object, {{key_field, key_value}});
    if (parents.empty()) {
      errors.push_back({"INVALID_FIELD",
                        "Foreign key external ID: " + key_value + " not found for field " + key_field + " in entity " +
                            rel.parent_object,
                        {}});
    } else if (parents.size() > 1) {
      errors.push_back({"DUPLICATE_EXTERNAL_ID",
                        key_field + ": more than one record found for external id field: [" + parents[0]->id + ", " +
                            parents[1]->id + "]",
                        {}});
    } else {
      resolved.emplace_back(std::string(name), parents[0]->id);
      lookup_fields.push_back(rel.id_field);
    }
  }
  for (size_t i = 0; i < resolved.size(); ++i) {
    body.erase(resolved[i].first);
    body[lookup_fields[i]] = resolved[i].second;
  }
  return errors;
}

std::vector<SfError> SalesforceWriter::Validate(std::string_view object, const json::object& written,
                                                const json::object& merged) const {
  std::vector<SfError> errors;
  const SObjectSpec* spec = schema_.Find(object);
  if (!spec) return errors;  // undeclared objects take any field
  SfError missing{"REQUIRED_FIELD_MISSING", "", {}};
  for (const FieldViolation& v : spec->rules.Validate(written, merged)) {
    const std::string label = spec->rules.Label(v.field);
    switch (v.kind) {
      case FieldViolation::Kind::kRequiredMissing:
        missing.fields.push_back(v.field);
        break;
      case FieldViolation::Kind::kTooLong:
        errors.push_back({"STRING_TOO_LONG",
                          label + ": data value too large: " + Shorten(v.value) +
                              " (max length=" + std::to_string(v.max_length) + ")",
                          {v.field}});
        break;
      case FieldViolation::Kind::kBadPicklistValue:
        errors.push_back({"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                          label + ": bad value for restricted picklist field: " + v.value,
                          {v.field}});
        break;
      case FieldViolation::Kind::kUnknownField:
        errors.push_back({"INVALID_FIELD", "No such column '" + v.field + "' on sobject of type " + spec->name, {}});
        break;
    }
  }
  if (!missing.fields.empty()) {
    std::string list;
    for (const auto& f : missing.fields) list += (list.empty() ? "" : ", ") + f;
    missing.message = "Required fields are missing: [" + list + "]";
    errors.insert(errors.begin(), std::move(missing));
  }
  return errors;
}

UpsertOutcome SalesforceWriter::Upsert(std::string_view object, std::string_view key_field,
                                       const std::string& key_value, const json::object& body, bool update_only) {
  UpsertOutcome out;
  auto matches = Match(object, key_field, key_value);
  if (matches.size() > 1) {
    out.status = 300;
    for (const Record* r : matches) out.matches.push_back(r->id);
    std::string ids;
    for (const auto& id : out.matches) ids += (ids.empty() ? "" : ", ") + id;
    out.errors.push_back({"DUPLICATE_EXTERNAL_ID",
                          std::string(key_field) + ": more than one record found for external id field: [" + ids + "]",
                          {}});
    return out;
  }
  if (matches.empty() && (update_only || IsIdField(key_field))) {
    out.status = 404;
    out.errors.push_back({"NOT_FOUND", "The requested resource does not exist", {}});
    return out;
  }
  json::object written = body;
  out.errors = ResolveRelationships(object, written);
  if (out.errors.empty()) {
    json::object merged = matches.empty() ? json::object{} : matches[0]->fields;
    for (const auto& [k, v] : written) merged[k] = v;
    out.errors = Validate(object, written, merged);
  }
  if (!out.errors.empty()) {
    out.status = 400;
    return out;
  }
  if (matches.empty()) {
    written[key_field] = key_value;  // the key from the URL (or the record) becomes a field
    const Record& created = store_.Create(object, new_id_(object), written);
    out.id = created.id;
    out.status = 201;
    if (observer_ && observer_->Watches(object)) observer_->Written(object, created.id, nullptr, created.fields);
  } else {
    out.id = matches[0]->id;
    // Update changes the record in place: keep what it was for the observer.
    std::optional<json::object> before;
    if (observer_ && observer_->Watches(object)) before = matches[0]->fields;
    const Record& updated = store_.Update(object, out.id, written);
    out.status = 200;
    if (before) observer_->Written(object, updated.id, &*before, updated.fields);
  }
  return out;
}

UpsertOutcome SalesforceWriter::Create(std::string_view object, const json::object& body) {
  UpsertOutcome out;
  if (FindField(body, "Id", true)) {
    out.status = 400;
    out.errors.push_back({"INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", {"Id"}});
    return out;
  }
  json::object written = body;
  out.errors = ResolveRelationships(object, written);
  if (out.errors.empty()) out.errors = Validate(object, written, written);
  if (!out.errors.empty()) {
    out.status = 400;
    return out;
  }
  const Record& created = store_.Create(object, new_id_(object), written);
  out.id = created.id;
  out.status = 201;
  if (observer_ && observer_->Watches(object)) observer_->Written(object, created.id, nullptr, created.fields);
  return out;
}

}  // namespace ferry::crm_sim
