// DataverseConnector::Read: one row, whole, through the Web API
// (GET /api/data/v9.2/<set>(<guid>)?$select=…&$expand=…), so a down flow
// sees a sales order with its customer and its lines (expanded rows) as
// one JSON object, in the shape the Web API gives it.

#include "controlplane/connectors/dataverse/dataverse_connector.h"
#include "controlplane/connectors/http_outcome.h"

namespace ferry::controlplane {

boost::asio::awaitable<RecordRead> DataverseConnector::Read(const std::string& object, const std::string& record_id,
                                                            const std::string& query) {
  const std::string what = "reading " + object + " " + record_id;
  const std::string path = ReadPath(query, record_id);
  if (path.empty()) co_return RecordRead::Rejected(what + ": not a row's GUID, or a query without its entity set");
  http::HttpClient::OutRequest request{boost::beast::http::verb::get, config_.api.target + "/" + path, 11};
  Call call = co_await Send(std::move(request));
  if (call.failure) co_return RecordRead::Retry(what + ": " + *call.failure, call.retry_after);
  co_return ReadAnswer(what, call.response.status, call.response.body, RetryAfterOf(call.response));
}

}  // namespace ferry::controlplane
