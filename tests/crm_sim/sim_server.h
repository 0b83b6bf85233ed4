#pragma once
// The HTTP front of ferry-crm-sim: one HttpServer on a single-threaded event
// loop. A request under /_sim is the control API; any other goes to the
// vendor that claims its path, after that vendor's latency and injected
// faults. One line per request goes to stdout: vendor, method, path (no
// query), status. Headers and bodies are never logged, so neither tokens
// nor secrets are.
//
// Control API (JSON bodies; errors are 400/404 {"error":"…"}):
//   GET  /_sim/stats                  per vendor: requests, by_status, tokens_issued,
//                                     throttle_violations, batches, operations,
//                                     records_written, records_deleted, records, …
//   GET  /_sim/{vendor}               {"objects":{name: count}}
//   GET  /_sim/{vendor}/{object}      [{"id","fields","_history":[{"_op","_seq",fields…}]}]
//   POST /_sim/reset                  {"vendor"?}: records, tokens, faults, counters, settings
//   POST /_sim/config                 {"vendor", settings…}; without vendor only latency_ms (all vendors)
//   POST /_sim/faults                 {"vendor","status","count","path_contains","retry_after_s",
//                                      "error_code","message"}
//   POST /_sim/expire-tokens          {"vendor"?}
//   POST /_sim/seed                   {"vendor","object","fields"|"records","id"?}
//   *    /_sim/{vendor}/{resource}     a vendor's own (VendorSim::ControlResource):
//                                     /_sim/salesforce/outbound_messages,
//                                     /_sim/dataverse/service_endpoints

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/http/http_server.h"
#include "common/status.h"
#include "tests/crm_sim/vendor_sim.h"

namespace ferry::crm_sim {

struct SimOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;   // 0: any free port
  int latency_ms = 0;  // every vendor's latency at start and after a reset
};

class SimServer {
 public:
  SimServer(boost::asio::any_io_executor executor, SimOptions options, std::vector<std::unique_ptr<VendorSim>> vendors);

  // Unavailable when the address cannot be bound.
  Status Start();
  void Stop();
  uint16_t port() const { return server_ ? server_->port() : 0; }

 private:
  boost::asio::awaitable<http::Response> Serve(http::Request& req);
  http::Response Dispatch(const http::Request& req, VendorSim& vendor);
  // The simulator as the client reached it (its Host header).
  SimContext ContextOf(const http::Request& req) const;
  http::Response Control(const http::Request& req, std::string_view path);
  http::Response ControlPost(const http::Request& req, std::string_view action, const boost::json::object& body);
  VendorSim* FindVendor(std::string_view name);

  boost::asio::any_io_executor executor_;
  SimOptions options_;
  std::vector<std::unique_ptr<VendorSim>> vendors_;
  std::shared_ptr<http::HttpServer> server_;
};

}  // namespace ferry::crm_sim
