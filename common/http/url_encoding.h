#pragma once
// Percent-encoding for URLs and form bodies (RFC 3986 §2.1,
// application/x-www-form-urlencoded), shared by every connector.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ferry::http {

// Everything but the unreserved characters (letters, digits, - . _ ~)
// percent-encoded; with keep_dot false, '.' too (Salesforce resolves an
// external id ending in ".com" or ".inc" in a URL path as a format suffix
// unless the dot is encoded).
std::string PercentEncode(std::string_view value, bool keep_dot = true);

// A form value: like PercentEncode, with spaces as '+'.
std::string FormEncode(std::string_view value);

// The parameters of a query string ("a=1&b=x%20y", '+' as a space), decoded.
// nullopt when it is malformed: a '%' not followed by two hex digits, a
// name twice, more than 32 parameters, a name or value over 1 KiB decoded,
// or bytes that are not UTF-8 once decoded.
std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view query);

// A query parameter's whole number: decimal digits only (no sign, no
// spaces), at most `max`; nullopt otherwise.
std::optional<uint64_t> QueryNumber(std::string_view value, uint64_t max = UINT64_MAX);

// "/path?query" split at the first '?'.
inline std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace ferry::http
