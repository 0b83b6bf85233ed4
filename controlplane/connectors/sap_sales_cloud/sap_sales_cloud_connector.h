#pragma once
// SAP Sales Cloud / Service Cloud Version 2 connector: writes mapped records
// to the V2 services by external id (docs/protocols.md §B.4, not confirmed
// from public docs; built to tolerate what is assumed there).
//
// - Auth: HTTP Basic, or an OAuth 2.0 client-credentials token from the
//   tenant's IAS (cached, renewed before it expires, fetched anew after a
//   401). Secret files are read when they are used, so a rotated secret
//   needs no restart.
// - Objects: accounts, contactPersons, registeredProducts, salesQuotes and
//   cases, each at its service (sap_sales_cloud_wire.h); any other object
//   is rejected.
// - A record keyed by `id` (the tenant's own id of the entity, as a down
//   flow's result names the quote it came from) is only updated: read by
//   that id for its ETag, then patched; a deleted entity is not made again.
// - A field named "<member>/<field>" is written inside that member
//   (extensions/FerrySAPOrderNumber: {"extensions":{"FerrySAPOrderNumber":…}}),
//   as the tenant's extension fields are.
// - Upsert: V2 has no upsert by an external key, so the entity is read with
//   $filter=<key field> eq '<value>'. None: POST the record. One: read it by
//   id for its ETag, then PATCH it (merge-patch) with If-Match; a 412 (it
//   changed meanwhile) reads the ETag again and patches once more. A read
//   without an ETag header patches with If-Match: *.
// - Links: "<field>": the id of the linked entity, found by its key in its
//   own service. A linked entity not there yet is a retry.
// - A patch that would change nothing is not sent (PatchChangesNothing):
//   a result written back twice stamps no second change, which a poller
//   would list as a new one.
// - Delete: the same read, then DELETE with If-Match; not found is delivered.
// - Reads (Read, ListChanges; sap_sales_cloud_read.cc): one entity by id,
//   with lookups that complete its parties (sap_sales_cloud_query.h), and
//   the entities changed since a time, by adminData/updatedOn.
// - Outcomes: delivered with the id of the event's first record; rejected
//   for 4xx (SAP's "code: message (target)"), several entities with one
//   external id, and 428 (the tenant wants If-Match: a Ferry bug); retried
//   for 401 (credentials), a second 412, 408/425/429/5xx (with Retry-After)
//   and transport errors. No batching: one event per call.

#include <optional>
#include <string>

#include "common/http/http_client.h"
#include "controlplane/connectors/oauth/token_cache.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_config.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

class SapSalesCloudConnector : public Connector {
 public:
  SapSalesCloudConnector(boost::asio::any_io_executor executor, SapSalesCloudConfig config);
  std::string_view name() const override { return "sap_sales_cloud"; }
  double rate_per_s() const override { return static_cast<double>(config_.rate_per_s); }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) override;
  bool can_read() const override { return true; }
  boost::asio::awaitable<RecordRead> Read(const std::string& object, const std::string& record_id,
                                          const std::string& query) override;
  boost::asio::awaitable<ChangesList> ListChanges(const ChangesQuery& query) override;

 private:
  struct Answer;   // one HTTP exchange
  struct Lookup;   // an entity found by its key
  struct Version;  // an entity's ETag
  struct EntityRead {
    std::optional<RecordRead> failed;
    std::string json;  // the entity, as the tenant wrote it
  };

  boost::asio::awaitable<Answer> Send(boost::beast::http::verb verb, const std::string& target, std::string body,
                                      const std::string& if_match, const std::string& content_type);
  boost::asio::awaitable<Lookup> Find(const std::string& service, const std::string& key_field,
                                      const std::string& value, const std::string& what);
  boost::asio::awaitable<EntityRead> ReadEntity(const std::string& collection, const std::string& id,
                                                const std::string& options, const std::string& what);
  boost::asio::awaitable<Version> ReadVersion(const std::string& target, const std::string& what);
  // nullopt on success, with the record's id in `record_id`.
  boost::asio::awaitable<std::optional<DeliveryResult>> Upsert(const ferry::v1::MappedRecord& record,
                                                               std::string& record_id);
  boost::asio::awaitable<std::optional<DeliveryResult>> Remove(const ferry::v1::MappedRecord& record);
  DeliveryResult Classify(const http::ClientResponse& response, const std::string& what) const;

  SapSalesCloudConfig config_;
  http::HttpClient client_;
  std::optional<TokenCache> tokens_;  // auth: oauth
};

}  // namespace ferry::controlplane
