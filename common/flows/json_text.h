#pragma once
// JSON text writing for mapped records: exact decimals (written as computed,
// never through a double) and escaped strings.

#include <string>
#include <string_view>
#include <vector>

#include "common/flows/value.h"

namespace ferry::flows {

void AppendJsonString(std::string& out, std::string_view s);
void AppendJsonValue(std::string& out, const Value& v);
// `s` as a JSON string literal, quotes included.
std::string JsonQuoted(std::string_view s);

// The top-level members of a JSON object this engine wrote (a record's
// fields_json): each key as written between its quotes, and the value's
// exact text. Lets connectors rebuild a body around the fields without a
// round trip through a JSON library that would turn decimals into doubles.
// Empty for anything that is not such an object.
struct JsonMember {
  std::string_view key;
  std::string_view value;
};
std::vector<JsonMember> TopLevelMembers(std::string_view object);

}  // namespace ferry::flows
