#pragma once
// One page of an S/4HANA OData answer, read as the poller needs it: each
// entity's key, change time, deletion flag and payload, and where the next
// page is. The answer comes from the network: it is parsed with bounded
// depth and size, and an entity that cannot be identified is reported, not
// guessed at.
//
// V2 (SAP Gateway): {"d":{"results":[…],"__next":"…","__delta":"…"}};
// dates are "/Date(ms)/" (Edm.DateTime, Edm.DateTimeOffset with "+0000")
// and times "PT14H30M00S" (Edm.Time). V4: {"value":[…],"@odata.nextLink":
// "…","@odata.deltaLink":"…"}; dates are ISO 8601 text; in a delta answer an
// entity removed since is marked "@removed" (4.01) or "@odata.removed"
// (4.0) and carries its key: it is read as deleted.
//
// The payload is the entity as JSON without OData's bookkeeping: no
// "__metadata", no deferred navigations ({"__deferred":…} members are left
// out), and expanded V2 collections ({"results":[…]}) as plain arrays, so a
// flow reads to_BusinessPartnerAddress/CityName whichever version it is.

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/sources/s4_odata/odata_literal.h"
#include "common/status.h"

namespace ferry::agent {

struct ODataEntityShape {
  std::vector<std::string> key_fields;  // joined with "," when several
  std::vector<ODataKeyType> key_types;  // one per key field; empty: kAuto
  std::string changed_date;             // Edm.DateTime holding a date (V2), or
  std::string changed_time;             // with it, Edm.Time (optional)
  std::string changed_at;               // Edm.DateTimeOffset (V2 or V4)
  std::string deleted_when;             // a boolean field; true: deleted
  bool v4 = false;                      // the service speaks OData V4 (literals differ)
};

struct ODataEntity {
  std::string key;
  int64_t changed_ms = 0;  // 0 when the entity carries no change time
  bool deleted = false;
  std::string payload;  // compact JSON
};

struct ODataPage {
  std::vector<ODataEntity> entities;
  std::string next_link;   // empty: the server has no further page
  std::string delta_link;  // on a delta-enabled service's last page: V2 __delta, V4 @odata.deltaLink
  // "entity #3 has no key field BusinessPartner", for each one skipped.
  std::vector<std::string> skipped;
  // The $filter condition for the entities ordered after the page's last
  // identified entity (odata_keyset.h), and why there is none when empty.
  std::string after;
  std::string after_missing = "the page has no entity";
};

// InvalidArgument: not JSON, too deep, not an OData collection answer.
Result<ODataPage> ParseODataPage(std::string_view body, const ODataEntityShape& shape);

// One entity (GET …/A_BusinessPartner('1000746')): V2 {"d":{…}} or V4's
// object. InvalidArgument: not JSON, a collection, or no key.
Result<ODataEntity> ParseODataEntity(std::string_view body, const ODataEntityShape& shape);

// The answer to a read other than a poll's (a lookup, odata_lookup.h): one
// entity as an object, or a collection as an array, cleaned as a payload
// is, and the collection's next link. InvalidArgument: not JSON, too deep,
// not an OData answer.
struct ODataAnswer {
  boost::json::value value;
  std::string next_link;
};
Result<ODataAnswer> ParseODataAnswer(std::string_view body, size_t max_depth = 32);

// "/Date(1714557600000)/", "/Date(1714557600000+0000)/" or ISO 8601
// ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123+02:00", and V4's
// Edm.Date "2024-05-01") as ms since the epoch; a time of day ("PT10H30M00S",
// V4's Edm.TimeOfDay "10:30:00") as ms since midnight. InvalidArgument
// otherwise.
Result<int64_t> ODataTimeMs(std::string_view text);
// Whether `text` is a time of day rather than a point in time.
bool IsTimeOfDay(std::string_view text);

// ms since the epoch as "2024-05-01T10:00:00.000Z".
std::string IsoUtc(int64_t ms);

}  // namespace ferry::agent
