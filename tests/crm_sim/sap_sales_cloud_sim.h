#pragma once
// Simulated SAP Sales Cloud / Service Cloud Version 2 (docs/protocols.md
// §B.4). Paths, query options, adminData and the body and error shapes
// follow SAP's published V2 OpenAPI specs and KBAs 3508796 / 3637767; what
// is marked [assumed] is the simulator's own choice, which the connector
// must tolerate.
//
//   GET    /sap/c4c/api/v1/{service}/{collection}
//            ?$filter&$orderby&$select&$top&$skip&$count  (sap_sales_cloud_query.h)
//   POST   /sap/c4c/api/v1/{service}/{collection}        201 + ETag
//   GET    /sap/c4c/api/v1/{service}/{collection}/{id}   200 + ETag
//   PATCH  /sap/c4c/api/v1/{service}/{collection}/{id}   If-Match required [assumed]
//   DELETE /sap/c4c/api/v1/{service}/{collection}/{id}   If-Match required [assumed]
//
// Services: account-service/accounts, contact-person-service/contactPersons,
// registered-product-service/registeredProducts,
// sales-quote-service/salesQuotes (a quote's items are its items[] array),
// case-service/cases.
//
// A collection answers {"value":[…],"count":n}, n the entities matched
// before $skip and $top, and has no next link: a client pages with $top and
// $skip. Without $top a page holds 50, and a $top above 100 is cut to 100.
// Without $orderby the entities come in creation order [assumed]. Query
// options the simulator does not implement ($filter with or / not /
// functions, $expand, $search, …) are 400 INVALID_FILTER or
// INVALID_QUERY_OPTION naming the part [codes assumed]. An entity answers
// {"value":{…}} with its ETag W/"<n>" [format assumed], which changes with
// every write.
//
// Bodies are stored as written, nested objects and arrays included. PATCH
// merges as a JSON merge patch (RFC 7386 [assumed]): an object member
// merges, null removes, an array replaces. The server owns "id" (read-only)
// and "adminData" {createdOn, createdBy, updatedOn, updatedBy}: stamped on
// create (all four) and on every PATCH (updatedOn, updatedBy), ISO 8601 UTC
// with milliseconds ("2026-12-07T01:02:03.456Z"); "by" is the Basic user,
// or "oauth-client" for a Bearer token [assumed]; an adminData the client
// sends is dropped [assumed]. updatedOn increases strictly across all of
// this vendor's writes, the wall clock or else the last stamp + 1 ms, and
// clock_skew_ms is added after that, so a test can make a write land
// earlier than stamps a poller has seen (a late commit). Seeds (/_sim/seed)
// are stored as given, with or without adminData: a test plants entities
// with the stamps it needs.
//
// Auth is HTTP Basic with the vendor's client_id / client_secret as user
// and password, or a Bearer token from the tenant's Identity
// Authentication, simulated at
//   POST /oauth2/token   grant_type=client_credentials, client_id and
//                        client_secret in the form or as HTTP Basic
// which answers {"access_token","token_type":"Bearer","expires_in"} or an
// OAuth error {"error","error_description"}. Errors are
// {"error":{"code","message","target","details"}}.
//
// Settings (POST /_sim/config {"vendor":"sap_sales_cloud",…}): user
// ("ferry-sap"; alias of client_id), password ("sap-secret"; alias of
// client_secret), latency_ms, rate_per_s (0: unlimited; beyond it 429 with
// Retry-After: 1 [assumed]), clock_skew_ms (0; added to every adminData
// stamp, may be negative), objects ({"accounts": ObjectSchema config, …}).
//
// Events to an external system: /_sim/sap_sales_cloud/events
// (sap_cloud_events.h).

#include <boost/asio/any_io_executor.hpp>

#include <map>
#include <string>

#include "tests/crm_sim/object_schema.h"
#include "tests/crm_sim/sap_cloud_events.h"
#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

class SapSalesCloudSim : public VendorSim {
 public:
  // Events are sent on `executor`.
  explicit SapSalesCloudSim(boost::asio::any_io_executor executor);

  std::string_view name() const override { return "sap_sales_cloud"; }
  bool Claims(std::string_view path) const override;
  http::Response Handle(const http::Request& req, const SimContext& ctx) override;
  http::Response FaultResponse(const http::Request& req, const Fault& fault) override;
  Status Configure(const boost::json::object& settings) override;
  // /_sim/sap_sales_cloud/events: POST subscribes a listener to events,
  // GET describes the subscriptions, DELETE ends them.
  std::optional<http::Response> ControlResource(const http::Request& req, std::string_view resource,
                                                const SimContext& ctx) override;

 protected:
  std::string NewRecordId(std::string_view object) override;
  void AddStats(boost::json::object& stats) const override;
  void ResetVendor() override;

 private:
  http::Response Token(const http::Request& req);
  bool Authorized(const http::Request& req) const;
  http::Response Collection(const http::Request& req, const std::string& object);
  http::Response Entity(const http::Request& req, const std::string& object, const std::string& id);
  http::Response Create(const http::Request& req, const std::string& object);
  http::Response Patch(const http::Request& req, const std::string& object, const Record& record);
  // adminData's createdBy / updatedBy: the Basic user, or "oauth-client"
  // for a Bearer token.
  std::string Writer(const http::Request& req) const;
  // The next createdOn / updatedOn: ISO 8601 UTC with milliseconds, later
  // than every stamp before it, plus clock_skew_ms.
  std::string NextStamp();
  // The error answer for a body the object's rules refuse, or nullopt.
  std::optional<http::Response> Invalid(const http::Request& req, const std::string& object,
                                        const boost::json::object& written, const boost::json::object& merged,
                                        const std::string& own_id);

  std::map<std::string, ObjectSchema> schemas_;  // by collection name
  int64_t rate_per_s_ = 0;
  int64_t clock_skew_ms_ = 0;
  int64_t last_stamp_ms_ = 0;  // unix ms of the latest stamp, before the skew
  SlidingWindow last_second_;
  SapCloudEvents events_;
};

}  // namespace ferry::crm_sim
