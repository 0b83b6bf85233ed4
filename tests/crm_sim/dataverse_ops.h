#pragma once
// The record operations of the simulated Dataverse Web API, shared by single
// requests and the operations of a $batch (both arrive as an embedded
// request whose target is relative to the service root, e.g.
// "accounts(accountnumber='K1')"). A key is an alternate key,
// (accountnumber='K1') or (k1='a',k2='b'), or the primary key, a bare GUID:
//
//   POST   set       create: a new GUID (or the primary key column's, when
//                    the body gives one), 204 + OData-EntityId; a GUID or
//                    alternate key already there 412
//   PATCH  set(key)  upsert: 204 + OData-EntityId; If-Match: * update only
//                    (404), If-None-Match: * create only (412), If-Match:
//                    W/"n" optimistic concurrency (412)
//   DELETE set(key)  204, or 404
//   GET    set(key)  200 with the row, or 404
//
// GET, and a write with Prefer: return=representation (201 created, 200
// updated), answer the row read with the request's $select and $expand
// (dataverse_query.h). Lookups are bound with "nav@odata.bind":
// "/accounts(<guid>)" or "/accounts(accountnumber='1')", on create and
// update alike (400 when that row does not exist), and stored as
// "_<column>_value": <guid>; the column is the schema's for a declared
// navigation property, else the property's name without "_<logical name>"
// of the row bound. Errors are the OData shape
// {"error":{"code":"0x…","message":…}}.
//
// Every write that succeeds is told to the observer (webhooks), as the
// message Dataverse runs for it: Create, or Update (an upsert runs one of
// the two).

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/multipart.h"
#include "tests/crm_sim/dataverse_query.h"
#include "tests/crm_sim/dataverse_schema.h"
#include "tests/crm_sim/odata_key.h"
#include "tests/crm_sim/record_store.h"

namespace ferry::crm_sim {

// {"error":{"code","message"}} with OData-Version and a JSON content type.
http::EmbeddedResponse ODataError(int status, std::string_view code, std::string message);

// A lookup a write bound through @odata.bind.
struct BoundLookup {
  std::string column;        // "customerid"
  std::string logical_name;  // of the row bound: "account"
  std::string id;
};

// One write the Web API made, as a plug-in step sees its Target.
struct DataverseWrite {
  std::string message;  // "Create" or "Update"
  const EntitySetSpec* spec = nullptr;
  std::string id;  // the row's GUID
  uint64_t row_version = 0;
  boost::json::object columns;  // the request's columns as stored, bound lookups left out
  std::vector<BoundLookup> lookups;
  std::string service_root;  // "<org url>/api/data/v9.2"
};

class DataverseWriteObserver {
 public:
  virtual ~DataverseWriteObserver() = default;
  // Called after the write is stored (inside a change set: before it commits).
  virtual void Written(const DataverseWrite& write) = 0;
};

class DataverseOps {
 public:
  DataverseOps(RecordStore& store, const DataverseSchema& schema)
      : store_(store), schema_(schema), reader_(store, schema) {}

  // `service_root` is "<org url>/api/data/v9.2", for OData-EntityId.
  http::EmbeddedResponse Run(const http::EmbeddedRequest& op, const std::string& service_root);

  void set_observer(DataverseWriteObserver* observer) { observer_ = observer; }
  // Rows of a collection-valued $expand before it pages (expand_collection_limit).
  void set_expand_collection_limit(size_t limit) { reader_.set_collection_limit(limit); }

 private:
  struct Target {
    const EntitySetSpec* spec = nullptr;
    ODataKey key;
    const Record* record = nullptr;  // the existing row, or null
  };
  // The entity set and row a key segment names, or the error to answer.
  Result<Target> Resolve(std::string_view segment, http::EmbeddedResponse& error);
  http::EmbeddedResponse Create(const http::EmbeddedRequest& op, const EntitySetSpec& spec, const RowQuery& query,
                                const std::string& service_root);
  http::EmbeddedResponse Upsert(const http::EmbeddedRequest& op, Target& target, const RowQuery& query,
                                const std::string& service_root);
  // The body of a write as the columns to store: lookups bound, annotations
  // dropped, the primary key column taken out into `id` (which, when set,
  // it must repeat). False with `error` set.
  bool ReadWriteBody(const http::EmbeddedRequest& op, const EntitySetSpec& spec, std::string& id,
                     boost::json::object& columns, std::vector<BoundLookup>& bound, http::EmbeddedResponse& error);
  // Replaces "nav@odata.bind" by "_<column>_value"; false with `error` set.
  bool BindLookups(const EntitySetSpec& spec, boost::json::object& body, std::vector<BoundLookup>& bound,
                   http::EmbeddedResponse& error);
  // Whether a row other than `id` already has one of the set's alternate
  // keys with the values of `columns`.
  bool AlternateKeyTaken(const EntitySetSpec& spec, const boost::json::object& columns, std::string_view id);
  void Announce(std::string_view message, const EntitySetSpec& spec, const Record& record,
                const boost::json::object& columns, std::vector<BoundLookup> bound, const std::string& service_root);
  // 204 with OData-EntityId, or the row when the request prefers it.
  http::EmbeddedResponse WriteAnswer(const http::EmbeddedRequest& op, bool created, const EntitySetSpec& spec,
                                     const Record& record, const RowQuery& query, const std::string& service_root);
  http::EmbeddedResponse Representation(int status, const EntitySetSpec& spec, const Record& record,
                                        const RowQuery& query, const std::string& service_root);
  static std::string NotExistMessage(const EntitySetSpec& spec, const ODataKey& key);

  RecordStore& store_;
  const DataverseSchema& schema_;
  RowReader reader_;
  DataverseWriteObserver* observer_ = nullptr;
};

}  // namespace ferry::crm_sim
