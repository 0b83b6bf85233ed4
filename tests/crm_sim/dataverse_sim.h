#pragma once
// Simulated Microsoft Dataverse Web API v9.2 with its Entra ID token
// endpoint (docs/protocols.md §B.3):
//
//   POST /{tenant}/oauth2/v2.0/token        client credentials, scope ORG/.default
//   POST /api/data/v9.2/{set}                         create     dataverse_ops.h
//   PATCH|DELETE|GET /api/data/v9.2/{set}({key})      key: a GUID or an alternate key
//   GET ...?$select=…&$expand=nav($select=…;$expand=…)          dataverse_query.h
//   POST /api/data/v9.2/$batch                        dataverse_batch.h
//
// API requests need a valid token, OData-MaxVersion: 4.0, OData-Version: 4.0
// and an Accept that takes JSON (400 otherwise). Service protection counts
// every operation (each one inside a $batch too) in a sliding window.
//
// Writes through the Web API set off the webhooks registered at
// /_sim/dataverse/service_endpoints (dataverse_webhooks.h); a change set's
// only once it commits.
//
// Settings (POST /_sim/config {"vendor":"dataverse",…}): client_id
// ("ferry-dv"), client_secret ("dv-secret"), token_ttl_s (3599),
// latency_ms, org_url (default: the simulator's own URL), max_per_window
// (0: unlimited), window_ms (300000), retry_after_s (0: until the window
// has room), violation_grace_ms (0), batch_error_status (200, or 400 for a
// batch that stopped at a failure), entity_sets (dataverse_schema.h),
// expand_collection_limit (5000: rows of a collection-valued $expand before
// it pages), organization_id and organization_name (the webhooks'
// OrganizationId and OrganizationName; dataverse_webhooks.h has the defaults).

#include <boost/asio/any_io_executor.hpp>

#include <optional>
#include <string>

#include "tests/crm_sim/dataverse_ops.h"
#include "tests/crm_sim/dataverse_schema.h"
#include "tests/crm_sim/dataverse_webhooks.h"
#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

class DataverseSim : public VendorSim {
 public:
  // Webhooks are sent on `executor`.
  explicit DataverseSim(boost::asio::any_io_executor executor);

  std::string_view name() const override { return "dataverse"; }
  bool Claims(std::string_view path) const override;
  http::Response Handle(const http::Request& req, const SimContext& ctx) override;
  http::Response FaultResponse(const http::Request& req, const Fault& fault) override;
  Status Configure(const boost::json::object& settings) override;
  // /_sim/dataverse/service_endpoints: POST registers a webhook, GET
  // describes them, DELETE removes them all.
  std::optional<http::Response> ControlResource(const http::Request& req, std::string_view resource,
                                                const SimContext& ctx) override;

 protected:
  std::string NewRecordId(std::string_view object) override;
  void AddStats(boost::json::object& stats) const override;
  void ResetVendor() override;

 private:
  struct Settings {
    std::string org_url;  // empty: SimContext::base_url
    int batch_error_status = 200;
    size_t expand_collection_limit = 5000;
    std::string organization_id{kDefaultOrganizationId};
    std::string organization_name{kDefaultOrganizationName};
  };

  http::Response Token(const http::Request& req, const SimContext& ctx);
  http::Response Api(const http::Request& req, const SimContext& ctx);
  http::Response Throttled(const http::Request& req, int retry_after_s);
  std::string OrgUrl(const SimContext& ctx) const;
  // Hands the settings that the operations and webhooks read to them.
  void ApplySettings();

  Settings settings_;
  DataverseSchema schema_;
  DataverseOps ops_;
  DataverseWebhooks webhooks_;
  ServiceProtection protection_;
};

}  // namespace ferry::crm_sim
