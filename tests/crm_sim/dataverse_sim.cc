#include "tests/crm_sim/dataverse_sim.h"

#include <cstdio>

#include "common/util/clock.h"
#include "common/util/ids.h"
#include "tests/crm_sim/dataverse_batch.h"
#include "tests/crm_sim/odata_key.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;
namespace beast_http = http::beast_http;
using http::EmbeddedRequest;
using http::EmbeddedResponse;

namespace {

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

http::Response ToResponse(const http::Request& req, const EmbeddedResponse& op) {
  http::Response res{static_cast<beast_http::status>(op.status), req.version()};
  for (const auto& [name, value] : op.headers.fields) res.insert(name, value);
  res.body() = op.body;
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

// The Microsoft identity platform's error shape.
http::Response EntraError(const http::Request& req, int status, std::string_view error, int code,
                          const std::string& message) {
  const std::string trace = NewEventId();
  const std::string correlation = NewEventId();
  const std::string timestamp = FormatIsoTimeMs(NowUnixMs());
  json::object body{{"error", error},
                    {"error_description", "AADSTS" + std::to_string(code) + ": " + message + " Trace ID: " + trace +
                                              " Correlation ID: " + correlation + " Timestamp: " + timestamp},
                    {"error_codes", json::array{code}},
                    {"timestamp", timestamp},
                    {"trace_id", trace},
                    {"correlation_id", correlation},
                    {"error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(code)}};
  return JsonResponse(req, status, body);
}

std::string NormalisedUrl(std::string_view url) {
  std::string out = Lower(url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

bool AcceptsJson(std::string_view accept) {
  return accept.find("application/json") != std::string_view::npos || accept.find("*/*") != std::string_view::npos ||
         accept.find("application/*") != std::string_view::npos;
}

}  // namespace

DataverseSim::DataverseSim(boost::asio::any_io_executor executor)
    : VendorSim(/*ignore_case=*/false, VendorState("ferry-dv", "dv-secret", 3599)),
      ops_(store(), schema_),
      webhooks_(std::move(executor)) {
  ops_.set_observer(&webhooks_);
  ApplySettings();
}

void DataverseSim::ApplySettings() {
  ops_.set_expand_collection_limit(settings_.expand_collection_limit);
  webhooks_.set_organization({settings_.organization_id, settings_.organization_name});
}

bool DataverseSim::Claims(std::string_view path) const {
  if (path.substr(0, 10) == "/api/data/") return true;
  const auto segments = SplitPath(path);
  return segments.size() == 4 && segments[1] == "oauth2" && segments[2] == "v2.0" && segments[3] == "token";
}

std::string DataverseSim::NewRecordId(std::string_view) { return NewEventId(); }

std::string DataverseSim::OrgUrl(const SimContext& ctx) const {
  std::string url = settings_.org_url.empty() ? ctx.base_url : settings_.org_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

http::Response DataverseSim::Handle(const http::Request& req, const SimContext& ctx) {
  if (PathOf(req.target()).substr(0, 10) == "/api/data/") return Api(req, ctx);
  return Token(req, ctx);
}

http::Response DataverseSim::Token(const http::Request& req, const SimContext& ctx) {
  const std::string tenant(SplitPath(PathOf(req.target())).front());
  if (req.method() != beast_http::verb::post) {
    return EntraError(req, 400, "invalid_request", 900561,
                      "The endpoint only accepts POST, OPTIONS requests. Received a " +
                          std::string(req.method_string()) + " request.");
  }
  auto form = ParseForm(req.body());
  auto missing = [&](std::string_view parameter) {
    return EntraError(req, 400, "invalid_request", 900144,
                      "The request body must contain the following parameter: '" + std::string(parameter) + "'.");
  };
  if (form["grant_type"].empty()) return missing("grant_type");
  if (form["grant_type"] != "client_credentials") {
    return EntraError(req, 400, "unsupported_grant_type", 70003,
                      "The app requested an unsupported grant type '" + form["grant_type"] + "'.");
  }
  if (form["client_id"].empty()) return missing("client_id");
  if (form["client_id"] != state_.client_id()) {
    return EntraError(req, 400, "unauthorized_client", 700016,
                      "Application with identifier '" + form["client_id"] + "' was not found in the directory '" +
                          tenant + "'. You may have sent your authentication request to the wrong tenant.");
  }
  if (form["client_secret"].empty()) {
    return EntraError(req, 401, "invalid_client", 7000218,
                      "The request body must contain the following parameter: 'client_assertion' or "
                      "'client_secret'.");
  }
  if (form["client_secret"] != state_.client_secret()) {
    return EntraError(req, 401, "invalid_client", 7000215,
                      "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                      "secret value, not the client secret ID, for a secret added to app '" +
                          form["client_id"] + "'.");
  }
  const std::string& scope = form["scope"];
  if (scope.empty()) return missing("scope");
  constexpr std::string_view kDefault = "/.default";
  if (scope.size() <= kDefault.size() || scope.substr(scope.size() - kDefault.size()) != kDefault) {
    return EntraError(req, 400, "invalid_scope", 1002012,
                      "The provided value for scope " + scope +
                          " is not valid. Client credential flows must have a scope value with /.default suffixed "
                          "to the resource identifier (application ID URI).");
  }
  // "https://org.crm.dynamics.com//.default" is accepted too, as it is by
  // the real endpoint: trailing slashes of the resource are not compared.
  const std::string resource = scope.substr(0, scope.size() - kDefault.size());
  if (NormalisedUrl(resource) != NormalisedUrl(OrgUrl(ctx))) {
    return EntraError(req, 400, "invalid_resource", 500011,
                      "The resource principal named " + resource + " was not found in the tenant named " + tenant +
                          ". You might have sent your authentication request to the wrong tenant.");
  }
  std::string token =
      "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + RandomText(220, kBase64Url) + "." + RandomText(86, kBase64Url);
  state_.AddToken(token);
  const int ttl = state_.token_ttl_s();
  auto res = JsonResponse(
      req, 200,
      json::object{{"token_type", "Bearer"}, {"expires_in", ttl}, {"ext_expires_in", ttl}, {"access_token", token}});
  res.set(beast_http::field::cache_control, "no-store, no-cache");
  res.set(beast_http::field::pragma, "no-cache");
  return res;
}

http::Response DataverseSim::Throttled(const http::Request& req, int retry_after_s) {
  // Without a configured limit (an injected 429) the documented one is named.
  const auto& s = protection_.settings();
  const bool configured = s.max_per_window > 0;
  char window[32];
  std::snprintf(window, sizeof(window), "%g", configured ? static_cast<double>(s.window_ms) / 1000.0 : 300.0);
  auto res = ToResponse(req, ODataError(429, "0x80072322",
                                        "Number of requests exceeded the limit of " +
                                            std::to_string(configured ? s.max_per_window : 6000) +
                                            " over time window of " + window + " seconds."));
  res.set(beast_http::field::retry_after, std::to_string(retry_after_s));
  return res;
}

http::Response DataverseSim::Api(const http::Request& req, const SimContext& ctx) {
  const std::string_view target = req.target();
  const auto segments = SplitPath(PathOf(target));  // api, data, v9.2, …
  const std::string_view version = segments.size() > 2 ? segments[2] : "";
  if (version != "v9.0" && version != "v9.1" && version != "v9.2") {
    return ToResponse(
        req, ODataError(404, "0x8006088a", "Resource not found for the segment '" + std::string(version) + "'."));
  }
  if (state_.CheckToken(BearerToken(req)) != VendorState::TokenCheck::kValid) {
    auto res = ToResponse(req, ODataError(401, "0x80072182",
                                          "The user is not authenticated: the bearer token is missing, invalid or "
                                          "expired."));
    res.set(beast_http::field::www_authenticate,
            "Bearer error=\"invalid_token\", error_description=\"The access token is missing, invalid or "
            "expired\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\"");
    return res;
  }
  const std::string prefix = "/api/data/" + std::string(version) + "/";
  const std::string relative(target.substr(0, prefix.size()) == prefix ? target.substr(prefix.size()) : "");
  const bool batch = PathOf(relative) == "$batch" && req.method() == beast_http::verb::post;
  Result<ParsedBatch> parsed = Status::InvalidArgument("not a batch");
  if (batch) parsed = ParseBatch(HeaderOf(req, "Content-Type"), req.body());
  const int64_t cost = batch && parsed.ok() ? static_cast<int64_t>(std::max<size_t>(1, parsed->operations)) : 1;
  const auto verdict = protection_.Admit(SteadyMs(), cost);
  if (!verdict.admitted) return Throttled(req, verdict.retry_after_s);
  if (HeaderOf(req, "OData-MaxVersion") != "4.0" || HeaderOf(req, "OData-Version") != "4.0" ||
      !AcceptsJson(HeaderOf(req, "Accept"))) {
    // Assumed strictness: the documented request headers are required.
    return ToResponse(req, ODataError(400, "0x8006088a",
                                      "Requests must carry OData-MaxVersion: 4.0, OData-Version: 4.0 and an "
                                      "Accept header that takes application/json."));
  }
  const std::string service_root = OrgUrl(ctx) + "/api/data/" + std::string(version);
  auto run = [&](const EmbeddedRequest& op) { return ops_.Run(op, service_root); };
  http::Response res;
  if (batch) {
    if (!parsed.ok()) {
      res = ToResponse(req,
                       ODataError(400, "0x8006088a", "The batch request is malformed: " + parsed.status().message()));
    } else if (parsed->operations > kMaxBatchOperations) {
      res = ToResponse(req, ODataError(400, "0x80040203",
                                       "The number of requests in a batch (" + std::to_string(parsed->operations) +
                                           ") exceeds the limit of " + std::to_string(kMaxBatchOperations) + "."));
    } else {
      state_.CountBatch();
      state_.CountOperations(static_cast<int64_t>(parsed->operations));
      const std::string prefer = Lower(HeaderOf(req, "Prefer"));
      const bool continue_on_error = prefer.find("odata.continue-on-error") != std::string::npos &&
                                     prefer.find("odata.continue-on-error=false") == std::string::npos;
      // A change set's writes set off their webhooks only once it commits.
      const ChangeSetHooks hooks{[this] { webhooks_.Hold(); },
                                 [this](bool committed) { webhooks_.Release(committed); }};
      BatchAnswer answer = RunBatch(*parsed, continue_on_error, store(), run, hooks);
      const int status = answer.any_failed && !continue_on_error ? settings_.batch_error_status : 200;
      res = http::Response{static_cast<beast_http::status>(status), req.version()};
      res.set(beast_http::field::content_type, answer.content_type);
      res.set("OData-Version", "4.0");
      if (continue_on_error) res.set("Preference-Applied", "odata.continue-on-error");
      res.body() = std::move(answer.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
    }
  } else {
    EmbeddedRequest op{std::string(req.method_string()), relative, {}, req.body()};
    for (const auto& field : req) op.headers.Add(std::string(field.name_string()), std::string(field.value()));
    state_.CountOperations(1);
    res = ToResponse(req, run(op));
  }
  if (const int64_t remaining = protection_.Remaining(SteadyMs()); remaining >= 0) {
    res.set("x-ms-ratelimit-burst-remaining-xrm-requests", std::to_string(remaining));
  }
  return res;
}

http::Response DataverseSim::FaultResponse(const http::Request& req, const Fault& fault) {
  http::Response res;
  if (PathOf(req.target()).substr(0, 10) != "/api/data/") {
    const bool busy = fault.status >= 500;
    res =
        EntraError(req, fault.status,
                   fault.error_code.empty() ? (busy ? "temporarily_unavailable" : "invalid_request") : fault.error_code,
                   busy ? 50196 : 900144,
                   fault.message.empty() ? "The server is temporarily too busy to handle the request." : fault.message);
  } else if (fault.status == 429 && fault.error_code.empty() && fault.message.empty()) {
    res = Throttled(req, fault.retry_after_s > 0 ? fault.retry_after_s : 1);
  } else {
    std::string code = fault.error_code.empty() ? "0x80040216" : fault.error_code;
    std::string message = fault.message;
    if (message.empty()) {
      message = fault.status == 401 ? "The user is not authenticated: the bearer token is missing, invalid or expired."
                : fault.status == 502 ? "Bad Gateway: the server could not be reached. Try again later."
                : fault.status == 503 ? "The service is temporarily unavailable. Try again later."
                                      : "An unexpected error occurred.";
    }
    if (fault.status == 401 && fault.error_code.empty()) code = "0x80072182";
    res = ToResponse(req, ODataError(fault.status, code, message));
    if (fault.status == 401) res.set(beast_http::field::www_authenticate, "Bearer error=\"invalid_token\"");
  }
  if (fault.retry_after_s > 0) res.set(beast_http::field::retry_after, std::to_string(fault.retry_after_s));
  return res;
}

Status DataverseSim::Configure(const json::object& settings) {
  auto& protection = protection_.settings();
  for (const auto& [key, value] : settings) {
    if (key == "org_url") {
      if (!value.is_string()) return Status::InvalidArgument("org_url must be a URL");
      settings_.org_url = std::string(value.get_string());
    } else if (key == "max_per_window" || key == "window_ms") {
      auto n = IntSetting(key, value, key == "window_ms" ? 1 : 0, int64_t{1} << 40);
      if (!n.ok()) return n.status();
      (key == "max_per_window" ? protection.max_per_window : protection.window_ms) = *n;
    } else if (key == "retry_after_s") {
      auto n = IntSetting(key, value, 0, 86400);
      if (!n.ok()) return n.status();
      protection.retry_after_s = static_cast<int>(*n);
    } else if (key == "batch_error_status") {
      if (!value.is_int64() || (value.get_int64() != 200 && value.get_int64() != 400)) {
        return Status::InvalidArgument("batch_error_status must be 200 or 400");
      }
      settings_.batch_error_status = static_cast<int>(value.get_int64());
    } else if (key == "entity_sets") {
      if (!value.is_object()) return Status::InvalidArgument("entity_sets must be an object of entity set schemas");
      if (Status s = schema_.Merge(value.get_object()); !s.ok()) return s;
    } else if (key == "expand_collection_limit") {
      auto n = IntSetting(key, value, 1, 1000000);
      if (!n.ok()) return n.status();
      settings_.expand_collection_limit = static_cast<size_t>(*n);
      ApplySettings();
    } else if (key == "organization_id") {
      if (!value.is_string() || !IsGuid(value.get_string()) || value.get_string().size() != 36) {
        return Status::InvalidArgument("organization_id must be a GUID (8-4-4-4-12 hex digits)");
      }
      settings_.organization_id = Lower(value.get_string());
      ApplySettings();
    } else if (key == "organization_name") {
      if (!value.is_string() || value.get_string().empty() || value.get_string().size() > 256) {
        return Status::InvalidArgument("organization_name must be a non-empty name");
      }
      settings_.organization_name = std::string(value.get_string());
      ApplySettings();
    } else {
      auto applied = state_.ApplySetting(key, value);
      if (!applied.ok()) return applied.status();
      if (!*applied) return Status::InvalidArgument("unknown dataverse setting '" + std::string(key) + "'");
    }
  }
  return Status::Ok();
}

void DataverseSim::AddStats(json::object& stats) const {
  const auto& settings = protection_.settings();
  stats["service_protection"] =
      json::object{{"max_per_window", settings.max_per_window}, {"window_ms", settings.window_ms}};
}

std::optional<http::Response> DataverseSim::ControlResource(const http::Request& req, std::string_view resource,
                                                            const SimContext&) {
  if (resource != "service_endpoints") return std::nullopt;
  auto error = [&](int status, const std::string& message) {
    return JsonResponse(req, status, json::object{{"error", message}});
  };
  if (req.method() == beast_http::verb::get) return JsonResponse(req, 200, webhooks_.Describe());
  if (req.method() == beast_http::verb::delete_) {
    webhooks_.Clear();
    return JsonResponse(req, 200, json::object{{"ok", true}});
  }
  if (req.method() != beast_http::verb::post) {
    return error(
        404, "no control resource " + std::string(req.method_string()) + " /_sim/dataverse/" + std::string(resource));
  }
  auto parsed = ParseJsonBody(req.body());
  if (!parsed.ok() || !parsed->is_object()) return error(400, "the body must be a JSON object");
  auto registered = webhooks_.Register(parsed->get_object());
  if (!registered.ok()) return error(400, registered.status().message());
  return JsonResponse(req, 200, *registered);
}

void DataverseSim::ResetVendor() {
  webhooks_.Clear();
  settings_ = Settings();
  schema_ = DataverseSchema();
  protection_.Reset();
  ApplySettings();
}

}  // namespace ferry::crm_sim
