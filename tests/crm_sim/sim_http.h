#pragma once
// Request and response plumbing the simulated vendors share: reading paths,
// queries, forms, headers and JSON bodies, and building JSON answers. No
// vendor behaviour lives here.

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/http_server.h"
#include "common/status.h"

namespace ferry::crm_sim {

using http::Request;
using http::Response;
namespace json = boost::json;

// The path of a request target, without the query.
std::string_view PathOf(std::string_view target);
// The query parameters of a request target, decoded. Repeated names: last wins.
std::map<std::string, std::string> QueryOf(std::string_view target);
// The segments of a path, not decoded ("/a/b%2Fc" → {"a", "b%2Fc"}).
std::vector<std::string_view> SplitPath(std::string_view path);
// %XX decoded; with `plus_is_space` (forms) '+' becomes ' '. A malformed
// escape is kept as written.
std::string PercentDecode(std::string_view text, bool plus_is_space = false);
// application/x-www-form-urlencoded → name → value.
std::map<std::string, std::string> ParseForm(std::string_view body);

// A header of the request, or empty.
std::string_view HeaderOf(const Request& req, std::string_view name);
// The token of "Authorization: Bearer <token>", or empty.
std::string BearerToken(const Request& req);

// The body as JSON. InvalidArgument with the parser's reason otherwise.
Result<json::value> ParseJsonBody(std::string_view body);
// Case-insensitive ASCII comparison and lower-casing.
bool IEquals(std::string_view a, std::string_view b);
std::string Lower(std::string_view s);
// A JSON scalar as the text an external key compares with; nullopt for null,
// objects and arrays.
std::optional<std::string> ScalarText(const json::value& v);

// Answers with `body` serialised as JSON (Content-Type application/json).
Response JsonResponse(const Request& req, int status, const json::value& body);
// Answers with JSON text already serialised (SerializeWithDecimals).
Response JsonTextResponse(const Request& req, int status, std::string body);

// A double as the vendors write it: the shortest decimal that reads back as
// the same value, with ".0" when it is whole (2.0 → "2.0", 666.67 →
// "666.67"), where Boost.JSON writes "2E0" and "6.6667E2". Clients that keep
// a number's text (a flow's text(Quantity)) see what the vendor would send.
std::string DecimalText(double value);
// `value` as JSON text, doubles written by DecimalText.
std::string SerializeWithDecimals(const json::value& value);
// Answers with no body.
Response EmptyResponse(const Request& req, int status);

// `n` random characters from `alphabet`: tokens and signatures.
std::string RandomText(size_t n, std::string_view alphabet = "0123456789abcdef");

}  // namespace ferry::crm_sim
