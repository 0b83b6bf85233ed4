#pragma once
// Marketing Cloud connector: upserts mapped records as rows of data
// extensions through the REST API (docs/protocols.md §B.2).
//
// - Auth: OAuth 2.0 client credentials, a JSON request to auth_url/v2/token
//   (account_id picks the business unit). The token lives about 20 minutes
//   and has no refresh token: it is fetched again 120 s before it expires,
//   and a 401 fetches a new one and retries the request once. Requests go to
//   the token's rest_instance_url.
// - Requests: the synchronous rowset upsert, POST
//   /hub/v1/dataevents/key:{externalKey}/rowset, one call per data extension
//   per batch (a key repeated in the batch starts another call, so the rows
//   of one key stay in order). Synchronous, not the async rows API: the
//   answer of each call tells at once whether its rows are saved, so Ferry
//   classifies every event when the call returns and keeps per-key order;
//   the async API answers 202 with a requestId and its rows could only be
//   called delivered after polling its status.
// - Record → row: the record's object is the data extension's external key;
//   keys = {key_field: external_id}, values = the fields without the key
//   field (decimals as computed, never through a double); a link becomes a
//   column holding the parent's external id (a data extension has no
//   lookups). Delete is rejected: the rowset endpoint only inserts and
//   updates.
// - Outcomes per event: delivered when every row of it is saved. A rowset is
//   all or nothing, so a 400 for several rows sends each row alone to find
//   the refused one: the others are delivered, it is rejected with Marketing
//   Cloud's message. 404 (unknown data extension) and other 4xx: rejected;
//   408, 429, 5xx and transport errors: retried, with Retry-After.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/http/http_client.h"
#include "controlplane/connectors/marketing_cloud/marketing_cloud_config.h"
#include "controlplane/connectors/oauth/token_cache.h"
#include "controlplane/delivery/connector.h"
#include "controlplane/delivery/event_outcome.h"

namespace ferry::controlplane {

class MarketingCloudConnector : public Connector {
 public:
  MarketingCloudConnector(boost::asio::any_io_executor executor, MarketingCloudConfig config);
  std::string_view name() const override { return "marketing_cloud"; }
  size_t max_batch() const override { return config_.batch; }
  double rate_per_s() const override { return static_cast<double>(config_.rate_per_s); }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) override;
  boost::asio::awaitable<std::vector<DeliveryResult>> DeliverBatch(
      std::vector<const ferry::v1::Event*> events) override;

  // Exposed for tests: one row {"keys":{…},"values":{…}}, a rowset body
  // (a JSON array of rows), and the token request body.
  static std::string RowBody(const ferry::v1::MappedRecord& record);
  static std::string RowsetBody(const std::vector<const ferry::v1::MappedRecord*>& records);
  static std::string TokenBody(const std::string& client_id, const std::string& client_secret,
                               const std::string& account_id);

 private:
  struct Call;  // one HTTP exchange's outcome
  struct Entry {
    size_t event = 0;
    const ferry::v1::MappedRecord* record = nullptr;
  };

  // Rowset calls for the rows of one data extension, in order; a key seen
  // before in the call starts the next one.
  static std::vector<std::vector<Entry>> Chunks(const std::vector<Entry>& entries);

  boost::asio::awaitable<Call> Send(const std::string& path, std::string body);
  boost::asio::awaitable<void> Upsert(const std::vector<Entry>& chunk, std::vector<EventOutcome>& outcomes);

  MarketingCloudConfig config_;
  http::HttpClient client_;
  TokenCache tokens_;
};

}  // namespace ferry::controlplane
