#pragma once
// Simulated SAP Sales Cloud / Service Cloud Version 2 (docs/protocols.md
// §B.4). Nothing of that API is confirmed from public documentation: every
// behaviour here is an assumption the connector must tolerate.
//
//   GET    /sap/c4c/api/v1/{service}/{collection}[?$filter=F eq 'v'&$top&$skip]
//   POST   /sap/c4c/api/v1/{service}/{collection}        201 + ETag
//   GET    /sap/c4c/api/v1/{service}/{collection}/{id}   200 + ETag
//   PATCH  /sap/c4c/api/v1/{service}/{collection}/{id}   If-Match required
//   DELETE /sap/c4c/api/v1/{service}/{collection}/{id}   If-Match required
//
// Services: account-service/accounts, contact-person-service/contactPersons,
// registered-product-service/registeredProducts. Auth is HTTP Basic with
// the vendor's client_id / client_secret as user and password, or a Bearer
// token from the tenant's Identity Authentication, simulated at
//   POST /oauth2/token   grant_type=client_credentials, client_id and
//                        client_secret in the form or as HTTP Basic
// which answers {"access_token","token_type":"Bearer","expires_in"} or an
// OAuth error {"error","error_description"}. Bodies are
// {"value":…}; errors {"error":{"code","message","target","details"}}.
//
// Settings (POST /_sim/config {"vendor":"sap_sales_cloud",…}): user
// ("ferry-sap"; alias of client_id), password ("sap-secret"; alias of
// client_secret), latency_ms, rate_per_s (0: unlimited; beyond it 429 with
// Retry-After: 1), objects ({"accounts": ObjectSchema config, …}).

#include <map>
#include <string>

#include "tests/crm_sim/object_schema.h"
#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

class SapSalesCloudSim : public VendorSim {
 public:
  SapSalesCloudSim();

  std::string_view name() const override { return "sap_sales_cloud"; }
  bool Claims(std::string_view path) const override;
  http::Response Handle(const http::Request& req, const SimContext& ctx) override;
  http::Response FaultResponse(const http::Request& req, const Fault& fault) override;
  Status Configure(const boost::json::object& settings) override;

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
  // The error answer for a body the object's rules refuse, or nullopt.
  std::optional<http::Response> Invalid(const http::Request& req, const std::string& object,
                                        const boost::json::object& written, const boost::json::object& merged,
                                        const std::string& own_id);

  std::map<std::string, ObjectSchema> schemas_;  // by collection name
  int64_t rate_per_s_ = 0;
  SlidingWindow last_second_;
};

}  // namespace ferry::crm_sim
