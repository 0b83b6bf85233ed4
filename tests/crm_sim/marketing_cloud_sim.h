#pragma once
// Simulated Salesforce Marketing Cloud (Engagement) REST API
// (docs/protocols.md §B.2): the simulator is both the tenant's auth host and
// its REST instance.
//
//   POST /v2/token                                   client credentials, JSON body
//   POST /hub/v1/dataevents/key:{externalKey}/rowset  synchronous upsert of rows
//
// A rowset is all or nothing: one bad row refuses the call (400 with the
// reasons in additionalErrors) and nothing is written. Rows are keyed by
// their "keys" object (the data extension's primary key columns) and
// created or updated; the store keeps each write in _history.
//
// Settings (POST /_sim/config {"vendor":"marketing_cloud",…}): client_id
// ("ferry-mc"), client_secret ("mc-secret"), token_ttl_s (1079),
// latency_ms, account_id ("": any MID, or none, is accepted), rate_per_s
// (0: unlimited; beyond it 429 with Retry-After: 1), data_extensions
// (marketing_cloud_schema.h).

#include <string>
#include <vector>

#include "tests/crm_sim/marketing_cloud_schema.h"
#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

class MarketingCloudSim : public VendorSim {
 public:
  MarketingCloudSim();

  std::string_view name() const override { return "marketing_cloud"; }
  bool Claims(std::string_view path) const override;
  http::Response Handle(const http::Request& req, const SimContext& ctx) override;
  http::Response FaultResponse(const http::Request& req, const Fault& fault) override;
  Status Configure(const boost::json::object& settings) override;

 protected:
  std::string NewRecordId(std::string_view object) override;
  void AddStats(boost::json::object& stats) const override;
  void ResetVendor() override;

 private:
  struct Settings {
    std::string account_id;
    int64_t rate_per_s = 0;
  };

  http::Response Token(const http::Request& req, const SimContext& ctx);
  http::Response Api(const http::Request& req);
  http::Response Rowset(const http::Request& req, const DataExtensionSpec& spec);
  // Checks and writes one row; the reasons it is refused otherwise.
  std::vector<std::string> UpsertRow(const DataExtensionSpec& spec, const boost::json::object& keys,
                                     const boost::json::object& values);

  Settings settings_;
  MarketingCloudSchema schema_;
  SlidingWindow last_second_;
};

}  // namespace ferry::crm_sim
