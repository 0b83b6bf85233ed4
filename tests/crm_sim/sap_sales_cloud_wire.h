#pragma once
// The simulated SAP Sales Cloud V2's answer shapes, shared by its routing
// (sap_sales_cloud_sim.cc) and its entity operations
// (sap_sales_cloud_ops.cc). The shapes follow SAP's published V2 OpenAPI
// specs; the error codes in them are assumed.

#include <boost/json.hpp>

#include <string>
#include <string_view>

#include "common/http/http_server.h"
#include "tests/crm_sim/record_store.h"

namespace ferry::crm_sim {

struct SapErrorDetail {
  std::string code;
  std::string message;
  std::string target;  // empty: no target
};

// {"error":{"code","message","target"?,"details"?:[…]}} with `status`.
http::Response SapError(const http::Request& req, int status, std::string_view code, std::string_view message,
                        std::string_view target = {}, const boost::json::array& details = {});
// W/"<version>": changes with every write of the record.
std::string EtagOf(const Record& record);
// The record as the API shows it: its fields plus "id".
boost::json::object EntityJson(const Record& record);
// {"value":{…}} with the record's ETag; numbers as the vendor writes them
// (SerializeWithDecimals).
http::Response EntityResponse(const http::Request& req, int status, const Record& record);

// The collection query options ($filter, $orderby, …) are in
// sap_sales_cloud_query.h.

}  // namespace ferry::crm_sim
