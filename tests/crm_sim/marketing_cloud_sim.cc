#include "tests/crm_sim/marketing_cloud_sim.h"

#include <map>

#include "common/util/ids.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;

namespace {

constexpr std::string_view kMarketingCloudTokenPath = "/v2/token";
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// The REST API's error shape (assumed: {"message","errorcode","documentation"}).
json::object ApiError(std::string_view message, int64_t code) {
  return {{"message", message}, {"errorcode", code}, {"documentation", ""}};
}

json::object MarketingCloudOAuthError(std::string_view error, std::string_view description) {
  return {{"error", error}, {"error_description", description}, {"error_uri", "https://developer.salesforce.com/docs"}};
}

std::string FieldMessage(const FieldViolation& v, const DataExtensionSpec& spec) {
  using Kind = FieldViolation::Kind;
  switch (v.kind) {
    case Kind::kRequiredMissing:
      return "The value for column " + v.field + " is required and cannot be null or empty.";
    case Kind::kTooLong:
      return "The value for column " + v.field + " exceeds its maximum length of " + std::to_string(v.max_length) + ".";
    case Kind::kBadPicklistValue:
      return "The value '" + v.value + "' is not valid for column " + v.field + ".";
    case Kind::kUnknownField:
      return "The column " + v.field + " was not found on data extension " + spec.key + ".";
  }
  return "The row is not valid.";
}

}  // namespace

MarketingCloudSim::MarketingCloudSim() : VendorSim(/*ignore_case=*/true, VendorState("ferry-mc", "mc-secret", 1079)) {}

bool MarketingCloudSim::Claims(std::string_view path) const {
  return path == kMarketingCloudTokenPath || path.substr(0, 8) == "/hub/v1/";
}

std::string MarketingCloudSim::NewRecordId(std::string_view) { return NewEventId(); }

http::Response MarketingCloudSim::Handle(const http::Request& req, const SimContext& ctx) {
  if (PathOf(req.target()) == kMarketingCloudTokenPath) return Token(req, ctx);
  return Api(req);
}

http::Response MarketingCloudSim::Token(const http::Request& req, const SimContext& ctx) {
  if (req.method() != http::beast_http::verb::post) {
    return JsonResponse(req, 400, MarketingCloudOAuthError("invalid_request", "The token endpoint only accepts POST."));
  }
  auto parsed = ParseJsonBody(req.body());
  if (!parsed.ok() || !parsed->is_object()) {
    return JsonResponse(req, 400,
                        MarketingCloudOAuthError("invalid_request", "The request body must be a JSON object."));
  }
  const json::object& body = parsed->get_object();
  auto text = [&body](std::string_view key) -> std::string {
    const auto* v = body.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (text("grant_type") != "client_credentials") {
    return JsonResponse(
        req, 400, MarketingCloudOAuthError("unsupported_grant_type", "Use \"grant_type\":\"client_credentials\"."));
  }
  if (text("client_id") != state_.client_id() || text("client_secret") != state_.client_secret()) {
    return JsonResponse(
        req, 401,
        MarketingCloudOAuthError("invalid_client",
                                 "Invalid client ID or secret. Use the values of the API integration in "
                                 "Installed Packages."));
  }
  // account_id may be a string or a number (a MID is numeric).
  std::string account;
  if (const auto* v = body.if_contains("account_id")) account = ScalarText(*v).value_or("");
  if (!settings_.account_id.empty() && !account.empty() && account != settings_.account_id) {
    return JsonResponse(req, 401,
                        MarketingCloudOAuthError("unauthorized_client",
                                                 "The client is not granted access to account_id " + account + "."));
  }
  std::string token = RandomText(24, kBase64) + "." + RandomText(200, kBase64);
  state_.AddToken(token);
  const std::string scope = text("scope").empty() ? "data_extensions_read data_extensions_write" : text("scope");
  json::object answer{{"access_token", token},
                      {"token_type", "Bearer"},
                      {"expires_in", state_.token_ttl_s()},
                      {"scope", scope},
                      {"soap_instance_url", ctx.base_url + "/"},
                      {"rest_instance_url", ctx.base_url + "/"}};
  return JsonResponse(req, 200, answer);
}

http::Response MarketingCloudSim::Api(const http::Request& req) {
  if (state_.CheckToken(BearerToken(req)) != VendorState::TokenCheck::kValid) {
    return JsonResponse(req, 401, ApiError("Not Authorized", 0));
  }
  const int64_t now = SteadyMs();
  if (settings_.rate_per_s > 0 && last_second_.Count(now) >= settings_.rate_per_s) {
    auto res = JsonResponse(req, 429, ApiError("Too Many Requests", 0));
    res.set(http::beast_http::field::retry_after, "1");
    return res;
  }
  last_second_.Add(now, 1);
  const auto segments = SplitPath(PathOf(req.target()));  // hub, v1, dataevents, key:X, rowset
  if (segments.size() != 5 || segments[2] != "dataevents" || segments[3].substr(0, 4) != "key:" ||
      segments[4] != "rowset") {
    return JsonResponse(req, 404, ApiError("Not Found", 0));
  }
  if (req.method() != http::beast_http::verb::post) {
    return JsonResponse(
        req, 405,
        ApiError("The requested resource does not support http method '" + std::string(req.method_string()) + "'.", 0));
  }
  const std::string key = PercentDecode(segments[3].substr(4));
  const DataExtensionSpec* spec = schema_.Find(key);
  if (!spec) {
    return JsonResponse(req, 404, ApiError("Unable to find a data extension with external key '" + key + "'.", 10000));
  }
  return Rowset(req, *spec);
}

http::Response MarketingCloudSim::Rowset(const http::Request& req, const DataExtensionSpec& spec) {
  auto parsed = ParseJsonBody(req.body());
  bool shaped = parsed.ok() && parsed->is_array();
  if (shaped) {
    for (const auto& row : parsed->get_array()) {
      const json::object* o = row.if_object();
      const json::value* keys = o ? o->if_contains("keys") : nullptr;
      const json::value* values = o ? o->if_contains("values") : nullptr;
      if (!keys || !keys->is_object() || (values && !values->is_object())) shaped = false;
    }
  }
  if (!shaped) {
    const std::string why = parsed.ok() ? "expected [{\"keys\":{…},\"values\":{…}},…]" : parsed.status().message();
    return JsonResponse(req, 400, ApiError("The request body is not valid: " + why, 10002));
  }
  const json::array& rows = parsed->get_array();
  state_.CountBatch();
  state_.CountOperations(static_cast<int64_t>(rows.size()));
  // All or nothing: one refused row undoes the rows written before it.
  store().Begin();
  json::array errors;
  for (const auto& row : rows) {
    const json::object& o = row.get_object();
    const json::value* values = o.if_contains("values");
    const json::object no_values;
    for (std::string& message : UpsertRow(spec, o.at("keys").get_object(), values ? values->get_object() : no_values)) {
      errors.push_back(ApiError(message, 10000));
    }
  }
  if (!errors.empty()) {
    store().Rollback();
    json::object body = ApiError("Unable to save rows for data extension ID " + spec.id, 10006);
    body["additionalErrors"] = std::move(errors);
    return JsonResponse(req, 400, body);
  }
  store().Commit();
  return JsonResponse(req, 200, rows);
}

std::vector<std::string> MarketingCloudSim::UpsertRow(const DataExtensionSpec& spec, const json::object& keys,
                                                      const json::object& values) {
  std::vector<std::string> errors;
  json::object fields = values;
  KeyValues key;
  for (const std::string& column : spec.primary_key) {
    const json::value* v = FindField(keys, column, true);
    const auto text = v ? ScalarText(*v) : std::nullopt;
    if (!text || text->empty()) {
      errors.push_back("No value was given for the primary key column " + column + ".");
      continue;
    }
    if (const json::value* repeated = FindField(values, column, true); repeated && ScalarText(*repeated) != text) {
      errors.push_back("The value of primary key column " + column + " in values differs from the one in keys.");
    }
    for (auto it = fields.begin(); it != fields.end();) {
      it = IEquals(it->key(), column) ? fields.erase(it) : it + 1;
    }
    fields[column] = *v;
    key.emplace_back(column, *text);
  }
  for (const auto& [column, value] : keys) {
    bool primary = false;
    for (const std::string& pk : spec.primary_key) primary = primary || IEquals(pk, column);
    if (!primary) {
      errors.push_back("The column " + std::string(column) + " is not part of the primary key of data extension " +
                       spec.key + ".");
    }
  }
  if (!errors.empty()) return errors;
  const auto existing = store().Find(spec.key, key);
  json::object merged = existing.empty() ? json::object() : existing.front()->fields;
  for (const auto& [column, value] : fields) merged[column] = value;
  for (const FieldViolation& v : spec.rules.Validate(fields, merged)) errors.push_back(FieldMessage(v, spec));
  if (!errors.empty()) return errors;
  if (existing.empty()) {
    store().Create(spec.key, NewRecordId(spec.key), fields);
  } else {
    store().Update(spec.key, existing.front()->id, fields);
  }
  return errors;
}

http::Response MarketingCloudSim::FaultResponse(const http::Request& req, const Fault& fault) {
  http::Response res;
  if (PathOf(req.target()) == kMarketingCloudTokenPath) {
    res = JsonResponse(
        req, fault.status,
        MarketingCloudOAuthError(fault.error_code.empty() ? "temporarily_unavailable" : fault.error_code,
                                 fault.message.empty() ? "The service is temporarily unavailable." : fault.message));
  } else {
    static const std::map<int, std::string> kUsual = {{401, "Not Authorized"},
                                                      {404, "Not Found"},
                                                      {429, "Too Many Requests"},
                                                      {500, "An error occurred while processing the request."},
                                                      {503, "Service Unavailable"}};
    auto it = kUsual.find(fault.status);
    std::string message = !fault.message.empty() ? fault.message
                          : it != kUsual.end()   ? it->second
                                                 : "The request was refused.";
    int64_t code = 0;
    if (!fault.error_code.empty()) code = std::atoll(fault.error_code.c_str());
    res = JsonResponse(req, fault.status, ApiError(message, code));
  }
  if (fault.retry_after_s > 0) res.set(http::beast_http::field::retry_after, std::to_string(fault.retry_after_s));
  return res;
}

Status MarketingCloudSim::Configure(const json::object& settings) {
  for (const auto& [key, value] : settings) {
    if (key == "account_id") {
      auto text = ScalarText(value);
      if (!text) return Status::InvalidArgument("account_id must be a MID (text or number)");
      settings_.account_id = *text;
    } else if (key == "rate_per_s") {
      auto n = IntSetting(key, value, 0, int64_t{1} << 40);
      if (!n.ok()) return n.status();
      settings_.rate_per_s = *n;
    } else if (key == "data_extensions") {
      if (!value.is_object()) return Status::InvalidArgument("data_extensions must be an object of schemas");
      if (Status s = schema_.Merge(value.get_object()); !s.ok()) return s;
    } else {
      auto applied = state_.ApplySetting(key, value);
      if (!applied.ok()) return applied.status();
      if (!*applied) return Status::InvalidArgument("unknown marketing_cloud setting '" + std::string(key) + "'");
    }
  }
  return Status::Ok();
}

void MarketingCloudSim::AddStats(json::object& stats) const { stats["rate_per_s"] = settings_.rate_per_s; }

void MarketingCloudSim::ResetVendor() {
  settings_ = Settings();
  schema_ = MarketingCloudSchema();
  last_second_.Clear();
}

}  // namespace ferry::crm_sim
