#include "common/http/json_response.h"

#include <boost/json.hpp>

namespace ferry::http {

Response JsonResponse(const Request& req, beast_http::status status, const boost::json::value& body) {
  Response res{status, req.version()};
  res.set(beast_http::field::content_type, "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

Response JsonError(const Request& req, beast_http::status status, const std::string& message) {
  return JsonResponse(req, status, boost::json::object{{"error", message}});
}

}  // namespace ferry::http
