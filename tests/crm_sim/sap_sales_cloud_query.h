#pragma once
// The query options of a simulated SAP Sales Cloud V2 collection read, and
// how they apply to an entity as the API shows it (EntityJson: its members
// plus "id"). No I/O: sap_sales_cloud_ops.cc answers with what is here.
//
//   $filter  := chain
//   chain    := term ("and" term)*
//   term     := "(" chain ")" | path op literal
//   path     := name ("/" name)*              adminData/updatedOn
//   op       := eq | ne | gt | ge | lt | le
//   literal  := 'text' ('' inside is one quote) | number | true | false | null
//             | date-time, unquoted: YYYY-MM-DDThh:mm:ss[.f]Z (1 to 9
//               fraction digits, UTC 'Z' only)
//   $orderby := path [asc|desc] ("," path [asc|desc])*
//   $select  := name ("," name)*               top-level members only
//   $top, $skip := a non-negative integer;  $count := true | false
//
// Keywords are lower case. The real API also has "or", "not", functions and
// more; the simulator refuses them (InvalidArgument naming the part) rather
// than answer something a client could mistake for SAP's result.
//
// How a comparison holds (all assumed):
//   - a path that is missing or runs through a non-object reads as null;
//     "eq null" holds for null or missing, "ne null" for anything else;
//   - 'text' compares, byte by byte, with the member's scalar text (a number
//     or boolean as JSON writes it): externalId eq '42' matches 42, and a
//     date-time member compared with quoted text compares as text;
//   - a number compares numerically with a number or a text that is one;
//   - true/false with a boolean, or the text "true"/"false";
//   - a date-time with a text member that is a date-time, as instants, so
//     ".000Z" and "Z" are the same instant;
//   - a member that does not compare (null, another type, an object): eq
//     and the order operators do not hold, ne does.
//
// $orderby puts null and missing first (last with desc), then booleans,
// numbers, date-time texts (as instants), other texts (byte order), then
// objects and arrays; entities equal on every key are in id order.

#include <boost/json.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace ferry::crm_sim {

inline constexpr size_t kSapDefaultPageSize = 50;  // $top absent
inline constexpr size_t kSapMaxPageSize = 100;     // a larger $top is cut to this
inline constexpr size_t kSapMaxQueryOptionChars = 8192;
inline constexpr size_t kSapMaxComparisons = 100;
inline constexpr int kSapMaxFilterDepth = 32;  // nested parentheses

// An instant of an ISO 8601 UTC date-time.
struct SapInstant {
  int64_t seconds = 0;  // since 1970-01-01T00:00:00Z
  int32_t nanos = 0;
  auto operator<=>(const SapInstant&) const = default;
};
// "YYYY-MM-DDThh:mm:ss[.f]Z" with a real calendar date; nullopt otherwise.
std::optional<SapInstant> ParseSapDateTime(std::string_view text);

struct SapLiteral {
  enum class Kind { kText, kNumber, kBool, kNull, kDateTime };
  Kind kind = Kind::kNull;
  std::string text;  // kText: the text without quotes; else as written
  double number = 0;
  bool boolean = false;
  SapInstant instant;
};

struct SapComparison {
  enum class Op { kEq, kNe, kGt, kGe, kLt, kLe };
  std::vector<std::string> path;  // {"adminData", "updatedOn"}
  Op op = Op::kEq;
  SapLiteral literal;

  bool Holds(const boost::json::object& entity) const;
};

// A parsed $filter: every comparison must hold (an empty one matches all).
struct SapFilter {
  std::vector<SapComparison> all;

  bool Matches(const boost::json::object& entity) const;
  // A top-level member and text that every match has as its scalar text
  // (the first "name eq 'text'"), for a lookup by index; nullopt when there
  // is none.
  std::optional<std::pair<std::string, std::string>> IndexKey() const;
};
// InvalidArgument names the part refused and its position.
Result<SapFilter> ParseSapFilter(std::string_view text);

struct SapOrderKey {
  std::vector<std::string> path;
  bool descending = false;
};
Result<std::vector<SapOrderKey>> ParseSapOrderBy(std::string_view text);
// Sorts by `keys`, then by id. An empty `keys` sorts by id alone.
void SortSapEntities(std::vector<boost::json::object>& entities, const std::vector<SapOrderKey>& keys);

Result<std::vector<std::string>> ParseSapSelect(std::string_view text);
// The members of `entity` that `select` names (those it has), "id" first
// and always; all of them when `select` is empty.
boost::json::object SelectSapMembers(const boost::json::object& entity, const std::vector<std::string>& select);

struct SapCollectionQuery {
  SapFilter filter;
  std::vector<SapOrderKey> orderby;  // empty: creation order
  std::vector<std::string> select;   // empty: every member
  size_t top = kSapDefaultPageSize;  // at most kSapMaxPageSize
  size_t skip = 0;
  bool count = true;  // answer "count"
};
// Why a collection query is refused: the option ("$filter"), SAP's error
// code and the message.
struct SapQueryRefusal {
  std::string option;
  std::string code;
  std::string message;
};
// The decoded query options (QueryOf) into `out`. Names not starting with
// '$' are ignored; a '$' option not listed above is refused.
std::optional<SapQueryRefusal> ParseSapCollectionQuery(const std::map<std::string, std::string>& options,
                                                       SapCollectionQuery& out);

}  // namespace ferry::crm_sim
