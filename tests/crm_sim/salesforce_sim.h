#pragma once
// Simulated Salesforce org (docs/protocols.md §B.1): the simulator is both the My
// Domain host and the instance.
//
//   POST   /services/oauth2/token                          client credentials
//   PATCH  /services/data/vNN.N/sobjects/{SObject}/{ExtIdField}/{value}   upsert
//   GET    /services/data/vNN.N/sobjects/{SObject}/{ExtIdField}/{value}   read
//   DELETE /services/data/vNN.N/sobjects/{SObject}/{ExtIdField}/{value}
//   PATCH  /services/data/vNN.N/composite/sobjects/{SObject}/{ExtIdField} collections upsert
//   POST   /services/data/vNN.N/sobjects/{SObject}         create: 201 {"id","success","errors"}
//   PATCH  /services/data/vNN.N/sobjects/{SObject}/{Id}    update: 204
//   GET    /services/data/vNN.N/sobjects/{SObject}/{Id}    read (DELETE too)
//   GET    /services/data/vNN.N/query?q=SOQL               salesforce_query.h
//
// Every /services/data answer after authentication carries Sforce-Limit-Info.
// Records written through these send the outbound messages registered at
// /_sim/salesforce/outbound_messages and flow_callouts
// (salesforce_outbound_messages.h).
// Settings (POST /_sim/config {"vendor":"salesforce",…}): client_id,
// client_secret, token_ttl_s (7200), latency_ms, api_limit (1000000),
// api_used, rate_per_s (0: unlimited), update_body_since ("46.0": older API
// versions answer an update with 204 and no body), dot_suffix_quirk (true:
// a raw external id value ending in "." and letters is 404, as documented),
// objects (salesforce_schema.h), subquery_batch (0: none; N: a subquery
// with more rows answers the first N, done false and a nextRecordsUrl, as
// Salesforce pages large child results).

#include <boost/asio/any_io_executor.hpp>

#include <optional>
#include <string>

#include "tests/crm_sim/salesforce_outbound_messages.h"
#include "tests/crm_sim/salesforce_schema.h"
#include "tests/crm_sim/salesforce_upsert.h"
#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

class SalesforceSim : public VendorSim {
 public:
  // Outbound messages are sent on `executor`.
  explicit SalesforceSim(boost::asio::any_io_executor executor);

  std::string_view name() const override { return "salesforce"; }
  bool Claims(std::string_view path) const override;
  http::Response Handle(const http::Request& req, const SimContext& ctx) override;
  http::Response FaultResponse(const http::Request& req, const Fault& fault) override;
  Status Configure(const boost::json::object& settings) override;
  // /_sim/salesforce/outbound_messages and /_sim/salesforce/flow_callouts:
  // POST registers, GET describes, DELETE removes them all.
  std::optional<http::Response> ControlResource(const http::Request& req, std::string_view resource,
                                                const SimContext& ctx) override;

 protected:
  std::string NewRecordId(std::string_view object) override;
  void AddStats(boost::json::object& stats) const override;
  void ResetVendor() override;

 private:
  struct Settings {
    int64_t api_limit = 1000000;
    int64_t rate_per_s = 0;
    double update_body_since = 46.0;
    bool dot_suffix_quirk = true;
    int64_t subquery_batch = 0;
  };

  http::Response Token(const http::Request& req, const SimContext& ctx);
  http::Response Api(const http::Request& req);
  http::Response Route(const http::Request& req);
  http::Response SObjectByExternalId(const http::Request& req, double version, std::string_view object,
                                     std::string_view field, std::string_view raw_value);
  http::Response Collection(const http::Request& req, double version, std::string_view object, std::string_view field);
  http::Response Create(const http::Request& req, std::string_view raw_object);
  http::Response SObjectById(const http::Request& req, double version, std::string_view raw_object,
                             std::string_view raw_id);
  http::Response Query(const http::Request& req, double version);
  // The JSON object body of a record write into `body`, or the answer that
  // refuses it (415 for another content type, 400 for no JSON object).
  std::optional<http::Response> ReadRecordBody(const http::Request& req, boost::json::object& body);
  http::Response Errors(const http::Request& req, int status, const std::vector<SfError>& errors);
  // Sforce-Limit-Info: api-usage=USED/MAX
  std::string LimitInfo() const;

  Settings settings_;
  SalesforceSchema schema_;
  SalesforceWriter writer_;
  SalesforceOutboundMessages outbound_;
  SlidingWindow last_second_;
  int64_t api_used_ = 0;
  uint64_t next_id_ = 0;
};

}  // namespace ferry::crm_sim
