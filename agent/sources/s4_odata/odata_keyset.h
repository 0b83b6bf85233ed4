#pragma once
// Keyset paging for the OData poller: a poll orders an entity set by its
// change time and then its key, and asks for each next page with a
// condition that holds for exactly the entities ordered after the last one
// read. Unlike $skip, which counts positions, the condition does not move
// when an entity read earlier changes while the poll pages (it leaves its
// place and joins the end): no entity is stepped over.
//
// Values are written as literals from what they parse to, never copied from
// the answer: change times as V2's datetime'…' / datetimeoffset'…' /
// time'PT…' or V4's bare 2024-05-01 / 2024-05-01T10:00:00Z / 10:00:00, keys
// as '…' (quotes doubled) or digits. A null value is ordered first, as SAP
// orders initial values: "after null" is `ne null`.

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "agent/sources/s4_odata/odata_page.h"
#include "common/status.h"

namespace ferry::agent {

// How a change time is typed: V2 Edm.DateTimeOffset / V4 the same;
// V2 Edm.DateTime holding a date / V4 Edm.Date; V2 Edm.Time / V4
// Edm.TimeOfDay.
enum class ODataTimeType { kDateTimeOffset, kDate, kTimeOfDay };

// The $filter literal for `ms` (since the epoch; since midnight for a time
// of day).
std::string TimeLiteral(int64_t ms, ODataTimeType type, bool v4);

// The fields a poll orders by: the change time's fields, then the key's.
std::vector<std::string> OrderFields(const ODataEntityShape& shape);

// The $filter condition for "ordered after `entity`". InvalidArgument when
// a value cannot be written as a literal (a key that is neither text nor a
// whole number, a change time that is not one).
Result<std::string> AfterCondition(const boost::json::object& entity, const ODataEntityShape& shape);

}  // namespace ferry::agent
