#pragma once
// The OData V2 query options the S/4 simulator understands, parsed from a
// request's query: $filter as comparisons joined by `and`, `or` and
// parentheses, $orderby, $top, $skip, $skiptoken and $expand. What SAP Gateway would accept beyond
// that is answered 400 with the reason, so a client that relies on more
// fails loudly (README.md beside this file).

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace ferry::s4_sim {

// A literal as the simulator compares it: Edm.DateTime, Edm.DateTimeOffset
// and Edm.Time become milliseconds; strings stay text; `null` (and a
// missing field) is null, which sorts before every value, as ABAP's initial
// values do.
struct Literal {
  bool is_null = false;
  bool is_time = false;
  int64_t ms = 0;
  std::string text;
  // How it was written, for the key types Gateway checks: "string" ('…'),
  // "number" (digits), "int64" (digits with V2's L), "guid" (guid'…', or
  // bare in V4), "time", "null".
  std::string type;
};

// One literal as $filter and key predicates write it in the protocol's
// version (V2's guid'…' and 42L, V4's bare GUID); InvalidArgument for what
// the simulator does not know, or the other version writes.
Result<Literal> ParseLiteral(const std::string& text, bool v4);

struct Comparison {
  std::string field;
  std::string op;  // eq ne gt ge lt le
  Literal value;
};

// A $filter expression: a comparison, or `and`/`or` over its children.
struct FilterNode {
  enum class Kind { kComparison, kAnd, kOr };
  Kind kind = Kind::kComparison;
  Comparison comparison;
  std::vector<FilterNode> children;
};

struct OrderKey {
  std::string field;
  bool descending = false;
};

struct ODataQuery {
  std::optional<FilterNode> filter;
  std::vector<OrderKey> orderby;
  size_t top = SIZE_MAX;
  size_t skip = 0;
  size_t skiptoken = 0;  // the simulator's server paging offset
  std::vector<std::string> expand;
  bool json = false;  // $format=json
};

Result<ODataQuery> ParseODataQuery(const std::map<std::string, std::string>& query, bool v4);

// A field value of a stored entity as a Literal: "/Date(ms)/" and
// "/Date(ms+0000)/" as times, "PT14H30M00S" as a time of day, the rest as
// text. Null and missing fields compare as empty text.
Literal ValueOf(const boost::json::value* field);

// -1, 0, 1 in $orderby's order: null first, then times, then text.
int Compare(const Literal& a, const Literal& b);
// OData's rules: a comparison with null holds only for eq (both null) and
// ne (not both null).
bool Holds(const Comparison& c, const boost::json::object& entity);
bool Holds(const FilterNode& filter, const boost::json::object& entity);

}  // namespace ferry::s4_sim
