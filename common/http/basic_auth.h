#pragma once
// HTTP Basic credentials (RFC 7617): the value of an Authorization or
// Proxy-Authorization header, "Basic base64(user:password)".

#include <string>
#include <string_view>

namespace ferry::http {

std::string BasicAuthorization(std::string_view user, std::string_view password);

}  // namespace ferry::http
