#pragma once
// The interface of one simulated vendor. SimServer owns a list of them
// (all_vendors.cc), hands each request to the vendor that claims its path,
// and serves the control API under /_sim on top of what is common here:
// the records, the OAuth client and tokens, faults and counters.
//
// A vendor answers as the real service would: its own paths, token flow,
// error shapes and limits. Injected faults and latency are applied by the
// server before the vendor sees the request.

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "common/http/http_server.h"
#include "common/status.h"
#include "tests/crm_sim/record_store.h"
#include "tests/crm_sim/sim_state.h"

namespace ferry::crm_sim {

struct SimContext {
  std::string base_url;  // "http://127.0.0.1:PORT": the simulator as the client reaches it
};

class VendorSim {
 public:
  virtual ~VendorSim() = default;

  // "salesforce", "dataverse": the vendor's name in /_sim paths and the log.
  virtual std::string_view name() const = 0;
  // True when `path` belongs to this vendor's API (token endpoint included).
  virtual bool Claims(std::string_view path) const = 0;
  virtual http::Response Handle(const http::Request& req, const SimContext& ctx) = 0;
  // The vendor's error answer for an injected fault.
  virtual http::Response FaultResponse(const http::Request& req, const Fault& fault) = 0;

  // POST /_sim/config without the "vendor" key. InvalidArgument names an
  // unknown key or a bad value; keys before it may have been applied.
  virtual Status Configure(const boost::json::object& settings) = 0;
  // POST /_sim/seed: {"object", "fields"} or {"object", "records":[fields…]}
  // stored as they are, without validation (duplicates included). Returns
  // {"ids":[…]}.
  Result<boost::json::value> Seed(const boost::json::object& request);
  // POST /_sim/delete: {"object", "id"}: the record is gone, as when the
  // vendor's own users delete it. NotFound when there is no such record.
  Status Remove(const boost::json::object& request);
  // /_sim/{vendor}/{resource}, any method, for what only this vendor has
  // (Salesforce's outbound_messages, Dataverse's service_endpoints).
  // nullopt: not the vendor's; the server answers it as usual (GET lists
  // the records of object `resource`).
  virtual std::optional<http::Response> ControlResource(const http::Request& /*req*/, std::string_view /*resource*/,
                                                        const SimContext& /*ctx*/) {
    return std::nullopt;
  }
  // GET /_sim/stats: the common counters plus the vendor's own.
  boost::json::object Stats() const;
  // POST /_sim/reset: no records, tokens, faults or counters; settings back
  // to their defaults.
  void Reset();

  VendorState& state() { return state_; }
  RecordStore& store() { return store_; }

 protected:
  VendorSim(bool ignore_case, VendorState defaults)
      : state_(defaults), defaults_(std::move(defaults)), store_(ignore_case) {}
  // A new record id for `object` in the vendor's format.
  virtual std::string NewRecordId(std::string_view object) = 0;
  virtual void AddStats(boost::json::object& stats) const = 0;
  // Settings and counters of the vendor's own back to the start.
  virtual void ResetVendor() = 0;
  // After a seed stored record `id` of `object` (`existed`: it replaced
  // one): a vendor that announces changes does it here.
  virtual void Seeded(std::string_view /*object*/, const std::string& /*id*/, bool /*existed*/) {}
  // After Remove deleted record `id` of `object`.
  virtual void Removed(std::string_view /*object*/, const std::string& /*id*/) {}

  VendorState state_;

 private:
  VendorState defaults_;
  RecordStore store_;
};

}  // namespace ferry::crm_sim
