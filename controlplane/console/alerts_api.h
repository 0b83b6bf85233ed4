#pragma once
// Alerts in the console's API (docs/api.md, "Alerts"):
//
//   GET /api/v1/alerts                  firing and pending alerts, and each
//                                       channel's counters
//   GET /api/v1/alerts/history?before=&limit=  sent notifications, newest first
//   GET /api/v1/alerts/rules            the rules and the kinds of rule
//   PUT /api/v1/alerts/rules            replaces the rules (admins; audited
//                                       with the rules before and after)

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

#include "common/http/http_server.h"
#include "controlplane/alerts/alert_service.h"

namespace ferry::controlplane {

http::Response GetAlerts(const http::Request& req, const AlertService& alerts);
http::Response ListAlertHistory(const http::Request& req, std::string_view query, const AlertService& alerts);
http::Response GetAlertRules(const http::Request& req, const AlertService& alerts);
// The caller has checked that `user` is an admin.
boost::asio::awaitable<http::Response> PutAlertRules(const http::Request& req, AlertService& alerts, std::string user,
                                                     std::string client);

}  // namespace ferry::controlplane
