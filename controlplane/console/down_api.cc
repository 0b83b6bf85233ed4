#include "controlplane/console/down_api.h"

#include <boost/json.hpp>

#include "common/http/json_response.h"
#include "common/http/url_encoding.h"
#include "common/wire/down_listing.h"

namespace ferry::controlplane {

http::Response ListDownQueue(const http::Request& req, std::string_view query, const store::DurableQueue& down) {
  namespace bhttp = boost::beast::http;
  auto params = http::ParseQuery(query);
  if (!params) return http::JsonError(req, bhttp::status::bad_request, "the query string is malformed");
  size_t limit = 200;
  for (const auto& [name, value] : *params) {
    if (name != "limit")
      return http::JsonError(req, bhttp::status::bad_request, "unknown parameter '" + name + "' (limit)");
    auto n = http::QueryNumber(value, kMaxDownPage);
    if (!n || *n == 0) {
      return http::JsonError(req, bhttp::status::bad_request,
                             "limit: must be from 1 to " + std::to_string(kMaxDownPage));
    }
    limit = *n;
  }
  // Bounded in bytes too: each command holds its whole record.
  auto records = down.ReadAfter(0, limit, kMaxDownPageBytes);
  if (!records.ok()) return http::JsonError(req, bhttp::status::internal_server_error, records.status().message());
  return http::JsonResponse(
      req, bhttp::status::ok,
      boost::json::object{{"commands", wire::DownQueueJson(*records, "agent")}, {"total", down.Stats().depth}});
}

}  // namespace ferry::controlplane
