#pragma once
// Simulated SAP S/4HANA (on premise) OData V2 and V4 APIs, as the
// agent's OData source polls them (docs/protocols.md §A.4; README.md beside
// this file lists what is assumed):
//
//   GET /sap/opu/odata/sap/{SERVICE}/{EntitySet}?$format=json&$filter=…
//       &$orderby=…&$top=…&$skip=…&$skiptoken=…&$expand=…&sap-client=NNN
//   → {"d":{"results":[entity…],"__next":"…?…&$skiptoken=N"}}
//   GET /sap/opu/odata/sap/{SERVICE}/{EntitySet}('{key}')?$format=json&$expand=…
//       (or (Field1='…',Field2='…') for a composite key: the id is the
//       values joined with ",")
//   → {"d":{entity}}, or 404 (/IWBEP/CM_MGW_RT/020; /IWFND/MED/170 for a
//     service nothing was seeded under)
//   GET /sap/opu/odata4/{service path}/{EntitySet}…: the same as OData V4
//   ({"value":[…],"@odata.nextLink"}, entities without metadata, ISO
//   dates); entities are seeded under "{service path}/{EntitySet}".
//
// Entities are seeded through the control API (POST /_sim/seed
// {"vendor":"s4","object":"API_BUSINESS_PARTNER/A_BusinessPartner",
// "id":"1000746","fields":{…}}); seeding an id again replaces the entity,
// which is how a test changes one. Fields are stored as SAP serialises
// them: Edm.DateTime "/Date(ms)/", Edm.DateTimeOffset "/Date(ms+0000)/",
// Edm.Time "PT10H30M00S", decimals as strings. A member whose name starts
// with "to_" is a navigation: an object or an array, sent only when
// $expand names it (an array as {"results":[…]}), else as {"__deferred"}.
//
// Server paging: at most `page_size` entities per answer, with "__next"
// carrying the query and a $skiptoken. Logon: HTTP Basic (`user`,
// `password`) and the client (`client`, from sap-client; absent: the
// default client): anything else is 401, as SAP's ICF answers a failed
// logon. Errors are SAP Gateway's JSON error body.
//
// Business events (README.md): with the setting events {"url", "source",
// "user"?, "password"?, "types": {"SERVICE/Set": {"type", "key":[…]}}},
// every seed of a listed entity set is announced to the webhook as a
// CloudEvent TYPE.Created.v1 or TYPE.Changed.v1 carrying the key fields.
//
// Settings (POST /_sim/config {"vendor":"s4",…}): user ("FERRY_COMM"),
// password ("s4-secret"), client ("100"), page_size (1000), latency_ms, and
// seed_after_page ({"page":N,"object":…,"id":…,"fields":{…}}: a change made
// in S/4 right after the N-th collection page from now is answered, as when
// an entity changes while a client pages), and delta (["SERVICE/Set", …]:
// entity sets whose last page carries a delta link, "__delta" in V2 and, when
// the request says Prefer: odata.track-changes, "@odata.deltaLink" in V4;
// following it, ?!deltatoken='N', answers the entities written since).

#include <map>
#include <optional>
#include <set>
#include <string>

#include "tests/crm_sim/vendor_sim.h"
#include "tests/s4_sim/event_pusher.h"
#include "tests/s4_sim/odata_query.h"

namespace ferry::s4_sim {

class S4ODataSim : public crm_sim::VendorSim {
 public:
  explicit S4ODataSim(boost::asio::any_io_executor executor);

  std::string_view name() const override { return "s4"; }
  bool Claims(std::string_view path) const override;
  http::Response Handle(const http::Request& req, const crm_sim::SimContext& ctx) override;
  http::Response FaultResponse(const http::Request& req, const crm_sim::Fault& fault) override;
  Status Configure(const boost::json::object& settings) override;

 protected:
  std::string NewRecordId(std::string_view object) override;
  void AddStats(boost::json::object& stats) const override;
  void ResetVendor() override;
  void Seeded(std::string_view object, const std::string& id, bool existed) override;
  void Removed(std::string_view object, const std::string& id) override;

 private:
  bool LoggedOn(const http::Request& req) const;
  // A service some entity was seeded under: the others are not registered.
  // Why SAP would refuse this sales order (a sold-to party it does not
  // know), or nullopt.
  std::optional<std::string> RefusedSalesOrder(const boost::json::object& order);
  bool KnowsService(const std::string& service);
  // What a request reads: the service (V2: its name; V4: its path), the
  // entity set, the protocol, and the service root for links.
  struct Where {
    std::string service;
    std::string entity_set;
    bool v4 = false;
    std::string root;  // http://host:port/sap/opu/odata/sap/SERVICE/
  };
  // Why `literal` cannot stand for `field` (a typed key) in `where`'s
  // entity set, or nullopt when it can. `only_value`: the single value of
  // an unnamed key predicate.
  std::optional<std::string> WrongKeyType(const Where& where, const std::string& field, const Literal& literal,
                                          bool only_value) const;
  http::Response Entity(const http::Request& req, const Where& where, const std::string& key);
  http::Response Collection(const http::Request& req, const Where& where);
  // SAP's CSRF protection (docs/protocols.md §A.4): a GET with
  // X-CSRF-Token: Fetch is answered with a token bound to a new session
  // cookie; a write must carry both, else 403 with X-CSRF-Token: Required.
  std::optional<http::Response> CheckCsrf(const http::Request& req);
  void IssueCsrfToken(const http::Request& req, http::Response& res);
  // POST to a collection: a create, with deep insert of navigations.
  http::Response Create(const http::Request& req, const Where& where);

  std::string user_ = "FERRY_COMM";
  std::string password_ = "s4-secret";
  std::string client_ = "100";
  size_t page_size_ = 1000;
  uint64_t pages_served_ = 0;
  uint64_t entities_served_ = 0;
  std::optional<boost::json::object> seed_after_page_;  // a seed request
  std::set<std::string> delta_sets_;                    // "SERVICE/Set" that give delta links
  // Entities deleted (POST /_sim/delete), by "SERVICE/Set", with the write
  // sequence they were deleted at: a V4 delta answer names them.
  struct Removal {
    std::string id;
    uint64_t seq = 0;
  };
  std::map<std::string, std::vector<Removal>> removals_;
  // "SERVICE/Set" → field → "guid" or "int64": keys a literal of another
  // kind is refused for, as Gateway refuses them.
  std::map<std::string, std::map<std::string, std::string>> key_types_;
  // Business events: the type (without .Created.v1 / .Changed.v1) and key
  // fields announced for each entity set, and the webhook they go to.
  struct EventType {
    std::string type;
    std::vector<std::string> key;
  };
  std::map<std::string, EventType> event_types_;
  std::map<std::string, std::string> csrf_tokens_;  // session id → token
  uint64_t writes_refused_csrf_ = 0;
  bool end_session_before_next_write_ = false;
  bool certificate_logon_ = false;  // requests without Basic come through a TLS front end
  EventPusher events_;
  uint64_t seed_at_pages_ = 0;
};

}  // namespace ferry::s4_sim
