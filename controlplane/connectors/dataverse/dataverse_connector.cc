#include "controlplane/connectors/dataverse/dataverse_connector.h"

#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "common/config/secret_file.h"
#include "common/util/ids.h"
#include "controlplane/connectors/http_outcome.h"

namespace ferry::controlplane {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kMaxBatchOperations = 1000;  // per $batch request

}  // namespace

DataverseConnector::DataverseConnector(asio::any_io_executor executor, DataverseConfig config)
    : config_(std::move(config)),
      client_(executor, config_.client),
      tokens_(executor, client_, "dataverse",
              ClientCredentialsRequest(config_.token_url, config_.client_id, config_.client_secret_file,
                                       "&scope=" + FormEncode(config_.org_url + "/.default")),
              std::chrono::minutes(5)) {}

std::optional<std::chrono::milliseconds> DataverseConnector::Throttled() const {
  const auto now = std::chrono::steady_clock::now();
  if (now >= throttled_until_) return std::nullopt;
  return std::chrono::ceil<std::chrono::milliseconds>(throttled_until_ - now);
}

void DataverseConnector::NoteThrottle(std::chrono::milliseconds retry_after) {
  throttled_until_ = std::max(throttled_until_, std::chrono::steady_clock::now() + retry_after);
}

asio::awaitable<DataverseConnector::Call> DataverseConnector::Send(http::HttpClient::OutRequest request) {
  // Service protection: a request sent during the pause extends it.
  if (auto wait = Throttled()) co_return Call{"waiting for Dataverse's Retry-After (429)", wait, {}};
  const TokenCache::RequestFor request_for = [&](const AccessToken&) -> Result<AuthorizedRequest> {
    AuthorizedRequest out{config_.api, request};  // a copy: after a 401 it is sent again
    out.url.target = std::string(request.target());
    out.request.set("OData-MaxVersion", "4.0");
    out.request.set("OData-Version", "4.0");
    out.request.set(bhttp::field::accept, "application/json");
    return out;
  };
  Result<http::ClientResponse> res = co_await tokens_.Send(request_for);
  if (!res.ok()) co_return Call{std::string(res.status().message()), std::nullopt, {}};
  if (res->status == 429) {
    if (auto after = RetryAfterOf(*res)) NoteThrottle(*after);
  }
  co_return Call{std::nullopt, std::nullopt, std::move(res).value()};
}

asio::awaitable<DeliveryResult> DataverseConnector::SendRecord(const ferry::v1::MappedRecord& record) {
  const bool remove = record.action() == "delete";
  const bool update_only = UpdateOnly(record, config_.update_only_objects);
  const std::string target = config_.api.target + "/" + RecordPath(record);
  http::HttpClient::OutRequest request{remove ? bhttp::verb::delete_ : bhttp::verb::patch, target, 11};
  if (!remove) {
    request.set(bhttp::field::content_type, kJsonType);
    if (update_only) request.set(bhttp::field::if_match, "*");
    request.body() = RecordBody(record);  // "{}" at least: a record without fields is still sent
  }
  Call call = co_await Send(std::move(request));
  if (call.failure) co_return DeliveryResult::Retry(DescribeRecord(record) + ": " + *call.failure, call.retry_after);
  const http::ClientResponse& res = call.response;
  const auto entity = res.headers.find("odata-entityid");
  const std::string_view entity_id =
      entity == res.headers.end() ? std::string_view() : std::string_view(entity->second);
  co_return Classify(record, update_only, res.status, res.body, entity_id, RetryAfterOf(res));
}

asio::awaitable<DeliveryResult> DataverseConnector::SendRecords(const ferry::v1::Event& event) {
  std::string record_id;
  for (const ferry::v1::MappedRecord& record : event.records()) {
    DeliveryResult one = co_await SendRecord(record);
    // A failed record ends the event: it is sent again whole, in order.
    if (one.kind != DeliveryResult::Kind::kDelivered) co_return one;
    if (record_id.empty()) record_id = std::move(one.record_id);
  }
  co_return DeliveryResult::Delivered(std::move(record_id));
}

asio::awaitable<void> DataverseConnector::SendBatch(std::vector<ChangeSet> sets, std::vector<DeliveryResult>& results,
                                                    std::vector<ChangeSet>& again) {
  const std::string batch_id = NewEventId();
  const std::string target = config_.api.target + "/$batch";
  http::HttpClient::OutRequest request{bhttp::verb::post, target, 11};
  request.set(bhttp::field::content_type, "multipart/mixed; boundary=batch_" + batch_id);
  request.set("Prefer", "odata.continue-on-error");
  request.body() = BatchBody(config_.service_root, sets, config_.update_only_objects, batch_id);
  Call call = co_await Send(std::move(request));
  if (call.failure) {
    for (const ChangeSet& set : sets) {
      results[set.event] =
          DeliveryResult::Retry(DescribeRecord(*set.records.front()) + ": $batch: " + *call.failure, call.retry_after);
    }
    co_return;
  }
  std::vector<ChangeSetResult> answers = BatchResults(call.response, sets, config_.update_only_objects);
  for (size_t s = 0; s < sets.size(); ++s) {
    ChangeSetResult& answer = answers[s];
    if (answer.already_gone) {
      ChangeSet rest = sets[s];
      rest.records.erase(rest.records.begin() + static_cast<ptrdiff_t>(*answer.already_gone));
      if (rest.records.empty()) {
        results[rest.event] = DeliveryResult::Delivered("");
      } else {
        again.push_back(std::move(rest));
      }
      continue;
    }
    // An operation throttled inside the batch pauses everything, as a 429
    // of a whole request does.
    if (answer.result.kind == DeliveryResult::Kind::kRetry && answer.result.retry_after) {
      NoteThrottle(*answer.result.retry_after);
    }
    results[sets[s].event] = std::move(answer.result);
  }
}

asio::awaitable<DeliveryResult> DataverseConnector::Deliver(const ferry::v1::Event& event) {
  std::vector<const ferry::v1::Event*> one{&event};
  std::vector<DeliveryResult> results = co_await DeliverBatch(std::move(one));
  co_return results.front();
}

asio::awaitable<std::vector<DeliveryResult>> DataverseConnector::DeliverBatch(
    std::vector<const ferry::v1::Event*> events) {
  std::vector<DeliveryResult> results(events.size(), DeliveryResult::Delivered(""));
  std::vector<ChangeSet> sets;     // events for $batch, one change set each
  std::vector<size_t> one_by_one;  // events sent record by record
  size_t records = 0;
  for (size_t e = 0; e < events.size(); ++e) {
    const auto& event_records = events[e]->records();
    if (event_records.empty()) {
      results[e] =
          DeliveryResult::Rejected("the event has no mapped records (deliver raw IDocs with the webhook connector)");
      continue;
    }
    records += static_cast<size_t>(event_records.size());
    if (static_cast<size_t>(event_records.size()) > kMaxBatchOperations) {
      one_by_one.push_back(e);  // no $batch can hold its change set
      continue;
    }
    ChangeSet set{e, {}};
    for (const ferry::v1::MappedRecord& r : event_records) set.records.push_back(&r);
    sets.push_back(std::move(set));
  }
  if (config_.batch == 1 || records == 1) {
    for (const ChangeSet& set : sets) one_by_one.push_back(set.event);
    sets.clear();
  }
  // Rounds: a change set rolled back only because a delete in it found its
  // row already gone is sent again without that record. Each round sends
  // fewer records, so this ends.
  while (!sets.empty()) {
    std::vector<ChangeSet> again;
    size_t at = 0;
    while (at < sets.size()) {
      std::vector<ChangeSet> chunk;
      size_t operations = 0;
      while (at < sets.size() && operations + sets[at].records.size() <= kMaxBatchOperations) {
        operations += sets[at].records.size();
        chunk.push_back(std::move(sets[at++]));
      }
      co_await SendBatch(std::move(chunk), results, again);
    }
    sets = std::move(again);
  }
  std::sort(one_by_one.begin(), one_by_one.end());
  for (const size_t e : one_by_one) {
    DeliveryResult one = co_await SendRecords(*events[e]);
    results[e] = std::move(one);
  }
  co_return results;
}

}  // namespace ferry::controlplane
