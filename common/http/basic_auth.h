#pragma once
// HTTP Basic credentials (RFC 7617): the value of an Authorization or
// Proxy-Authorization header, "Basic base64(user:password)".

#include <string>
#include <string_view>

namespace ferry::http {

std::string BasicAuthorization(std::string_view user, std::string_view password);

// The credentials in an Authorization header's value given with `scheme`
// ("basic", "bearer": lower case; the header's may be in any case), or ""
// when it uses another scheme or none.
std::string_view CredentialsOf(std::string_view header_value, std::string_view scheme);

// Whether an Authorization header's value carries exactly these
// credentials: the scheme in any case, the credentials compared in
// constant time (what a request sends is the attacker's to choose).
bool IsBasicAuthorization(std::string_view header_value, std::string_view user, std::string_view password);

}  // namespace ferry::http
