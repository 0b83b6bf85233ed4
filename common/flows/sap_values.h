#pragma once
// Conversions of SAP field values (IDoc segment fields are fixed-width text)
// into the forms the CRM expects. These back the flow functions strip_zeros,
// pad_zeros, date, time, datetime and bool (docs/flows.md).
//
// "Blank" means empty or only spaces: SAP pads unset fields with spaces.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace date {
class time_zone;  // <date/tz.h>, kept out of this header (see sap_values.cc)
}

namespace ferry::flows::sap {

// An all-digit value without its leading zeros ("0000100001" -> "100001",
// "000" -> "0"); any other value, including "", unchanged.
std::string StripZeros(std::string_view v);

// An all-digit value shorter than n left-padded with '0' to n digits (SAP's
// ALPHA conversion); any other value, including "", unchanged.
std::string PadZeros(std::string_view v, size_t n);

// "20250312" -> "2025-03-12". Blank or "00000000" -> nullopt. Anything other
// than a real calendar date in years 0001-9999 -> InvalidArgument
// "not an SAP date (YYYYMMDD): '<v>'". An OData V2 Edm.DateTime as S/4
// sends it, "/Date(1741737600000)/" (ms since 1970, UTC; "+0000" allowed
// after them), gives its UTC day, for years 1900-9999.
Result<std::optional<std::string>> Date(std::string_view yyyymmdd);

// "091504" -> "09:15:04". Blank -> nullopt. Anything other than six digits
// with hour <= 23, minute <= 59, second <= 59 -> InvalidArgument
// "not an SAP time (HHMMSS): '<v>'".
Result<std::optional<std::string>> Time(std::string_view hhmmss);

// The local date and time in `zone` as ISO 8601 with a numeric offset:
// "2025-03-12T09:15:04+01:00". A blank or "00000000" date gives nullopt; a
// blank time means 00:00:00. A null zone means UTC. Errors are those of Date
// and Time.
//
// Where a local time does not map to exactly one instant we follow the
// "compatible" rule of java.time and JavaScript Temporal, so that other
// systems reading the same SAP data agree with us:
// - In a DST gap (the time never happened) the wall clock is moved forward by
//   the gap and the later offset is used: Berlin 2025-03-30 02:30 becomes
//   "2025-03-30T03:30:00+02:00".
// - In a DST fold (the time happened twice) the earlier instant is used:
//   Berlin 2025-10-26 02:30 becomes "2025-10-26T02:30:00+02:00".
// Offsets that are not whole minutes (local mean time before ~1900) are
// written with seconds: "+00:53:28".
Result<std::optional<std::string>> DateTime(std::string_view date, std::string_view time, const date::time_zone* zone);

// "X" -> true; nullopt or blank -> false; anything else -> InvalidArgument
// "not an SAP flag (X or blank): '<v>'".
Result<bool> Flag(std::optional<std::string_view> v);

// The IANA time zone `name` (read from the system's /usr/share/zoneinfo), or
// InvalidArgument "unknown time zone '<name>'". The zone's data is loaded
// here, so a broken zoneinfo file fails at flow load (Internal) rather than
// per record. Safe to call from several threads; the pointer lives for the
// whole process.
Result<const date::time_zone*> FindZone(std::string_view name);

}  // namespace ferry::flows::sap
