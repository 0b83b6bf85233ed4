#pragma once
// JSON answers of the control plane's HTTPS APIs (enrollment, console).

#include <boost/json/value.hpp>

#include <string>

#include "common/http/http_server.h"

namespace ferry::http {

// `body` serialized, Content-Type application/json, no caching.
Response JsonResponse(const Request& req, beast_http::status status, const boost::json::value& body);
// {"error": message}.
Response JsonError(const Request& req, beast_http::status status, const std::string& message);

}  // namespace ferry::http
