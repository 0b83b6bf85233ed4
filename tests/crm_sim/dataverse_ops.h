#pragma once
// The record operations of the simulated Dataverse Web API, shared by single
// requests and the operations of a $batch (both arrive as an embedded
// request whose target is relative to the service root, e.g.
// "accounts(accountnumber='K1')"):
//
//   PATCH  set(key)  upsert: 204 + OData-EntityId; If-Match: * update only
//                    (404), If-None-Match: * create only (412), If-Match:
//                    W/"n" optimistic concurrency (412); Prefer:
//                    return=representation → 201/200 with the row
//   DELETE set(key)  204, or 404
//   GET    set(key)  200 with the row, or 404
//
// Lookups are bound with "nav@odata.bind": "/accounts(accountnumber='1')"
// and stored as "_<lookup>_value": <guid>. Errors are the OData shape
// {"error":{"code":"0x…","message":…}}.

#include <string>
#include <string_view>

#include "common/http/multipart.h"
#include "tests/crm_sim/dataverse_schema.h"
#include "tests/crm_sim/odata_key.h"
#include "tests/crm_sim/record_store.h"

namespace ferry::crm_sim {

// {"error":{"code","message"}} with OData-Version and a JSON content type.
http::EmbeddedResponse ODataError(int status, std::string_view code, std::string message);

class DataverseOps {
 public:
  DataverseOps(RecordStore& store, const DataverseSchema& schema) : store_(store), schema_(schema) {}

  // `service_root` is "<org url>/api/data/v9.2", for OData-EntityId.
  http::EmbeddedResponse Run(const http::EmbeddedRequest& op, const std::string& service_root);

 private:
  struct Target {
    const EntitySetSpec* spec = nullptr;
    ODataKey key;
    const Record* record = nullptr;  // the existing row, or null
  };
  // The entity set and row a key segment names, or the error to answer.
  Result<Target> Resolve(std::string_view segment, http::EmbeddedResponse& error);
  http::EmbeddedResponse Upsert(const http::EmbeddedRequest& op, Target& target, const std::string& service_root);
  // Replaces "nav@odata.bind" by "_<lookup>_value"; false with `error` set.
  bool BindLookups(boost::json::object& body, http::EmbeddedResponse& error);
  http::EmbeddedResponse Representation(int status, const EntitySetSpec& spec, const Record& record,
                                        const std::string& service_root) const;
  static std::string NotExistMessage(const EntitySetSpec& spec, const ODataKey& key);

  RecordStore& store_;
  const DataverseSchema& schema_;
};

}  // namespace ferry::crm_sim
