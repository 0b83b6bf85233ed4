#pragma once
// Percent-encoding for URLs and form bodies (RFC 3986 §2.1,
// application/x-www-form-urlencoded), shared by every connector.

#include <string>
#include <string_view>

namespace ferry::http {

// Everything but the unreserved characters (letters, digits, - . _ ~)
// percent-encoded; with keep_dot false, '.' too (Salesforce resolves an
// external id ending in ".com" or ".inc" in a URL path as a format suffix
// unless the dot is encoded).
std::string PercentEncode(std::string_view value, bool keep_dot = true);

// A form value: like PercentEncode, with spaces as '+'.
std::string FormEncode(std::string_view value);

}  // namespace ferry::http
