#include "tests/crm_sim/dataverse_ops.h"

#include "common/util/ids.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;
using http::EmbeddedRequest;
using http::EmbeddedResponse;

namespace {

constexpr std::string_view kJsonType = "application/json; odata.metadata=minimal";
constexpr std::string_view kBindSuffix = "@odata.bind";

std::string Etag(const Record& record) { return "W/\"" + std::to_string(record.version) + "\""; }

EmbeddedResponse QuerySyntaxError() { return ODataError(400, "0x8006088a", "Bad Request - Error in query syntax."); }

EmbeddedResponse PayloadError(std::string_view entity_set, std::string_view reason) {
  return ODataError(400, "0x80048d19",
                    "Error identified in Payload provided by the user for Entity :'" + std::string(entity_set) +
                        "', For more information on this error please follow this help link "
                        "https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : "
                        "Microsoft.OData.ODataException: " +
                        std::string(reason));
}

EmbeddedResponse ValidationError(const EntitySetSpec& spec, const FieldViolation& v) {
  const std::string& entity = spec.logical_name;
  switch (v.kind) {
    case FieldViolation::Kind::kRequiredMissing:
      return ODataError(
          400, "0x80040203",
          "A value for the required column '" + v.field + "' of table '" + entity + "' was not provided, or is null.");
    case FieldViolation::Kind::kTooLong:
      return ODataError(400, "0x80044331",
                        "A validation error occurred. The length of the '" + v.field + "' attribute of the '" + entity +
                            "' entity exceeded the maximum allowed length of '" + std::to_string(v.max_length) + "'.");
    case FieldViolation::Kind::kBadPicklistValue:
      return ODataError(400, "0x80044331",
                        "A validation error occurred. The value " + v.value + " of '" + v.field +
                            "' on record of type '" + entity + "' is outside the valid range.");
    case FieldViolation::Kind::kUnknownField:
      break;
  }
  return PayloadError(spec.name, "The property '" + v.field + "' does not exist on type 'Microsoft.Dynamics.CRM." +
                                     entity +
                                     "'. Make sure to only use property names that are defined by the type or mark "
                                     "the type as open type.");
}

}  // namespace

EmbeddedResponse ODataError(int status, std::string_view code, std::string message) {
  EmbeddedResponse res;
  res.status = status;
  res.headers.Add("Content-Type", std::string(kJsonType));
  res.headers.Add("OData-Version", "4.0");
  res.body = json::serialize(json::object{{"error", {{"code", code}, {"message", std::move(message)}}}});
  return res;
}

std::string DataverseOps::NotExistMessage(const EntitySetSpec& spec, const ODataKey& key) {
  if (!key.id.empty()) return spec.logical_name + " With Id = " + key.id + " Does Not Exist";
  return "A record with the specified key values does not exist in " + spec.logical_name + " entity";
}

Result<DataverseOps::Target> DataverseOps::Resolve(std::string_view segment, EmbeddedResponse& error) {
  auto key = ParseKeySegment(segment);
  if (!key.ok()) {
    error = QuerySyntaxError();
    return key.status();
  }
  Target target;
  target.spec = schema_.Find(key->entity_set);
  if (!target.spec) {
    error = ODataError(404, "0x8006088a", "Resource not found for the segment '" + key->entity_set + "'.");
    return Status::NotFound(key->entity_set);
  }
  // Assumed: columns that are no active alternate key fail to parse against
  // the metadata, as malformed keys do.
  if (key->id.empty() && !target.spec->IsAlternateKey(key->values)) {
    error = QuerySyntaxError();
    return Status::InvalidArgument("not an alternate key");
  }
  if (!key->id.empty()) {
    target.record = store_.Get(target.spec->name, key->id);
  } else if (auto found = store_.Find(target.spec->name, key->values); !found.empty()) {
    target.record = found.front();
  }
  target.key = std::move(*key);
  return target;
}

EmbeddedResponse DataverseOps::Run(const EmbeddedRequest& op, const std::string& service_root) {
  const std::string segment = PercentDecode(PathOf(op.target));
  EmbeddedResponse res;
  if (segment.find('(') == std::string::npos) {
    if (!schema_.Find(segment))
      return ODataError(404, "0x8006088a", "Resource not found for the segment '" + segment + "'.");
    return ODataError(501, "0x80060888",
                      "The simulator implements only requests on a single row by key: " + op.method + " " + segment);
  }
  auto target = Resolve(segment, res);
  if (!target.ok()) return res;
  if (op.method == "PATCH") return Upsert(op, *target, service_root);
  if (op.method == "GET" || op.method == "DELETE") {
    if (!target->record) return ODataError(404, "0x80040217", NotExistMessage(*target->spec, target->key));
    if (op.method == "GET") return Representation(200, *target->spec, *target->record, service_root);
    store_.Delete(target->spec->name, target->record->id);
    res.status = 204;
    res.headers.Add("OData-Version", "4.0");
    return res;
  }
  return ODataError(405, "0x80060888", "The HTTP method '" + op.method + "' is not allowed on " + segment + ".");
}

bool DataverseOps::BindLookups(json::object& body, EmbeddedResponse& error) {
  std::vector<std::pair<std::string, std::string>> bound;  // "_lookup_value" → guid
  for (auto it = body.begin(); it != body.end();) {
    const std::string_view name = it->key();
    if (name.size() > kBindSuffix.size() && name.substr(name.size() - kBindSuffix.size()) == kBindSuffix) {
      const std::string nav(name.substr(0, name.size() - kBindSuffix.size()));
      auto ref = it->value().is_string() ? ParseEntityReference(it->value().get_string())
                                         : Result<ODataKey>(Status::InvalidArgument("not a string"));
      const EntitySetSpec* parent = ref.ok() ? schema_.Find(ref->entity_set) : nullptr;
      if (!ref.ok() || !parent || (ref->id.empty() && !parent->IsAlternateKey(ref->values))) {
        error = QuerySyntaxError();
        return false;
      }
      const Record* row = nullptr;
      if (!ref->id.empty()) {
        row = store_.Get(parent->name, ref->id);
      } else if (auto found = store_.Find(parent->name, ref->values); !found.empty()) {
        row = found.front();
      }
      if (!row) {
        error = ODataError(400, "0x80040217", NotExistMessage(*parent, *ref));
        return false;
      }
      // parentcustomerid_account → the lookup column parentcustomerid.
      std::string lookup = nav;
      const std::string suffix = "_" + parent->logical_name;
      if (lookup.size() > suffix.size() && lookup.substr(lookup.size() - suffix.size()) == suffix) {
        lookup.resize(lookup.size() - suffix.size());
      }
      bound.emplace_back("_" + lookup + "_value", row->id);
      it = body.erase(it);
    } else if (name.find('@') != std::string_view::npos) {
      it = body.erase(it);  // other instance annotations (@odata.type, …) carry no column
    } else {
      ++it;
    }
  }
  for (auto& [column, id] : bound) body[column] = id;
  return true;
}

EmbeddedResponse DataverseOps::Upsert(const EmbeddedRequest& op, Target& target, const std::string& service_root) {
  const EntitySetSpec& spec = *target.spec;
  const std::string_view if_match = op.headers.Get("If-Match");
  const std::string_view if_none_match = op.headers.Get("If-None-Match");
  if (if_none_match == "*" && target.record) {
    return ODataError(412, "0x80040237", "A record with matching key values already exists.");
  }
  if (!if_match.empty()) {
    if (!target.record) return ODataError(404, "0x80040217", NotExistMessage(spec, target.key));
    if (if_match != "*" && if_match != Etag(*target.record)) {
      return ODataError(412, "0x80060882",
                        "The version of the existing record doesn't match the RowVersion property provided.");
    }
  }
  auto parsed = ParseJsonBody(op.body);
  if (!parsed.ok() || !parsed->is_object()) {
    return PayloadError(spec.name, parsed.ok() ? "the entity must be a JSON object" : parsed.status().message());
  }
  json::object written = std::move(parsed->get_object());
  EmbeddedResponse error;
  if (!BindLookups(written, error)) return error;
  json::object merged = target.record ? target.record->fields : json::object{};
  for (const auto& [name, value] : written) merged[name] = value;
  for (const auto& [name, value] : target.key.values) merged[name] = value;
  if (auto violations = spec.rules.Validate(written, merged); !violations.empty()) {
    return ValidationError(spec, violations.front());
  }
  const bool created = target.record == nullptr;
  const Record* record = nullptr;
  if (created) {
    for (const auto& [name, value] : target.key.values) written[name] = value;  // the key becomes columns
    record = &store_.Create(spec.name, target.key.id.empty() ? NewEventId() : target.key.id, written);
  } else {
    record = &store_.Update(spec.name, target.record->id, written);
  }
  const std::string prefer = Lower(op.headers.Get("Prefer"));
  if (prefer.find("return=representation") != std::string::npos) {
    EmbeddedResponse res = Representation(created ? 201 : 200, spec, *record, service_root);
    res.headers.Add("Preference-Applied", "return=representation");
    return res;
  }
  EmbeddedResponse res;
  res.status = 204;
  res.headers.Add("OData-Version", "4.0");
  res.headers.Add("OData-EntityId", service_root + "/" + spec.name + "(" + record->id + ")");
  return res;
}

EmbeddedResponse DataverseOps::Representation(int status, const EntitySetSpec& spec, const Record& record,
                                              const std::string& service_root) const {
  json::object row{{"@odata.context", service_root + "/$metadata#" + spec.name + "/$entity"},
                   {"@odata.etag", Etag(record)},
                   {spec.PrimaryIdField(), record.id}};
  for (const auto& [name, value] : record.fields) row[name] = value;
  EmbeddedResponse res;
  res.status = status;
  res.headers.Add("Content-Type", std::string(kJsonType));
  res.headers.Add("OData-Version", "4.0");
  res.headers.Add("ETag", Etag(record));
  res.headers.Add("OData-EntityId", service_root + "/" + spec.name + "(" + record.id + ")");
  res.body = json::serialize(row);
  return res;
}

}  // namespace ferry::crm_sim
