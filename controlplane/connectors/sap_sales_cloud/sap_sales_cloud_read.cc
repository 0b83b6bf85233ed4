// SapSalesCloudConnector::Read and ListChanges: a record read whole for a
// down flow (a quote with its items, its account completed by a lookup),
// and the records changed since a time, for the modified-since poller.

#include "common/doc/json_slice.h"
#include "common/http/url_encoding.h"
#include "controlplane/connectors/http_outcome.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_connector.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"

namespace ferry::controlplane {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace sap_sales_cloud;

asio::awaitable<SapSalesCloudConnector::EntityRead> SapSalesCloudConnector::ReadEntity(const std::string& collection,
                                                                                       const std::string& id,
                                                                                       const std::string& options,
                                                                                       const std::string& what) {
  if (!IsEntityId(id)) co_return EntityRead{RecordRead::Rejected(what + ": '" + id + "' is not an entity id"), {}};
  std::string target = config_.base.target + "/" + collection + "/" + id;
  if (!options.empty()) target += "?" + options;
  std::string no_body, no_if_match, no_type;
  Answer a = co_await Send(bhttp::verb::get, target, std::move(no_body), no_if_match, no_type);
  if (a.failure) co_return EntityRead{RecordRead::Retry(what + ": " + *a.failure), {}};
  if (a.response.status == 404) {
    co_return EntityRead{RecordRead::Rejected(what + ": not there (HTTP 404 " + ErrorText(a.response.body) + ")"), {}};
  }
  if (a.response.status != 200) {
    const DeliveryResult classified = Classify(a.response, what);
    if (classified.kind == DeliveryResult::Kind::kRejected)
      co_return EntityRead{RecordRead::Rejected(classified.reason), {}};
    co_return EntityRead{RecordRead::Retry(classified.reason, classified.retry_after), {}};
  }
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(a.response.body, ec);
  const std::optional<std::string_view> value = ec ? std::nullopt : doc::MemberOf(a.response.body, "value");
  if (!value || value->empty() || value->front() != '{') {
    co_return EntityRead{RecordRead::Retry(what + ": unexpected answer to a read: " + Excerpt(a.response.body)), {}};
  }
  co_return EntityRead{std::nullopt, std::string(*value)};
}

asio::awaitable<RecordRead> SapSalesCloudConnector::Read(const std::string& object, const std::string& record_id,
                                                         const std::string& query) {
  const std::string what = "reading " + object + " " + record_id;
  std::string error;
  const std::optional<ReadSpec> spec = ParseReadQuery(query, &error);
  if (!spec) co_return RecordRead::Rejected(what + ": the read query: " + error);
  EntityRead read = co_await ReadEntity(spec->collection, record_id, spec->options, what);
  if (read.failed) co_return std::move(*read.failed);
  std::string record = std::move(read.json);
  for (const ReadLookup& lookup : spec->lookups) {
    const std::string id = TextAt(record, lookup.id_path);
    if (id.empty()) continue;  // no such party on this record: nothing to complete
    std::string path_text;
    for (const std::string& p : lookup.id_path) path_text += (path_text.empty() ? "" : "/") + p;
    const std::string lookup_what = what + ": " + path_text + " " + id + " in " + lookup.collection;
    const std::string no_options;
    EntityRead linked = co_await ReadEntity(lookup.collection, id, no_options, lookup_what);
    if (linked.failed) co_return std::move(*linked.failed);
    const std::vector<std::string> parent(lookup.id_path.begin(), lookup.id_path.end() - 1);
    std::optional<std::string> completed = CompletedAt(record, parent, linked.json);
    if (!completed) co_return RecordRead::Rejected(lookup_what + ": the id is not in an object of the record");
    record = std::move(*completed);
  }
  co_return RecordRead::Found(std::move(record));
}

asio::awaitable<ChangesList> SapSalesCloudConnector::ListChanges(const ChangesQuery& query) {
  const std::string what = "listing changed " + query.object;
  const auto service = ServicePath(query.object);
  if (!service) co_return ChangesList::Rejected(what + ": sap_sales_cloud has no object '" + query.object + "'");
  const std::string target = ChangesTarget(config_.base.target, *service, query);
  std::string no_body, no_if_match, no_type;
  Answer a = co_await Send(bhttp::verb::get, target, std::move(no_body), no_if_match, no_type);
  if (a.failure) co_return ChangesList::Retry(what + ": " + *a.failure);
  if (a.response.status != 200) {
    const DeliveryResult classified = Classify(a.response, what);
    if (classified.kind == DeliveryResult::Kind::kRejected) co_return ChangesList::Rejected(classified.reason);
    co_return ChangesList::Retry(classified.reason, classified.retry_after);
  }
  std::optional<std::vector<ChangedRecord>> records = ChangedRecords(a.response.body);
  if (!records) {
    co_return ChangesList::Retry(
        what + ": not a list of entities with id and adminData/updatedOn: " + Excerpt(a.response.body));
  }
  co_return ChangesList::Listed(std::move(*records));
}

}  // namespace ferry::controlplane
