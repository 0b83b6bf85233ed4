#include "tests/crm_sim/salesforce_sim.h"

#include <cctype>
#include <charconv>
#include <map>

#include "common/util/clock.h"
#include "tests/crm_sim/salesforce_id.h"
#include "tests/crm_sim/salesforce_query.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

constexpr std::string_view kSalesforceTokenPath = "/services/oauth2/token";
constexpr std::string_view kOrgId = "00D5g00000FERRYEAA";

// "v60.0" → 60.0; nullopt for anything else.
std::optional<double> ApiVersion(std::string_view segment) {
  if (segment.size() < 4 || segment[0] != 'v') return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(segment.data() + 1, segment.data() + segment.size(), v);
  if (ec != std::errc() || ptr != segment.data() + segment.size() || segment.find('.') == std::string_view::npos ||
      v < 20.0) {
    return std::nullopt;
  }
  return v;
}

std::string VersionText(double version) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.1f", version);
  return buf;
}

const std::vector<SfError> kNotFound = {{"NOT_FOUND", "The requested resource does not exist", {}}};

json::object SalesforceOAuthError(std::string_view error, std::string_view description) {
  return {{"error", error}, {"error_description", description}};
}

}  // namespace

SalesforceSim::SalesforceSim(boost::asio::any_io_executor executor)
    : VendorSim(/*ignore_case=*/true, VendorState("ferry-sf", "sf-secret", 7200)),
      writer_(store(), schema_, [this](std::string_view object) { return NewRecordId(object); }),
      outbound_(std::move(executor), std::string(kOrgId)) {
  writer_.set_observer(&outbound_);
}

bool SalesforceSim::Claims(std::string_view path) const { return path.substr(0, 10) == "/services/"; }

std::string SalesforceSim::NewRecordId(std::string_view object) {
  return SalesforceId(schema_.KeyPrefix(object), ++next_id_);
}

std::string SalesforceSim::LimitInfo() const {
  return "api-usage=" + std::to_string(api_used_) + "/" + std::to_string(settings_.api_limit);
}

http::Response SalesforceSim::Errors(const http::Request& req, int status, const std::vector<SfError>& errors) {
  return JsonResponse(req, status, RestErrors(errors));
}

http::Response SalesforceSim::Handle(const http::Request& req, const SimContext& ctx) {
  const std::string_view path = PathOf(req.target());
  if (path == kSalesforceTokenPath) return Token(req, ctx);
  if (path.substr(0, 14) == "/services/data") return Api(req);
  return Errors(req, 404, kNotFound);
}

http::Response SalesforceSim::Token(const http::Request& req, const SimContext& ctx) {
  if (req.method() != http::beast_http::verb::post) {
    return JsonResponse(req, 400, SalesforceOAuthError("invalid_request", "must use HTTP POST"));
  }
  auto form = ParseForm(req.body());
  if (form["grant_type"] != "client_credentials") {
    return JsonResponse(req, 400, SalesforceOAuthError("unsupported_grant_type", "grant type not supported"));
  }
  // An unknown consumer key and a wrong secret are told apart, as the
  // real token endpoint does.
  if (form["client_id"] != state_.client_id()) {
    return JsonResponse(req, 400, SalesforceOAuthError("invalid_client_id", "client identifier invalid"));
  }
  if (form["client_secret"] != state_.client_secret()) {
    return JsonResponse(req, 400, SalesforceOAuthError("invalid_client", "invalid client credentials"));
  }
  std::string token = std::string(kOrgId.substr(0, 15)) + "!" +
                      RandomText(96, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._");
  state_.AddToken(token);
  json::object body{
      {"access_token", token},
      {"signature", RandomText(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") + "="},
      {"scope", "api"},
      {"instance_url", ctx.base_url},
      {"id", ctx.base_url + "/id/" + std::string(kOrgId) + "/0055g00000FERRYAAA"},
      {"token_type", "Bearer"},
      {"issued_at", std::to_string(NowUnixMs())}};
  auto res = JsonResponse(req, 200, body);
  res.set(http::beast_http::field::cache_control, "no-cache,must-revalidate,max-age=0,no-store,private");
  res.set(http::beast_http::field::pragma, "no-cache");
  return res;
}

http::Response SalesforceSim::Api(const http::Request& req) {
  if (state_.CheckToken(BearerToken(req)) != VendorState::TokenCheck::kValid) {
    return Errors(req, 401, {{"INVALID_SESSION_ID", "Session expired or invalid", {}}});
  }
  const int64_t now = SteadyMs();
  std::optional<http::Response> refused;
  if (api_used_ >= settings_.api_limit) {
    refused = Errors(req, 403, {{"REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", {}}});
  } else if (settings_.rate_per_s > 0 && last_second_.Count(now) >= settings_.rate_per_s) {
    // Salesforce has no per-second quota; its concurrency limit answers the
    // same way, and this is what a burst runs into.
    refused = Errors(req, 403, {{"REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.", {}}});
  }
  if (refused) {
    refused->set("Sforce-Limit-Info", LimitInfo());
    return std::move(*refused);
  }
  ++api_used_;
  last_second_.Add(now, 1);
  http::Response res = Route(req);
  res.set("Sforce-Limit-Info", LimitInfo());
  return res;
}

http::Response SalesforceSim::Route(const http::Request& req) {
  const auto segments = SplitPath(PathOf(req.target()));  // services, data, vNN.N, …
  const auto version = segments.size() > 2 ? ApiVersion(segments[2]) : std::nullopt;
  if (version && segments.size() == 7 && segments[3] == "sobjects") {
    return SObjectByExternalId(req, *version, segments[4], segments[5], segments[6]);
  }
  if (version && segments.size() == 7 && segments[3] == "composite" && segments[4] == "sobjects") {
    return Collection(req, *version, segments[5], segments[6]);
  }
  if (version && segments.size() == 6 && segments[3] == "sobjects") {
    return SObjectById(req, *version, segments[4], segments[5]);
  }
  if (version && segments.size() == 5 && segments[3] == "sobjects") return Create(req, segments[4]);
  if (version && segments.size() == 4 && segments[3] == "query") return Query(req, *version);
  return Errors(req, 404, kNotFound);
}

std::optional<http::Response> SalesforceSim::ReadRecordBody(const http::Request& req, json::object& body) {
  const std::string_view content_type = HeaderOf(req, "Content-Type");
  if (!content_type.empty() && content_type.find("json") == std::string_view::npos) {
    return Errors(req, 415,
                  {{"UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type header specified in HTTP request is not supported: " + std::string(content_type),
                    {}}});
  }
  auto parsed = ParseJsonBody(req.body());
  if (!parsed.ok() || !parsed->is_object()) {
    const std::string why = parsed.ok() ? "the record must be a JSON object" : parsed.status().message();
    return Errors(req, 400, {{"JSON_PARSER_ERROR", "Unexpected content in the request body: " + why, {}}});
  }
  body = std::move(parsed->get_object());
  return std::nullopt;
}

http::Response SalesforceSim::Create(const http::Request& req, std::string_view raw_object) {
  // The object's basic information (GET) is not simulated.
  if (req.method() != http::beast_http::verb::post) return Errors(req, 404, kNotFound);
  json::object body;
  if (auto refused = ReadRecordBody(req, body)) return std::move(*refused);
  UpsertOutcome out = writer_.Create(PercentDecode(raw_object), body);
  if (out.status >= 400) return Errors(req, out.status, out.errors);
  return JsonResponse(req, 201, json::object{{"id", out.id}, {"success", true}, {"errors", json::array{}}});
}

http::Response SalesforceSim::SObjectById(const http::Request& req, double version, std::string_view raw_object,
                                          std::string_view raw_id) {
  using http::beast_http::verb;
  if (req.method() == verb::get || req.method() == verb::delete_) {
    return SObjectByExternalId(req, version, raw_object, "Id", raw_id);
  }
  if (req.method() != verb::patch) {
    return Errors(req, 405,
                  {{"METHOD_NOT_ALLOWED",
                    "HTTP Method '" + std::string(req.method_string()) + "' not allowed. Allowed are GET,PATCH,DELETE",
                    {}}});
  }
  json::object body;
  if (auto refused = ReadRecordBody(req, body)) return std::move(*refused);
  if (auto errors = SalesforceWriter::CheckBodyKeys(body, "Id"); !errors.empty()) return Errors(req, 400, errors);
  UpsertOutcome out =
      writer_.Upsert(PercentDecode(raw_object), "Id", PercentDecode(raw_id), body, /*update_only=*/true);
  if (out.status >= 400) return Errors(req, out.status, out.errors);
  return EmptyResponse(req, 204);  // an update answers without a body, whatever the version
}

http::Response SalesforceSim::Query(const http::Request& req, double version) {
  if (req.method() != http::beast_http::verb::get) {
    return Errors(req, 405,
                  {{"METHOD_NOT_ALLOWED",
                    "HTTP Method '" + std::string(req.method_string()) + "' not allowed. Allowed are GET,HEAD",
                    {}}});
  }
  const auto query = QueryOf(req.target());
  const auto q = query.find("q");
  QueryAnswer answer = RunSoqlQuery(q == query.end() ? "" : q->second, store(), schema_, VersionText(version),
                                    static_cast<size_t>(settings_.subquery_batch));
  return JsonTextResponse(req, answer.status, std::move(answer.body));
}

http::Response SalesforceSim::SObjectByExternalId(const http::Request& req, double version, std::string_view raw_object,
                                                  std::string_view raw_field, std::string_view raw_value) {
  const std::string object = PercentDecode(raw_object);
  const std::string field = PercentDecode(raw_field);
  const std::string value = PercentDecode(raw_value);
  if (!schema_.IsExternalId(object, field)) return Errors(req, 404, kNotFound);
  if (settings_.dot_suffix_quirk) {
    // Documented: a value ending in "." plus a TLD-like suffix (an e-mail
    // ending ".inc") can be taken as a format extension and give 404,
    // unless the dot is URL-encoded.
    const size_t dot = raw_value.rfind('.');
    if (dot != std::string_view::npos && raw_value.size() - dot > 2 &&
        std::all_of(raw_value.begin() + static_cast<long>(dot) + 1, raw_value.end(),
                    [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
      return Errors(req, 404, kNotFound);
    }
  }
  const std::string base = "/services/data/v" + VersionText(version) + "/sobjects/" + object + "/";
  auto several = [&](const std::vector<const Record*>& matches) {
    json::array urls;
    for (const Record* r : matches) urls.push_back(json::string(base + r->id));
    return JsonResponse(req, 300, urls);
  };
  using http::beast_http::verb;
  if (req.method() == verb::get || req.method() == verb::delete_) {
    auto matches = writer_.Match(object, field, value);
    if (matches.empty()) return Errors(req, 404, kNotFound);
    if (matches.size() > 1) return several(matches);
    if (req.method() == verb::delete_) {
      store().Delete(object, matches[0]->id);
      return EmptyResponse(req, 204);
    }
    json::object body{{"attributes", {{"type", object}, {"url", base + matches[0]->id}}}, {"Id", matches[0]->id}};
    for (const auto& [k, v] : matches[0]->fields) body[k] = v;
    return JsonResponse(req, 200, body);
  }
  if (req.method() != verb::patch) {
    return Errors(req, 405,
                  {{"METHOD_NOT_ALLOWED",
                    "HTTP Method '" + std::string(req.method_string()) + "' not allowed. Allowed are GET,PATCH,DELETE",
                    {}}});
  }
  json::object body;
  if (auto refused = ReadRecordBody(req, body)) return std::move(*refused);
  if (auto errors = SalesforceWriter::CheckBodyKeys(body, field); !errors.empty()) return Errors(req, 400, errors);
  auto query = QueryOf(req.target());
  const bool update_only = IEquals(query["updateOnly"], "true");
  UpsertOutcome out = writer_.Upsert(object, field, value, body, update_only);
  if (out.status == 300) {
    std::vector<const Record*> matches;
    for (const auto& id : out.matches) matches.push_back(store().Get(object, id));
    return several(matches);
  }
  if (out.status >= 400) return Errors(req, out.status, out.errors);
  if (out.status == 200 && version < settings_.update_body_since) return EmptyResponse(req, 204);
  json::object result{{"id", out.id}, {"success", true}, {"errors", json::array{}}};
  if (version >= 46.0) result["created"] = out.status == 201;  // the field exists from v46.0 on
  return JsonResponse(req, out.status, result);
}

http::Response SalesforceSim::Collection(const http::Request& req, double version, std::string_view raw_object,
                                         std::string_view raw_field) {
  if (version < 46.0) return Errors(req, 404, kNotFound);  // sObject Collections upsert exists from v46.0
  if (req.method() != http::beast_http::verb::patch) {
    return Errors(req, 405,
                  {{"METHOD_NOT_ALLOWED",
                    "HTTP Method '" + std::string(req.method_string()) + "' not allowed. Allowed are PATCH",
                    {}}});
  }
  const std::string object = PercentDecode(raw_object);
  const std::string field = PercentDecode(raw_field);
  if (!schema_.IsExternalId(object, field)) return Errors(req, 404, kNotFound);
  auto parsed = ParseJsonBody(req.body());
  const json::object* root = parsed.ok() ? parsed->if_object() : nullptr;
  const json::value* records = root ? root->if_contains("records") : nullptr;
  const json::value* all_or_none = root ? root->if_contains("allOrNone") : nullptr;
  if (!records || !records->is_array() || (all_or_none && !all_or_none->is_bool())) {
    const std::string why = !parsed.ok() ? parsed.status().message() : "expected {\"allOrNone\":bool, \"records\":[…]}";
    return Errors(req, 400, {{"JSON_PARSER_ERROR", "Unexpected content in the request body: " + why, {}}});
  }
  const json::array& list = records->get_array();
  if (list.size() > 200) {
    return Errors(
        req, 400,
        {{"EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call", {}}});
  }
  std::map<std::string, int> key_count;
  for (size_t i = 0; i < list.size(); ++i) {
    const json::object* record = list[i].if_object();
    const json::value* attributes = record ? record->if_contains("attributes") : nullptr;
    const json::value* type =
        attributes && attributes->is_object() ? attributes->get_object().if_contains("type") : nullptr;
    if (!type || !type->is_string() || !IEquals(type->get_string(), object)) {
      return Errors(req, 400,
                    {{"INVALID_TYPE",
                      "Record " + std::to_string(i) + " must have attributes.type " + object +
                          ", the type in the URI: all records of a collection are of that type",
                      {}}});
    }
    if (const auto* key = FindField(*record, field, true)) {
      if (auto text = ScalarText(*key)) ++key_count[*text];
    }
  }
  state_.CountBatch();
  state_.CountOperations(static_cast<int64_t>(list.size()));
  const bool atomic = all_or_none && all_or_none->get_bool();
  if (atomic) {
    store().Begin();
    outbound_.Hold();  // a rolled-back record sends no outbound message
  }
  json::array results;
  std::vector<bool> ok;
  for (const auto& item : list) {
    json::object body = item.get_object();
    body.erase("attributes");
    std::vector<SfError> errors;
    std::optional<std::string> key;
    if (const auto* k = FindField(body, field, true)) key = ScalarText(*k);
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (IEquals(it->key(), field)) {
        body.erase(it);
        break;
      }
    }
    if (FindField(body, "Id", true)) {
      errors.push_back({"INVALID_FIELD", "The Id field should not be specified in the sobject data.", {}});
    } else if (!key || key->empty()) {
      errors.push_back({"MISSING_ARGUMENT", field + " not specified", {field}});
    } else if (key_count[*key] > 1) {
      // One call may not name a key twice (Salesforce's upsert rule).
      errors.push_back({"DUPLICATE_VALUE", "Duplicate external id specified: " + *key, {field}});
    }
    UpsertOutcome out;
    if (errors.empty()) {
      out = writer_.Upsert(object, field, *key, body, /*update_only=*/false);
      errors = out.errors;
    }
    ok.push_back(errors.empty());
    if (errors.empty()) {
      results.push_back(
          json::object{{"id", out.id}, {"success", true}, {"errors", json::array{}}, {"created", out.status == 201}});
    } else {
      results.push_back(json::object{{"success", false}, {"errors", ResultErrors(errors)}});
    }
  }
  if (atomic) {
    if (std::find(ok.begin(), ok.end(), false) == ok.end()) {
      store().Commit();
      outbound_.Release(/*keep=*/true);
    } else {
      store().Rollback();
      outbound_.Release(/*keep=*/false);
      for (size_t i = 0; i < ok.size(); ++i) {
        if (!ok[i]) continue;
        results[i] = json::object{
            {"success", false},
            {"errors", ResultErrors({{"ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                      "Record rolled back because not all records were valid and the request was "
                                      "using AllOrNone header",
                                      {}}})}};
      }
    }
  }
  return JsonResponse(req, 200, results);
}

http::Response SalesforceSim::FaultResponse(const http::Request& req, const Fault& fault) {
  http::Response res;
  if (PathOf(req.target()) == kSalesforceTokenPath) {
    res = JsonResponse(req, fault.status,
                       SalesforceOAuthError(fault.error_code.empty() ? "unknown_error" : fault.error_code,
                                            fault.message.empty() ? "retry your request" : fault.message));
  } else {
    static const std::map<int, SfError> kUsual = {
        {401, {"INVALID_SESSION_ID", "Session expired or invalid", {}}},
        {403, {"REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", {}}},
        {404, {"NOT_FOUND", "The requested resource does not exist", {}}},
        {500,
         {"UNKNOWN_EXCEPTION",
          "An unexpected error occurred. Please include this ErrorId if you contact support: "
          "1234567890-12345 (-1234567890)",
          {}}},
        {503, {"SERVER_UNAVAILABLE", "Server temporarily unavailable", {}}},
    };
    auto it = kUsual.find(fault.status);
    SfError error = it != kUsual.end()    ? it->second
                    : fault.status >= 500 ? SfError{"SERVER_UNAVAILABLE", "Server temporarily unavailable", {}}
                                          : SfError{"INVALID_REQUEST", "The request was refused", {}};
    if (!fault.error_code.empty()) error.code = fault.error_code;
    if (!fault.message.empty()) error.message = fault.message;
    res = Errors(req, fault.status, {error});
  }
  if (fault.retry_after_s > 0) res.set(http::beast_http::field::retry_after, std::to_string(fault.retry_after_s));
  return res;
}

Status SalesforceSim::Configure(const json::object& settings) {
  for (const auto& [key, value] : settings) {
    if (key == "api_limit" || key == "api_used" || key == "rate_per_s") {
      auto n = IntSetting(key, value, 0, int64_t{1} << 40);
      if (!n.ok()) return n.status();
      (key == "api_limit" ? settings_.api_limit : key == "api_used" ? api_used_ : settings_.rate_per_s) = *n;
    } else if (key == "subquery_batch") {
      auto n = IntSetting(key, value, 0, 2000);
      if (!n.ok()) return n.status();
      settings_.subquery_batch = *n;
    } else if (key == "update_body_since") {
      auto v = value.is_string()   ? ApiVersion("v" + std::string(value.get_string()))
               : value.is_number() ? std::optional<double>(value.to_number<double>())
                                   : std::nullopt;
      if (!v) return Status::InvalidArgument("update_body_since must be an API version such as \"46.0\"");
      settings_.update_body_since = *v;
    } else if (key == "dot_suffix_quirk") {
      if (!value.is_bool()) return Status::InvalidArgument("dot_suffix_quirk must be true or false");
      settings_.dot_suffix_quirk = value.get_bool();
    } else if (key == "objects") {
      if (!value.is_object()) return Status::InvalidArgument("objects must be an object of SObject schemas");
      if (Status s = schema_.Merge(value.get_object()); !s.ok()) return s;
    } else {
      auto applied = state_.ApplySetting(key, value);
      if (!applied.ok()) return applied.status();
      if (!*applied) return Status::InvalidArgument("unknown salesforce setting '" + std::string(key) + "'");
    }
  }
  return Status::Ok();
}

void SalesforceSim::AddStats(json::object& stats) const {
  stats["api_usage"] = json::object{{"used", api_used_}, {"max", settings_.api_limit}};
}

std::optional<http::Response> SalesforceSim::ControlResource(const http::Request& req, std::string_view resource,
                                                             const SimContext& ctx) {
  if (resource != "outbound_messages" && resource != "flow_callouts") return std::nullopt;
  const bool callouts = resource == "flow_callouts";
  using http::beast_http::verb;
  auto error = [&](int status, const std::string& message) {
    return JsonResponse(req, status, json::object{{"error", message}});
  };
  if (req.method() == verb::get) return JsonResponse(req, 200, outbound_.Describe(callouts));
  if (req.method() == verb::delete_) {
    outbound_.Clear();
    return JsonResponse(req, 200, json::object{{"ok", true}});
  }
  if (req.method() != verb::post) {
    return error(
        404, "no control resource " + std::string(req.method_string()) + " /_sim/salesforce/" + std::string(resource));
  }
  auto parsed = ParseJsonBody(req.body());
  if (!parsed.ok() || !parsed->is_object()) return error(400, "the body must be a JSON object");
  auto registered = callouts ? outbound_.RegisterCallout(parsed->get_object())
                             : outbound_.Register(parsed->get_object(), ctx.base_url);
  if (!registered.ok()) return error(400, registered.status().message());
  return JsonResponse(req, 200, *registered);
}

void SalesforceSim::ResetVendor() {
  outbound_.Clear();
  settings_ = Settings();
  schema_ = SalesforceSchema();
  last_second_.Clear();
  api_used_ = 0;
  next_id_ = 0;
}

}  // namespace ferry::crm_sim
