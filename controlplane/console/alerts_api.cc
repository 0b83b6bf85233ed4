#include "controlplane/console/alerts_api.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "common/http/await_callback.h"
#include "common/http/json_response.h"
#include "common/http/url_encoding.h"

namespace ferry::controlplane {

namespace bhttp = boost::beast::http;

http::Response GetAlerts(const http::Request& req, const AlertService& alerts) {
  return http::JsonResponse(req, bhttp::status::ok, alerts.ActiveJson());
}

http::Response ListAlertHistory(const http::Request& req, std::string_view query, const AlertService& alerts) {
  auto params = http::ParseQuery(query);
  if (!params) return http::JsonError(req, bhttp::status::bad_request, "the query string is malformed");
  uint64_t before = 0;
  uint64_t limit = 50;
  for (const auto& [name, value] : *params) {
    if (name == "before" || name == "limit") {
      auto n = http::QueryNumber(value, name == "limit" ? AlertStore::kMaxPage : UINT64_MAX);
      if (!n || (name == "limit" && *n == 0)) {
        return http::JsonError(
            req, bhttp::status::bad_request,
            name == "limit" ? "limit must be a number from 1 to 500" : "before must be a notification's seq");
      }
      (name == "limit" ? limit : before) = *n;
    } else {
      return http::JsonError(req, bhttp::status::bad_request, "unknown parameter '" + name + "' (before, limit)");
    }
  }
  auto page = alerts.store().History(before, limit);
  if (!page.ok()) return http::JsonError(req, bhttp::status::internal_server_error, page.status().message());
  return http::JsonResponse(
      req, bhttp::status::ok,
      boost::json::object{{"notifications", std::move(page->notifications)}, {"next_before", page->next_before}});
}

http::Response GetAlertRules(const http::Request& req, const AlertService& alerts) {
  return http::JsonResponse(
      req, bhttp::status::ok,
      boost::json::object{{"rules", AlertRulesJson(alerts.rules())}, {"kinds", AlertKindsJson()}});
}

boost::asio::awaitable<http::Response> PutAlertRules(const http::Request& req, AlertService& alerts, std::string user,
                                                     std::string client) {
  auto rules = ParseAlertRules(req.body());
  if (!rules.ok()) co_return http::JsonError(req, bhttp::status::bad_request, rules.status().message());
  const auto before = boost::json::serialize(AlertRulesJson(alerts.rules()));
  const auto after = AlertRulesJson(*rules);
  ferry::v1::AuditEntry entry;
  entry.set_user(user);
  entry.set_client(client);
  entry.set_action("alerts.rules");
  entry.set_target("alert rules");
  entry.set_before(before);
  entry.set_after(boost::json::serialize(after));
  entry.set_outcome("ok");
  const Status stored = co_await http::AwaitCallback<Status>([&](std::function<void(Status)> resolve) {
    alerts.ReplaceRules(std::move(*rules), entry, [resolve](const Status& s) { resolve(s); });
  });
  if (!stored.ok()) co_return http::JsonError(req, bhttp::status::service_unavailable, stored.message());
  spdlog::info("event=alert_rules_changed user={} rules={}", user, after.size());
  co_return http::JsonResponse(req, bhttp::status::ok, boost::json::object{{"rules", after}});
}

}  // namespace ferry::controlplane
