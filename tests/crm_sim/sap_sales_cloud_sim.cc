#include "tests/crm_sim/sap_sales_cloud_sim.h"

#include "common/http/basic_auth.h"
#include "common/util/ids.h"
#include "tests/crm_sim/sap_sales_cloud_wire.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::crm_sim {

namespace json = boost::json;
namespace beast_http = http::beast_http;

namespace {

constexpr std::string_view kApiRoot = "/sap/c4c/api/v1/";
constexpr std::string_view kSapSalesCloudTokenPath = "/oauth2/token";      // the tenant's IAS
constexpr int64_t kMaxClockSkewMs = int64_t{10} * 366 * 24 * 3600 * 1000;  // ten years either way

// Service → its one collection, as the standard flows name the objects.
const std::map<std::string, std::string, std::less<>>& Services() {
  static const std::map<std::string, std::string, std::less<>> kServices = {
      {"account-service", "accounts"},
      {"contact-person-service", "contactPersons"},
      {"registered-product-service", "registeredProducts"},
      {"sales-quote-service", "salesQuotes"},
      {"case-service", "cases"},
  };
  return kServices;
}

std::map<std::string, ObjectSchema> DefaultSchemas() {
  // The flows mark formattedName and familyName required; SAP checks its
  // code lists, of which only the country is simulated.
  std::map<std::string, ObjectSchema> schemas;
  (void)schemas["accounts"].Merge(json::object{{"required", json::array{"formattedName"}},
                                               {"picklists", json::object{{"countryCode", "iso3166-alpha2"}}}});
  (void)schemas["contactPersons"].Merge(json::object{{"required", json::array{"familyName"}}});
  schemas["registeredProducts"];
  schemas["salesQuotes"];
  schemas["cases"];
  return schemas;
}

}  // namespace

SapSalesCloudSim::SapSalesCloudSim(boost::asio::any_io_executor executor)
    : VendorSim(/*ignore_case=*/false, VendorState("ferry-sap", "sap-secret", 3600)),
      schemas_(DefaultSchemas()),
      events_(std::move(executor)) {
  last_second_.set_window_ms(1000);
}

bool SapSalesCloudSim::Claims(std::string_view path) const {
  return path.substr(0, kApiRoot.size()) == kApiRoot || path == kSapSalesCloudTokenPath;
}

std::string SapSalesCloudSim::NewRecordId(std::string_view) { return NewEventId(); }

http::Response SapSalesCloudSim::Token(const http::Request& req) {
  auto oauth_error = [&](int status, std::string_view error, std::string_view description) {
    return JsonResponse(req, status, json::object{{"error", error}, {"error_description", description}});
  };
  if (req.method() != beast_http::verb::post) return oauth_error(405, "invalid_request", "Use POST.");
  auto form = ParseForm(req.body());
  if (form["grant_type"] != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type", "Unsupported grant type '" + form["grant_type"] + "'.");
  }
  // client_secret_post or client_secret_basic, as IAS accepts both.
  const std::string basic = http::BasicAuthorization(state_.client_id(), state_.client_secret());
  const bool by_header = HeaderOf(req, "Authorization") == basic;
  const bool by_form = form["client_id"] == state_.client_id() && form["client_secret"] == state_.client_secret();
  if (!by_header && !by_form) return oauth_error(401, "invalid_client", "Client authentication failed.");
  std::string token = RandomText(48);
  state_.AddToken(token);
  auto res = JsonResponse(
      req, 200, json::object{{"access_token", token}, {"token_type", "Bearer"}, {"expires_in", state_.token_ttl_s()}});
  res.set(beast_http::field::cache_control, "no-store");
  return res;
}

bool SapSalesCloudSim::Authorized(const http::Request& req) const {
  const std::string_view header = HeaderOf(req, "Authorization");
  if (header.rfind("Bearer ", 0) == 0) return state_.CheckToken(BearerToken(req)) == VendorState::TokenCheck::kValid;
  return header == http::BasicAuthorization(state_.client_id(), state_.client_secret());
}

http::Response SapSalesCloudSim::Handle(const http::Request& req, const SimContext&) {
  if (PathOf(req.target()) == kSapSalesCloudTokenPath) return Token(req);
  if (!Authorized(req)) {
    auto res = SapError(req, 401, "UNAUTHORIZED",
                        "Authentication failed: the user, password or access token is wrong, expired or missing.");
    res.set(beast_http::field::www_authenticate, "Basic realm=\"SAP Sales and Service Cloud\", Bearer");
    return res;
  }
  const int64_t now = SteadyMs();
  if (rate_per_s_ > 0 && last_second_.Count(now) >= rate_per_s_) {
    auto res = SapError(req, 429, "TOO_MANY_REQUESTS",
                        "Rate limit of " + std::to_string(rate_per_s_) + " requests per second exceeded.");
    res.set(beast_http::field::retry_after, "1");
    return res;
  }
  last_second_.Add(now, 1);
  state_.CountOperations(1);

  const auto segments = SplitPath(PathOf(req.target()));  // sap, c4c, api, v1, service, collection, id?
  auto service = segments.size() > 4 ? Services().find(segments[4]) : Services().end();
  if (service == Services().end() || segments.size() < 6 || segments.size() > 7 || segments[5] != service->second) {
    return SapError(req, 404, "NOT_FOUND", "No service or resource at " + std::string(PathOf(req.target())) + ".");
  }
  if (segments.size() == 6) return Collection(req, service->second);
  return Entity(req, service->second, PercentDecode(segments[6]));
}

http::Response SapSalesCloudSim::FaultResponse(const http::Request& req, const Fault& fault) {
  std::string code = fault.error_code;
  if (code.empty()) {
    code = fault.status == 401   ? "UNAUTHORIZED"
           : fault.status == 412 ? "PRECONDITION_FAILED"
           : fault.status == 429 ? "TOO_MANY_REQUESTS"
           : fault.status == 502 ? "BAD_GATEWAY"
           : fault.status == 503 ? "SERVICE_UNAVAILABLE"
           : fault.status >= 500 ? "INTERNAL_SERVER_ERROR"
                                 : "BAD_REQUEST";
  }
  const std::string message =
      fault.message.empty() ? "Injected fault: HTTP " + std::to_string(fault.status) + "." : fault.message;
  auto res = SapError(req, fault.status, code, message);
  if (fault.retry_after_s > 0) res.set(beast_http::field::retry_after, std::to_string(fault.retry_after_s));
  return res;
}

Status SapSalesCloudSim::Configure(const json::object& settings) {
  for (const auto& [key, value] : settings) {
    if (key == "rate_per_s") {
      auto n = IntSetting(key, value, 0, 1000000);
      if (!n.ok()) return n.status();
      rate_per_s_ = *n;
    } else if (key == "clock_skew_ms") {
      auto n = IntSetting(key, value, -kMaxClockSkewMs, kMaxClockSkewMs);
      if (!n.ok()) return n.status();
      clock_skew_ms_ = *n;
    } else if (key == "objects") {
      if (!value.is_object()) return Status::InvalidArgument("objects must be an object of object schemas");
      for (const auto& [object, config] : value.get_object()) {
        auto it = schemas_.find(std::string(object));
        if (it == schemas_.end()) {
          return Status::InvalidArgument("sap_sales_cloud has no object '" + std::string(object) + "'");
        }
        if (!config.is_object())
          return Status::InvalidArgument("objects." + std::string(object) + " must be an object");
        if (Status s = it->second.Merge(config.get_object()); !s.ok()) return s;
      }
    } else {
      // user and password are the Basic credentials: the common client ones.
      const std::string_view common = key == "user" ? "client_id" : key == "password" ? "client_secret" : key;
      auto applied = state_.ApplySetting(common, value);
      if (!applied.ok()) return applied.status();
      if (!*applied) return Status::InvalidArgument("unknown sap_sales_cloud setting '" + std::string(key) + "'");
    }
  }
  return Status::Ok();
}

void SapSalesCloudSim::AddStats(json::object& stats) const {
  stats["rate_per_s"] = rate_per_s_;
  stats["clock_skew_ms"] = clock_skew_ms_;
}

std::optional<http::Response> SapSalesCloudSim::ControlResource(const http::Request& req, std::string_view resource,
                                                                const SimContext&) {
  if (resource != "events") return std::nullopt;
  auto error = [&](int status, const std::string& message) {
    return JsonResponse(req, status, json::object{{"error", message}});
  };
  if (req.method() == beast_http::verb::get) return JsonResponse(req, 200, events_.Describe());
  if (req.method() == beast_http::verb::delete_) {
    events_.Clear();
    return JsonResponse(req, 200, json::object{{"ok", true}});
  }
  if (req.method() != beast_http::verb::post) {
    return error(404, "no control resource " + std::string(req.method_string()) + " /_sim/sap_sales_cloud/events");
  }
  auto parsed = ParseJsonBody(req.body());
  if (!parsed.ok() || !parsed->is_object()) return error(400, "the body must be a JSON object");
  auto registered = events_.Register(parsed->get_object());
  if (!registered.ok()) return error(400, std::string(registered.status().message()));
  return JsonResponse(req, 200, *registered);
}

void SapSalesCloudSim::ResetVendor() {
  events_.Clear();
  schemas_ = DefaultSchemas();
  rate_per_s_ = 0;
  clock_skew_ms_ = 0;
  last_second_.Clear();
  // last_stamp_ms_ stays: a tenant's updatedOn never goes back, and a
  // poller's watermark may outlive a reset.
}

}  // namespace ferry::crm_sim
