#pragma once
// Reads that $expand cannot make, attached to an entity before it is
// committed (docs/sources.md#lookups). The case they exist for: in S/4 a
// contact person is a business partner of its own. An organisation's
// to_BusinessPartnerContact names the person by number only; the person's
// name is in that partner's own A_BusinessPartner entity, a second read.
//
//   lookups:
//     - at: to_BusinessPartnerContact      # each item of this path (default: the entity)
//       read: A_BusinessPartner('{BusinessPartnerPerson}')
//       as: to_Person                      # the answer, attached to the item
//       when: RelationshipCategory eq 'BUR001'   # optional: items this holds for only
//
// `read` is a resource of the entity's own service: an entity set, a key
// predicate, a navigation and query options. {Field} stands for a field of
// the item and must stand inside quotes ('{Field}'): the value is written
// as the inside of an OData string literal (' doubled) and percent-encoded,
// so no value can change the request's shape. An item without the field
// gets null, without a read.
//
// A single entity's answer is attached as an object; a 404 that says the
// entity is gone (the connection's gone_codes) as null. A collection's
// answer is attached as an array, its server pages followed.
//
// When S/4 does not answer a read (no connection, 408, 429, 5xx after the
// source's retries), the whole entity's read fails: the source reads the
// page (or the event's entity) again later, so nothing is committed without
// what its flows need. A refusal that asking again would not change (403
// for a partner in an authorization group the user may not read, another
// 4xx, a bound below exceeded) attaches null and is reported (refusals()),
// so that one entity cannot stop a whole entity set; its flows see null
// (a contact without its person is a record error, visible as a dead
// letter). Lookups run in order: a later one may be `at` a path through an
// earlier one's `as`.

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/sources/s4_odata/lookup_template.h"
#include "agent/sources/s4_odata/s4_connection.h"
#include "common/config/config_node.h"
#include "common/http/http_client.h"
#include "common/status.h"

namespace ferry::agent {

// Bounds on what lookups may read, for one entity and for one page.
inline constexpr size_t kMaxLookupItems = 1000;               // items a lookup runs for, and items it attaches
inline constexpr size_t kMaxLookupPages = 10;                 // server pages of one collection read
inline constexpr size_t kMaxLookupPathNames = 3;              // names in `at`
inline constexpr size_t kMaxLookupAnswerDepth = 16;           // JSON depth of an answer
inline constexpr size_t kMaxLookupBytesPerEntity = 8u << 20;  // answers attached to one entity
inline constexpr size_t kMaxLookupBytes = 64u << 20;          // bodies read for one page or event
inline constexpr size_t kMaxLookupRequests = 10000;           // reads for one page or event

struct ODataLookup {
  std::vector<std::string> at;  // navigation names; empty: the entity itself
  std::string as;
  std::string read;  // the template, as configured
  // `when: Field eq 'value'`: the items whose field has that value; the
  // others get nothing attached. Empty field: every item.
  std::string when_field, when_value;
};

// The `lookups` list of an entity set's configuration, every mistake
// reported on `item`.
std::vector<ODataLookup> ReadODataLookups(config::ConfigNode& item);

// One GET of S/4, with the source's logon and retries; nullopt when the
// source is stopping or S/4 could not be reached (the fetcher logs why).
using LookupFetch = std::function<boost::asio::awaitable<std::optional<http::ClientResponse>>(const std::string& url)>;

// Runs an entity set's lookups for the entities of one page (or one
// event), reading each distinct resource once.
class LookupRunner {
 public:
  LookupRunner(const std::vector<ODataLookup>& lookups, const S4Connection& connection, std::string service_path,
               LookupFetch fetch);

  // `payload` (an entity's compact JSON) with every lookup attached.
  // Unavailable when a read was not answered (or the source stops): the
  // message says which.
  boost::asio::awaitable<Status> Attach(std::string& payload);
  // What was refused and attached as null since the last call, escaped for
  // the log ("to_Person A_BusinessPartner('2000001'): S/4 answered 403: …").
  std::vector<std::string> TakeRefusals() { return std::exchange(refusals_, {}); }

 private:
  struct Answer {
    boost::json::value value;  // null: gone or refused
    size_t size = 0;           // serialised
    std::string refusal;       // why it was refused; empty when it was not
  };
  boost::asio::awaitable<Result<Answer>> Read(const std::string& path);

  const std::vector<ODataLookup>& lookups_;
  const S4Connection& connection_;
  std::string service_url_;  // https://host:port/sap/opu/odata/sap/SERVICE
  LookupFetch fetch_;
  std::map<std::string, Answer> answers_;  // path → what it attached
  std::vector<std::string> refusals_;
  size_t bytes_read_ = 0, requests_ = 0;
};

}  // namespace ferry::agent
