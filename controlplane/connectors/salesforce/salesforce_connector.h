#pragma once
// Salesforce connector: upserts mapped records by external id through the
// REST API (docs/protocols.md §B.1, docs/connectors.md "Salesforce").
//
// - Auth: OAuth 2.0 client credentials against the My Domain token endpoint;
//   the token is cached, and a 401 INVALID_SESSION_ID fetches a new one and
//   retries the request once.
// - Requests: a batch of events is sent record group by record group, in
//   the order the records first appear (an account before its contacts),
//   each group as sObject Collections upserts of up to 200 records, or a
//   single-record upsert (PATCH sobjects/Type/Field/value) when the group
//   has one record. Deletes are DELETE by external id (404: already gone).
//   Links become relationship fields by external id (AccountId → Account,
//   Parent__c → Parent__r).
// - Outcomes per event: delivered when every record of it is; rejected with
//   Salesforce's message for a permanent error (400 field errors, 300
//   multiple matches, 404 unknown object or field); retried for 5xx, 429,
//   UNABLE_TO_LOCK_ROW and transport errors; 403 REQUEST_LIMIT_EXCEEDED
//   pauses the connector for limit_backoff. From slow_down_at of the daily
//   allocation (Sforce-Limit-Info) requests are spaced by slow_down_delay.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/http/http_client.h"
#include "controlplane/connectors/oauth/token_cache.h"
#include "controlplane/connectors/salesforce/salesforce_config.h"
#include "controlplane/delivery/connector.h"
#include "controlplane/delivery/event_outcome.h"

namespace ferry::controlplane {

class SalesforceConnector : public Connector {
 public:
  SalesforceConnector(boost::asio::any_io_executor executor, SalesforceConfig config);
  std::string_view name() const override { return "salesforce"; }
  size_t max_batch() const override { return config_.batch; }
  double rate_per_s() const override { return static_cast<double>(config_.rate_per_s); }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) override;
  boost::asio::awaitable<std::vector<DeliveryResult>> DeliverBatch(
      std::vector<const ferry::v1::Event*> events) override;

  bool can_read() const override { return true; }
  // A SOQL query for the record (salesforce_read.cc).
  boost::asio::awaitable<RecordRead> Read(const std::string& object, const std::string& record_id,
                                          const std::string& query) override;

  // Exposed for tests: the JSON body of one record, for a single upsert
  // (without the external id field) or a Collections entry (with
  // attributes.type and the external id).
  static std::string RecordBody(const ferry::v1::MappedRecord& record, bool for_collection);

 private:
  struct Call {                          // one HTTP exchange's outcome
    std::optional<std::string> failure;  // no answer: token or transport problem (retryable)
    http::ClientResponse response;
  };
  struct Entry {
    size_t event = 0;
    const ferry::v1::MappedRecord* record = nullptr;
  };

  static std::vector<std::vector<Entry>> Chunks(const std::vector<Entry>& entries);

  boost::asio::awaitable<Call> Send(boost::beast::http::verb verb, const std::string& path, std::string body);
  boost::asio::awaitable<void> Upsert(const Entry& entry, std::vector<EventOutcome>& outcomes);
  boost::asio::awaitable<void> Remove(const Entry& entry, std::vector<EventOutcome>& outcomes);
  boost::asio::awaitable<void> UpsertCollection(const std::vector<Entry>& chunk, std::vector<EventOutcome>& outcomes);
  void NoteLimits(const http::ClientResponse& response);
  boost::asio::awaitable<void> Pace();

  SalesforceConfig config_;
  http::HttpClient client_;
  TokenCache tokens_;
  boost::asio::any_io_executor executor_;
  // Near the daily allocation, requests leave at most one per
  // slow_down_delay: the next free slot.
  std::chrono::steady_clock::time_point next_slot_{};
  double api_usage_ = 0;  // fraction of the daily allocation, from Sforce-Limit-Info
};

}  // namespace ferry::controlplane
