#pragma once
// Slices of a JSON text, as written: a connector that hands a record on
// takes its bytes from the answer instead of a round trip through a JSON
// library, which would turn 2500.50 into a double (and 2.0 into 2E0).

#include <optional>
#include <string_view>
#include <vector>

namespace ferry::doc {

// A member of a JSON object: its key as written between its quotes, and
// its value's text as written.
struct JsonSlice {
  std::string_view key;
  std::string_view value;
};
// The members of the object `json`, in order; nullopt when it is no
// object. `json` must be well-formed (parse it first).
std::optional<std::vector<JsonSlice>> MembersOf(std::string_view json);

// The text of top-level member `member` of the object `json`, as written
// (a string with its quotes); nullopt when `json` is no object or has no
// such member. `json` must be well-formed (parse it first): this only
// scans, without recursion.
std::optional<std::string_view> MemberOf(std::string_view json, std::string_view member);

// The text of the first element of the array that is top-level member
// `member` of the object `json`; nullopt when `json` is no object, has no
// such member, the member is no array or the array is empty. `json` must
// be well-formed (parse it first): this only scans, without recursion.
std::optional<std::string_view> FirstElementOf(std::string_view json, std::string_view member);

}  // namespace ferry::doc
