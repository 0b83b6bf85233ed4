#pragma once
// Simulated Microsoft Dataverse Web API v9.2 with its Entra ID token
// endpoint (docs/protocols.md §B.3):
//
//   POST /{tenant}/oauth2/v2.0/token        client credentials, scope ORG/.default
//   PATCH|DELETE|GET /api/data/v9.2/{set}({key})     dataverse_ops.h
//   POST /api/data/v9.2/$batch                        dataverse_batch.h
//
// API requests need a valid token, OData-MaxVersion: 4.0, OData-Version: 4.0
// and an Accept that takes JSON (400 otherwise). Service protection counts
// every operation (each one inside a $batch too) in a sliding window.
//
// Settings (POST /_sim/config {"vendor":"dataverse",…}): client_id
// ("ferry-dv"), client_secret ("dv-secret"), token_ttl_s (3599),
// latency_ms, org_url (default: the simulator's own URL), max_per_window
// (0: unlimited), window_ms (300000), retry_after_s (0: until the window
// has room), violation_grace_ms (0), batch_error_status (200, or 400 for a
// batch that stopped at a failure), entity_sets (dataverse_schema.h).

#include <string>

#include "tests/crm_sim/dataverse_ops.h"
#include "tests/crm_sim/dataverse_schema.h"
#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

class DataverseSim : public VendorSim {
 public:
  DataverseSim();

  std::string_view name() const override { return "dataverse"; }
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
    std::string org_url;  // empty: SimContext::base_url
    int batch_error_status = 200;
  };

  http::Response Token(const http::Request& req, const SimContext& ctx);
  http::Response Api(const http::Request& req, const SimContext& ctx);
  http::Response Throttled(const http::Request& req, int retry_after_s);
  std::string OrgUrl(const SimContext& ctx) const;

  Settings settings_;
  DataverseSchema schema_;
  DataverseOps ops_;
  ServiceProtection protection_;
};

}  // namespace ferry::crm_sim
