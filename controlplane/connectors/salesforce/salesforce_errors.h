#pragma once
// Salesforce's REST error bodies: a list of {"message", "errorCode" (or
// "statusCode" per record), "fields"}.

#include <boost/json.hpp>

#include <string>

namespace ferry::controlplane {

// The list as one line: "CODE: message (fields: A, B); ...".
std::string ErrorsText(const boost::json::value& errors);
// The first entry's code, or "".
std::string FirstCode(const boost::json::value& errors);

}  // namespace ferry::controlplane
