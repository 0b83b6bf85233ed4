#include "tests/crm_sim/dataverse_ops.h"

#include <algorithm>
#include <optional>

#include "common/util/ids.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;
using http::EmbeddedRequest;
using http::EmbeddedResponse;

namespace {

constexpr std::string_view kJsonType = "application/json; odata.metadata=minimal";
constexpr std::string_view kBindSuffix = "@odata.bind";

EmbeddedResponse DuplicateKeyError() {
  return ODataError(412, "0x80040237", "A record with matching key values already exists.");
}

// A $select or $expand the simulator refuses: 400, or 501 for what it does
// not implement.
EmbeddedResponse QueryOptionError(const Status& status) {
  return ODataError(status.code() == StatusCode::kFailedPrecondition ? 501 : 400, "0x80060888", status.message());
}

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
  const auto query = ParseRowQuery(QueryOf(op.target));
  if (!query.ok()) return QueryOptionError(query.status());
  EmbeddedResponse res;
  if (segment.find('(') == std::string::npos) {
    const EntitySetSpec* spec = schema_.Find(segment);
    if (!spec) return ODataError(404, "0x8006088a", "Resource not found for the segment '" + segment + "'.");
    if (op.method != "POST") {
      return ODataError(
          501, "0x80060888",
          "The simulator implements only creates and requests on a single row by key: " + op.method + " " + segment);
    }
    if (Status checked = reader_.Check(*spec, *query); !checked.ok()) return QueryOptionError(checked);
    return Create(op, *spec, *query, service_root);
  }
  if (segment.back() != ')' && segment.find(")/") != std::string::npos) {
    return ODataError(
        501, "0x80060888",
        "The simulator implements no paths below a row (navigation properties, $ref): " + segment.substr(0, 200));
  }
  auto target = Resolve(segment, res);
  if (!target.ok()) return res;
  if (Status checked = reader_.Check(*target->spec, *query); !checked.ok()) return QueryOptionError(checked);
  if (op.method == "PATCH") return Upsert(op, *target, *query, service_root);
  if (op.method == "GET" || op.method == "DELETE") {
    if (!target->record) return ODataError(404, "0x80040217", NotExistMessage(*target->spec, target->key));
    if (op.method == "GET") return Representation(200, *target->spec, *target->record, *query, service_root);
    store_.Delete(target->spec->name, target->record->id);
    res.status = 204;
    res.headers.Add("OData-Version", "4.0");
    return res;
  }
  return ODataError(405, "0x80060888", "The HTTP method '" + op.method + "' is not allowed on " + segment + ".");
}

bool DataverseOps::BindLookups(const EntitySetSpec& spec, json::object& body, std::vector<BoundLookup>& bound,
                               EmbeddedResponse& error) {
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
      const LookupNavigation* declared = spec.Lookup(nav);
      if (declared && declared->entity_set != parent->name) {
        error = PayloadError(spec.name, "The navigation property '" + nav + "' binds a row of " + declared->entity_set +
                                            ", not of " + parent->name + ".");
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
      std::string column;
      if (declared) {
        column = declared->column;
      } else {  // undeclared: parentcustomerid_account → the lookup column parentcustomerid
        column = nav;
        const std::string suffix = "_" + parent->logical_name;
        if (column.size() > suffix.size() && column.substr(column.size() - suffix.size()) == suffix) {
          column.resize(column.size() - suffix.size());
        }
      }
      bound.push_back({std::move(column), parent->logical_name, row->id});
      it = body.erase(it);
    } else if (name.find('@') != std::string_view::npos) {
      it = body.erase(it);  // other instance annotations (@odata.type, …) carry no column
    } else {
      ++it;
    }
  }
  for (const auto& lookup : bound) body["_" + lookup.column + "_value"] = lookup.id;
  return true;
}

bool DataverseOps::ReadWriteBody(const EmbeddedRequest& op, const EntitySetSpec& spec, std::string& id,
                                 json::object& columns, std::vector<BoundLookup>& bound, EmbeddedResponse& error) {
  auto parsed = ParseJsonBody(op.body);
  if (!parsed.ok() || !parsed->is_object()) {
    error = PayloadError(spec.name, parsed.ok() ? "the entity must be a JSON object" : parsed.status().message());
    return false;
  }
  columns = std::move(parsed->get_object());
  if (!BindLookups(spec, columns, bound, error)) return false;
  // The primary key column names the row: the record id, never a column.
  const std::string primary = spec.PrimaryIdField();
  if (auto it = columns.find(primary); it != columns.end()) {
    const json::value& given = it->value();
    if (!given.is_string() || !IsGuid(given.get_string())) {
      error = PayloadError(spec.name, "Cannot convert the value of '" + primary + "' to the expected type 'Edm.Guid'.");
      return false;
    }
    std::string guid = Lower(given.get_string());
    if (guid.size() == 38) guid = guid.substr(1, 36);  // {…}
    if (!id.empty() && guid != id) {
      error = PayloadError(
          spec.name, "The value of '" + primary + "' is " + guid + ", but the request addresses the row " + id + ".");
      return false;
    }
    id = std::move(guid);
    columns.erase(it);
  }
  return true;
}

bool DataverseOps::AlternateKeyTaken(const EntitySetSpec& spec, const json::object& columns, std::string_view id) {
  for (const auto& key : spec.keys) {
    KeyValues values;
    for (const auto& column : key) {
      const json::value* value = columns.if_contains(column);
      std::optional<std::string> text = value ? ScalarText(*value) : std::nullopt;
      if (!text) break;
      values.emplace_back(column, std::move(*text));
    }
    if (values.size() != key.size()) continue;  // the write does not give this key whole
    for (const Record* row : store_.Find(spec.name, values)) {
      if (row->id != id) return true;
    }
  }
  return false;
}

EmbeddedResponse DataverseOps::Create(const EmbeddedRequest& op, const EntitySetSpec& spec, const RowQuery& query,
                                      const std::string& service_root) {
  std::string id;
  json::object written;
  std::vector<BoundLookup> bound;
  EmbeddedResponse error;
  if (!ReadWriteBody(op, spec, id, written, bound, error)) return error;
  if ((!id.empty() && store_.Get(spec.name, id)) || AlternateKeyTaken(spec, written, id)) return DuplicateKeyError();
  if (auto violations = spec.rules.Validate(written, written); !violations.empty()) {
    return ValidationError(spec, violations.front());
  }
  const Record& record = store_.Create(spec.name, id.empty() ? NewEventId() : id, written);
  Announce("Create", spec, record, written, std::move(bound), service_root);
  return WriteAnswer(op, /*created=*/true, spec, record, query, service_root);
}

EmbeddedResponse DataverseOps::Upsert(const EmbeddedRequest& op, Target& target, const RowQuery& query,
                                      const std::string& service_root) {
  const EntitySetSpec& spec = *target.spec;
  const std::string_view if_match = op.headers.Get("If-Match");
  const std::string_view if_none_match = op.headers.Get("If-None-Match");
  if (if_none_match == "*" && target.record) return DuplicateKeyError();
  if (!if_match.empty()) {
    if (!target.record) return ODataError(404, "0x80040217", NotExistMessage(spec, target.key));
    if (if_match != "*" && if_match != RowEtag(*target.record)) {
      return ODataError(412, "0x80060882",
                        "The version of the existing record doesn't match the RowVersion property provided.");
    }
  }
  std::string id = target.record ? target.record->id : target.key.id;
  json::object written;
  std::vector<BoundLookup> bound;
  EmbeddedResponse error;
  if (!ReadWriteBody(op, spec, id, written, bound, error)) return error;
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
    // Created by alternate key with a primary key in the body: that GUID may be taken.
    if ((!id.empty() && store_.Get(spec.name, id)) || AlternateKeyTaken(spec, written, id)) return DuplicateKeyError();
    record = &store_.Create(spec.name, id.empty() ? NewEventId() : id, written);
  } else {
    record = &store_.Update(spec.name, target.record->id, written);
  }
  Announce(created ? "Create" : "Update", spec, *record, written, std::move(bound), service_root);
  return WriteAnswer(op, created, spec, *record, query, service_root);
}

void DataverseOps::Announce(std::string_view message, const EntitySetSpec& spec, const Record& record,
                            const json::object& columns, std::vector<BoundLookup> bound,
                            const std::string& service_root) {
  if (!observer_) return;
  DataverseWrite write;
  write.message = std::string(message);
  write.spec = &spec;
  write.id = record.id;
  write.row_version = record.version;
  for (const auto& [name, value] : columns) {
    const bool is_bound = std::any_of(
        bound.begin(), bound.end(), [&](const BoundLookup& lookup) { return name == "_" + lookup.column + "_value"; });
    if (!is_bound) write.columns[name] = value;
  }
  write.lookups = std::move(bound);
  write.service_root = service_root;
  observer_->Written(write);
}

EmbeddedResponse DataverseOps::WriteAnswer(const EmbeddedRequest& op, bool created, const EntitySetSpec& spec,
                                           const Record& record, const RowQuery& query,
                                           const std::string& service_root) {
  const std::string prefer = Lower(op.headers.Get("Prefer"));
  if (prefer.find("return=representation") != std::string::npos) {
    EmbeddedResponse res = Representation(created ? 201 : 200, spec, record, query, service_root);
    res.headers.Add("Preference-Applied", "return=representation");
    return res;
  }
  EmbeddedResponse res;
  res.status = 204;
  res.headers.Add("OData-Version", "4.0");
  res.headers.Add("OData-EntityId", service_root + "/" + spec.name + "(" + record.id + ")");
  return res;
}

EmbeddedResponse DataverseOps::Representation(int status, const EntitySetSpec& spec, const Record& record,
                                              const RowQuery& query, const std::string& service_root) {
  EmbeddedResponse res;
  res.status = status;
  res.headers.Add("Content-Type", std::string(kJsonType));
  res.headers.Add("OData-Version", "4.0");
  res.headers.Add("ETag", RowEtag(record));
  res.headers.Add("OData-EntityId", service_root + "/" + spec.name + "(" + record.id + ")");
  res.body = SerializeWithDecimals(reader_.Read(spec, record, query, service_root));
  return res;
}

}  // namespace ferry::crm_sim
