// The entity operations of the simulated SAP Sales Cloud V2: reads by id and
// by $filter, create, merge-patch update and delete under ETag
// preconditions. Every rule here is assumed (docs/protocols.md §B.4 [M]).

#include <charconv>

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
  auto res = JsonResponse(req, status, json::object{{"value", EntityJson(record)}});
  res.set(beast_http::field::etag, EtagOf(record));
  return res;
}

std::optional<SapFilter> ParseSapFilter(std::string_view filter) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  filter = trim(filter);
  const size_t eq = filter.find(" eq ");
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  SapFilter out{std::string(trim(filter.substr(0, eq))), {}};
  if (out.field.find(' ') != std::string::npos) return std::nullopt;
  const std::string_view literal = trim(filter.substr(eq + 4));
  if (literal.empty()) return std::nullopt;
  if (literal.front() != '\'') {
    if (literal.find_first_of(" '") != std::string_view::npos) return std::nullopt;
    out.value = std::string(literal);
    return out;
  }
  size_t i = 1;
  for (; i < literal.size(); ++i) {
    if (literal[i] != '\'') {
      out.value += literal[i];
    } else if (i + 1 < literal.size() && literal[i + 1] == '\'') {
      out.value += '\'';
      ++i;
    } else {
      break;
    }
  }
  if (i != literal.size() - 1) return std::nullopt;  // unterminated, or text after the closing quote
  return out;
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

std::optional<size_t> Count(const std::map<std::string, std::string>& query, const std::string& name) {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  size_t n = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc() || ptr != it->second.data() + it->second.size()) return std::nullopt;
  return n;
}

}  // namespace

http::Response SapSalesCloudSim::Collection(const http::Request& req, const std::string& object) {
  if (req.method() == verb::post) return Create(req, object);
  if (req.method() != verb::get) return NotAllowed(req);
  const auto query = QueryOf(req.target());
  json::array all;
  if (auto f = query.find("$filter"); f != query.end()) {
    auto filter = ParseSapFilter(f->second);
    if (!filter) {
      return SapError(req, 400, "INVALID_FILTER",
                      "Only $filter=<property> eq '<value>' is supported; got: " + f->second, "$filter");
    }
    for (const Record* r : store().Find(object, {{filter->field, filter->value}})) all.push_back(EntityJson(*r));
  } else {
    for (const auto& r : store().List(object)) {
      json::object entity = r.at("fields").as_object();
      entity["id"] = r.at("id");
      all.push_back(std::move(entity));
    }
  }
  const auto skip = Count(query, "$skip").value_or(0);
  const auto top = Count(query, "$top").value_or(all.size());
  json::array page;
  for (size_t i = skip; i < all.size() && page.size() < top; ++i) page.push_back(all[i]);
  return JsonResponse(req, 200, json::object{{"value", std::move(page)}, {"count", all.size()}});
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
  const json::object& fields = body->get_object();
  if (fields.contains("id")) return SapError(req, 400, "READ_ONLY_PROPERTY", "The property 'id' is read-only.", "id");
  if (auto refused = Invalid(req, object, fields, fields, "")) return std::move(*refused);
  const Record& created = store().Create(object, NewRecordId(object), fields);
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
  const json::object& changes = body->get_object();
  if (const auto* id = changes.if_contains("id"); id && !(id->is_string() && id->get_string() == record.id)) {
    return SapError(req, 400, "READ_ONLY_PROPERTY", "The property 'id' is read-only.", "id");
  }
  json::object merged = record.fields;
  for (const auto& [k, v] : changes) merged[k] = v;
  const std::string id = record.id;  // `record` is replaced by the update
  if (auto refused = Invalid(req, object, changes, merged, id)) return std::move(*refused);
  return EntityResponse(req, 200, store().Update(object, id, changes));
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
