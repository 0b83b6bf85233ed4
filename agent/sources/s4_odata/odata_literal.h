#pragma once
// Key values as OData literals, for $filter conditions and key predicates.
// A key is typed in the service's metadata, and each type has its own
// literal: S/4 answers 400 to a Guid or an Int64 key written as text.
//
//   type     V2                 V4
//   string   '1000746'          '1000746'       (quotes doubled)
//   guid     guid'0050568f-…'   0050568f-…
//   int      42                 42              (Edm.Byte/Int16/Int32)
//   int64    42L                42
//
// Values come from S/4's answers or an event's data: each is checked
// against its type before it is written, so no value can end the literal.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/config_node.h"

namespace ferry::agent {

enum class ODataKeyType {
  kAuto,  // a JSON string as string, a JSON number as int: what the value looks like
  kString,
  kGuid,
  kInt,
  kInt64,
};

// `key_types` of an entity set's configuration: one per key field, in the
// key's order ("string", "guid", "int", "int64"); absent: kAuto for each.
std::vector<ODataKeyType> ReadKeyTypes(config::ConfigNode& item, size_t key_count);

// The literal for `value` (a JSON string's text, or a number's digits) as
// a key of `type`; nullopt when the value is not of that type. `number`:
// the value was a JSON number (for kAuto).
std::optional<std::string> KeyLiteral(std::string_view value, ODataKeyType type, bool v4, bool number = false);

}  // namespace ferry::agent
