// The entity operations of the simulated SAP Sales Cloud V2: collection
// reads with the query options of sap_sales_cloud_query.h, reads by id,
// create, merge-patch update and delete under ETag preconditions, and the
// adminData the server stamps on every write. Paths, bodies and query
// options follow SAP's published V2 specs; the rules marked assumed in
// sap_sales_cloud_sim.h are the simulator's own.

#include <algorithm>

#include "common/util/clock.h"
#include "tests/crm_sim/sap_sales_cloud_query.h"
#include "tests/crm_sim/sap_sales_cloud_sim.h"
#include "tests/crm_sim/sap_sales_cloud_wire.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;
namespace beast_http = http::beast_http;
using beast_http::verb;

http::Response SapError(const http::Request& req, int status, std::string_view code, std::string_view message,
                        std::string_view target, const json::array& details) {
  json::object error{{"code", code}, {"message", message}};
  if (!target.empty()) error["target"] = target;
  if (!details.empty()) error["details"] = details;
  return JsonResponse(req, status, json::object{{"error", std::move(error)}});
}

std::string EtagOf(const Record& record) { return "W/\"" + std::to_string(record.version) + "\""; }

json::object EntityJson(const Record& record) {
  json::object out = record.fields;
  out["id"] = record.id;
  return out;
}

http::Response EntityResponse(const http::Request& req, int status, const Record& record) {
  auto res = JsonTextResponse(req, status, SerializeWithDecimals(json::object{{"value", EntityJson(record)}}));
  res.set(beast_http::field::etag, EtagOf(record));
  return res;
}

namespace {

bool JsonContent(const http::Request& req) {
  const std::string type = Lower(HeaderOf(req, "Content-Type"));
  return type.starts_with("application/json") || type.starts_with("application/merge-patch+json");
}

http::Response Unsupported(const http::Request& req) {
  return SapError(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                  "Content-Type must be application/json or application/merge-patch+json.");
}

http::Response NotAllowed(const http::Request& req) {
  return SapError(req, 405, "METHOD_NOT_ALLOWED",
                  "Method " + std::string(req.method_string()) + " is not allowed on this resource.");
}

// RFC 7386: an object member merges recursively, null removes it, any
// other value (arrays included) replaces it.
void MergePatch(json::object& target, const json::object& patch) {
  for (const auto& [name, value] : patch) {
    if (value.is_null()) {
      target.erase(name);
    } else if (value.is_object()) {
      json::value& slot = target[name];
      if (!slot.is_object()) slot = json::object();
      MergePatch(slot.get_object(), value.get_object());
    } else {
      target[name] = value;
    }
  }
}

// The body without what the server owns: the id and adminData.
json::object ClientMembers(const json::object& body) {
  json::object out = body;
  out.erase("id");
  out.erase("adminData");
  return out;
}

}  // namespace

http::Response SapSalesCloudSim::Collection(const http::Request& req, const std::string& object) {
  if (req.method() == verb::post) return Create(req, object);
  if (req.method() != verb::get) return NotAllowed(req);
  SapCollectionQuery query;
  if (auto refused = ParseSapCollectionQuery(QueryOf(req.target()), query)) {
    return SapError(req, 400, refused->code, refused->message, refused->option);
  }
  // A lookup by a key (the connector's externalId eq '…') goes through the
  // store's index: it stays O(1) however many entities a benchmark wrote.
  std::vector<const Record*> candidates;
  if (auto key = query.filter.IndexKey(); key && key->first == "id") {
    if (const Record* r = store().Get(object, key->second)) candidates.push_back(r);
  } else if (key) {
    candidates = store().Find(object, {{key->first, key->second}});
  } else {
    candidates = store().Records(object);
    std::sort(candidates.begin(), candidates.end(),
              [](const Record* a, const Record* b) { return a->created_seq < b->created_seq; });
  }
  std::vector<json::object> matched;
  for (const Record* r : candidates) {
    json::object entity = EntityJson(*r);
    if (query.filter.Matches(entity)) matched.push_back(std::move(entity));
  }
  if (!query.orderby.empty()) SortSapEntities(matched, query.orderby);
  json::array page;
  for (size_t i = query.skip; i < matched.size() && page.size() < query.top; ++i) {
    page.push_back(SelectSapMembers(matched[i], query.select));
  }
  json::object body{{"value", std::move(page)}};
  if (query.count) body["count"] = matched.size();
  return JsonTextResponse(req, 200, SerializeWithDecimals(body));
}

http::Response SapSalesCloudSim::Entity(const http::Request& req, const std::string& object, const std::string& id) {
  const Record* record = store().Get(object, id);
  if (!record) {
    return SapError(req, 404, "NOT_FOUND", "No entity of " + object + " with id '" + id + "'.");
  }
  if (req.method() == verb::get) return EntityResponse(req, 200, *record);
  if (req.method() != verb::patch && req.method() != verb::delete_) return NotAllowed(req);
  const std::string_view if_match = HeaderOf(req, "If-Match");
  if (if_match.empty()) {
    return SapError(req, 428, "PRECONDITION_REQUIRED",
                    "The If-Match header with the entity's ETag is required to change it.");
  }
  if (if_match != "*" && if_match != EtagOf(*record)) {
    return SapError(req, 412, "PRECONDITION_FAILED",
                    "The entity was changed since it was read: the ETag does not match.");
  }
  if (req.method() == verb::patch) return Patch(req, object, *record);
  store().Delete(object, id);
  return EmptyResponse(req, 204);
}

http::Response SapSalesCloudSim::Create(const http::Request& req, const std::string& object) {
  if (!JsonContent(req)) return Unsupported(req);
  auto body = ParseJsonBody(req.body());
  if (!body.ok() || !body->is_object()) {
    return SapError(req, 400, "INVALID_BODY",
                    body.ok() ? "The body must be a JSON object." : std::string(body.status().message()));
  }
  if (body->get_object().contains("id")) {
    return SapError(req, 400, "READ_ONLY_PROPERTY", "The property 'id' is read-only.", "id");
  }
  json::object fields = ClientMembers(body->get_object());
  if (auto refused = Invalid(req, object, fields, fields, "")) return std::move(*refused);
  const std::string by = Writer(req);
  const std::string on = NextStamp();
  fields["adminData"] = json::object{{"createdOn", on}, {"createdBy", by}, {"updatedOn", on}, {"updatedBy", by}};
  const Record& created = store().Create(object, NewRecordId(object), fields);
  events_.Written(object, created.id, nullptr, created.fields, by, on);
  auto res = EntityResponse(req, 201, created);
  res.set(beast_http::field::location, std::string(PathOf(req.target())) + "/" + created.id);
  return res;
}

http::Response SapSalesCloudSim::Patch(const http::Request& req, const std::string& object, const Record& record) {
  if (!JsonContent(req)) return Unsupported(req);
  auto body = ParseJsonBody(req.body());
  if (!body.ok() || !body->is_object()) {
    return SapError(req, 400, "INVALID_BODY",
                    body.ok() ? "The body must be a JSON object." : std::string(body.status().message()));
  }
  if (const auto* id = body->get_object().if_contains("id");
      id && !(id->is_string() && id->get_string() == record.id)) {
    return SapError(req, 400, "READ_ONLY_PROPERTY", "The property 'id' is read-only.", "id");
  }
  json::object changes = ClientMembers(body->get_object());
  json::object merged = record.fields;
  MergePatch(merged, changes);
  const std::string id = record.id;  // `record` is replaced by the update
  if (auto refused = Invalid(req, object, changes, merged, id)) return std::move(*refused);
  // createdOn and createdBy stay; a record seeded without adminData gets
  // only the update's half.
  json::value& admin = merged["adminData"];
  if (!admin.is_object()) admin = json::object();
  const std::string stamp = NextStamp(), by = Writer(req);
  admin.get_object()["updatedOn"] = stamp;
  admin.get_object()["updatedBy"] = by;
  changes["adminData"] = admin;  // the history shows the stamp each write got
  const json::object before = record.fields;
  const Record& updated = store().Replace(object, id, std::move(merged), changes);
  events_.Written(object, id, &before, updated.fields, by, stamp);
  return EntityResponse(req, 200, updated);
}

std::string SapSalesCloudSim::Writer(const http::Request& req) const {
  return HeaderOf(req, "Authorization").starts_with("Bearer ") ? "oauth-client" : state_.client_id();
}

std::string SapSalesCloudSim::NextStamp() {
  // Strictly increasing before the skew: two writes in one millisecond
  // still order, and only a configured skew makes a write look older.
  last_stamp_ms_ = std::max(NowUnixMs(), last_stamp_ms_ + 1);
  return FormatIsoTimeMs(last_stamp_ms_ + clock_skew_ms_);
}

std::optional<http::Response> SapSalesCloudSim::Invalid(const http::Request& req, const std::string& object,
                                                        const json::object& written, const json::object& merged,
                                                        const std::string& own_id) {
  using Kind = FieldViolation::Kind;
  json::array details;
  for (const FieldViolation& v : schemas_.at(object).Validate(written, merged)) {
    const auto [code, message] =
        v.kind == Kind::kRequiredMissing
            ? std::pair("REQUIRED_PROPERTY_MISSING", "The property '" + v.field + "' is required.")
        : v.kind == Kind::kTooLong ? std::pair("VALUE_TOO_LONG", "The value of '" + v.field + "' is longer than " +
                                                                     std::to_string(v.max_length) + ".")
        : v.kind == Kind::kBadPicklistValue
            ? std::pair("INVALID_CODE_VALUE", "'" + v.value + "' is not a valid code for '" + v.field + "'.")
            : std::pair("UNKNOWN_PROPERTY", "The property '" + v.field + "' does not exist.");
    details.push_back(json::object{{"code", code}, {"message", message}, {"target", v.field}});
  }
  if (!details.empty()) {
    const json::object& first = details.front().as_object();
    return SapError(req, 400, first.at("code").as_string(), first.at("message").as_string(),
                    first.at("target").as_string(), details);
  }
  // Assumed: a second entity with the same externalId is refused.
  if (const auto* ext = written.if_contains("externalId"); ext && ScalarText(*ext)) {
    for (const Record* other : store().Find(object, {{"externalId", *ScalarText(*ext)}})) {
      if (other->id != own_id) {
        return SapError(req, 409, "DUPLICATE_EXTERNAL_ID",
                        "Another entity of " + object + " has externalId '" + *ScalarText(*ext) + "'.", "externalId");
      }
    }
  }
  // A contact person's account must exist.
  if (const auto* account = written.if_contains("accountId");
      object == "contactPersons" && account && !account->is_null()) {
    if (!account->is_string() || !store().Get("accounts", account->get_string())) {
      return SapError(req, 400, "REFERENCE_NOT_FOUND", "No account with id " + json::serialize(*account) + ".",
                      "accountId");
    }
  }
  return std::nullopt;
}

}  // namespace ferry::crm_sim
