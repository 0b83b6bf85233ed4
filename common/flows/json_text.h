#pragma once
// JSON text writing for mapped records: exact decimals (written as computed,
// never through a double) and escaped strings.

#include <string>
#include <string_view>

#include "common/flows/value.h"

namespace ferry::flows {

void AppendJsonString(std::string& out, std::string_view s);
void AppendJsonValue(std::string& out, const Value& v);

}  // namespace ferry::flows
