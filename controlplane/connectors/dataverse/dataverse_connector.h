#pragma once
// Microsoft Dataverse connector: upserts mapped records by alternate key
// through the Web API v9.2 (docs/protocols.md §B.3).
//
// - Auth: Entra ID client credentials (scope org_url/.default); the token is
//   cached, renewed 5 minutes before it expires, and a 401 fetches a new one
//   and retries the request once.
// - Requests: an upsert is PATCH set(key='value') with the changed columns
//   and links as "nav@odata.bind": "/set(key='value')"; entity sets listed
//   in update_only_objects send If-Match: * (update only), as does a row
//   named by its primary key (salesorders(<guid>), a down flow's
//   write-back). A delete is
//   DELETE set(key='value'); 404 means already gone. A record with no fields
//   is still sent: its links, or the row's existence, are the change.
//   When a call carries more than one record and batch > 1, they go in
//   $batch requests of at most 1000 operations, one change set per event:
//   an event's records (an account and its contacts) commit together, in
//   order, or not at all. Prefer: odata.continue-on-error keeps one failed
//   change set from stopping the others. An event with more records than a
//   $batch takes is sent record by record.
// - Outcomes per event: delivered when every record is (the record id is
//   the GUID of the event's first record); rejected with Dataverse's
//   "code: message" for a permanent error (400 validation, 404 on an
//   update-only upsert, 412); retried for 5xx, 408, 429 and transport
//   errors. A 429 (service protection) carries Retry-After, and until it
//   has passed this connector sends nothing: Dataverse extends the wait of
//   a client that keeps sending.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/http_client.h"
#include "common/status.h"
#include "controlplane/connectors/dataverse/dataverse_config.h"
#include "controlplane/connectors/oauth/token_cache.h"
#include "controlplane/delivery/connector.h"

namespace ferry::controlplane {

class DataverseConnector : public Connector {
 public:
  DataverseConnector(boost::asio::any_io_executor executor, DataverseConfig config);
  std::string_view name() const override { return "dataverse"; }
  size_t max_batch() const override { return config_.batch; }
  double rate_per_s() const override { return static_cast<double>(config_.rate_per_s); }
  boost::asio::awaitable<DeliveryResult> Deliver(const ferry::v1::Event& event) override;
  boost::asio::awaitable<std::vector<DeliveryResult>> DeliverBatch(
      std::vector<const ferry::v1::Event*> events) override;
  // A row by its GUID with the query options of `query` ("salesorders?$select=…
  // &$expand=…"): the shape the Web API gives, lookups as _x_value and
  // expanded rows nested (dataverse_read.cc).
  bool can_read() const override { return true; }
  boost::asio::awaitable<RecordRead> Read(const std::string& object, const std::string& record_id,
                                          const std::string& query) override;

  // The rest is exposed for tests (dataverse_wire.cc: requests and answers,
  // no I/O).

  // One event's records in a $batch.
  struct ChangeSet {
    size_t event = 0;  // index into the DeliverBatch call
    std::vector<const ferry::v1::MappedRecord*> records;
  };
  struct ChangeSetResult {
    DeliveryResult result;
    // A delete in the set found its row already gone (404), which rolled
    // the set back: the set is sent again without records[*already_gone].
    std::optional<size_t> already_gone;
  };

  // The record's address relative to the service root:
  // accounts(accountnumber='O%27%27Brien') for O'Brien, or
  // salesorders(<guid>) for a row named by its primary key (ByPrimaryKey).
  static std::string RecordPath(const ferry::v1::MappedRecord& record);
  // Whether the record names its row by the table's primary key, a GUID
  // (key_field salesorderid on salesorders): a CRM record a down flow
  // writes SAP's answer back to. Such a row is only updated, never made.
  static bool ByPrimaryKey(const ferry::v1::MappedRecord& record);
  // Whether an upsert of `record` sends If-Match: * (the row must exist).
  static bool UpdateOnly(const ferry::v1::MappedRecord& record, const std::set<std::string>& update_only);
  // The PATCH body: the fields without the key column, and the links.
  static std::string RecordBody(const ferry::v1::MappedRecord& record);
  // The multipart/mixed body of a $batch with boundary "batch_<batch_id>",
  // one change set "changeset_<batch_id>_<n>" per entry of `sets`, and
  // Content-IDs counted from 1 across the batch.
  static std::string BatchBody(std::string_view service_root, const std::vector<ChangeSet>& sets,
                               const std::set<std::string>& update_only, std::string_view batch_id);
  // One result per entry of `sets` from the answer to their $batch: per
  // change set when the answer is multipart/mixed (of any status; a set it
  // does not reach is retried); otherwise the same for every set: 429, 5xx
  // and 408 retried with Retry-After, other 4xx rejected, an unreadable 2xx
  // retried.
  static std::vector<ChangeSetResult> BatchResults(const http::ClientResponse& answer,
                                                   const std::vector<ChangeSet>& sets,
                                                   const std::set<std::string>& update_only);
  // The path, from the service root, that reads row `guid` with `query`
  // (salesorders?$select=… → salesorders(<guid>)?$select=…); empty when
  // `guid` is not a GUID or the query does not start with an entity set.
  static std::string ReadPath(std::string_view query, std::string_view guid);
  // What the answer to a read means: the row as Dataverse wrote it, or why
  // not. `what` names the row for the reasons.
  static RecordRead ReadAnswer(const std::string& what, int status, const std::string& body,
                               std::optional<std::chrono::milliseconds> retry_after);
  // What one answer (to a single request, or one operation of a $batch)
  // means for `record`.
  static DeliveryResult Classify(const ferry::v1::MappedRecord& record, bool update_only, int status,
                                 std::string_view body, std::string_view entity_id,
                                 std::optional<std::chrono::milliseconds> retry_after);

 private:
  // The Content-Type of every body sent, alone or in a $batch.
  static constexpr std::string_view kJsonType = "application/json; charset=utf-8";

  // One HTTP exchange's outcome.
  struct Call {
    // No answer: the token, the transport, or a pause still running (retryable).
    std::optional<std::string> failure;
    std::optional<std::chrono::milliseconds> retry_after;  // with failure: what is left of the pause
    http::ClientResponse response;
  };

  boost::asio::awaitable<Call> Send(http::HttpClient::OutRequest request);
  boost::asio::awaitable<DeliveryResult> SendRecord(const ferry::v1::MappedRecord& record);
  boost::asio::awaitable<DeliveryResult> SendRecords(const ferry::v1::Event& event);
  boost::asio::awaitable<void> SendBatch(std::vector<ChangeSet> sets, std::vector<DeliveryResult>& results,
                                         std::vector<ChangeSet>& again);
  // How long service protection still asks us to wait, if at all.
  std::optional<std::chrono::milliseconds> Throttled() const;
  void NoteThrottle(std::chrono::milliseconds retry_after);

  DataverseConfig config_;
  http::HttpClient client_;
  TokenCache tokens_;
  std::chrono::steady_clock::time_point throttled_until_{};
};

}  // namespace ferry::controlplane
