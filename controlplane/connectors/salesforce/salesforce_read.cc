// SalesforceConnector::Read: one record, whole, through the REST API's
// query resource (GET /services/data/vXX.X/query?q=SOQL), so a down flow
// sees its parent fields (Account.…) and child records (a subquery's
// OpportunityLineItems) as one JSON object, in the shape the API gives it.

#include <boost/json.hpp>

#include "common/doc/json_slice.h"
#include "common/http/url_encoding.h"
#include "controlplane/connectors/http_outcome.h"
#include "controlplane/connectors/salesforce/salesforce_connector.h"
#include "controlplane/connectors/salesforce/salesforce_errors.h"
#include "controlplane/connectors/salesforce/salesforce_ids.h"

namespace ferry::controlplane {
boost::asio::awaitable<RecordRead> SalesforceConnector::Read(const std::string& object, const std::string& record_id,
                                                             const std::string& query) {
  if (!IsSalesforceId(record_id)) co_return RecordRead::Rejected("'" + record_id + "' is not a Salesforce record id");
  const std::string soql = query + " WHERE Id = '" + record_id + "'";
  const std::string path = "/services/data/v" + config_.api_version + "/query?q=" + http::FormEncode(soql);
  Call call = co_await Send(boost::beast::http::verb::get, path, "");
  const std::string what = "reading " + object + " " + record_id;
  if (call.failure) co_return RecordRead::Retry(what + ": " + *call.failure);
  const http::ClientResponse& res = call.response;
  boost::system::error_code ec;
  const boost::json::value body = res.body.empty() ? boost::json::value() : boost::json::parse(res.body, ec);
  if (res.status != 200) {
    const std::string errors = ec ? Excerpt(res.body) : ErrorsText(body);
    const std::string reason =
        what + ": HTTP " + std::to_string(res.status) + " " + (errors.empty() ? Excerpt(res.body) : errors);
    if (res.status == 403 && FirstCode(body) == "REQUEST_LIMIT_EXCEEDED") {
      co_return RecordRead::Retry(reason, config_.limit_backoff);
    }
    if (IsTransientStatus(res.status) || res.status == 401) co_return RecordRead::Retry(reason, RetryAfterOf(res));
    co_return RecordRead::Rejected(reason);  // MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE ...
  }
  const boost::json::object* answer = !ec && body.is_object() ? &body.as_object() : nullptr;
  const boost::json::value* records = answer ? answer->if_contains("records") : nullptr;
  if (records == nullptr || !records->is_array()) {
    co_return RecordRead::Retry(what + ": the answer is not a query result: " + Excerpt(res.body));
  }
  if (records->as_array().empty()) co_return RecordRead::Rejected(what + ": no such record (deleted?)");
  if (!records->as_array().front().is_object()) co_return RecordRead::Retry(what + ": the record is not a JSON object");
  // A subquery with more rows than one answer holds comes back with
  // done: false and a nextRecordsUrl: the record as read is not whole, and
  // an order made of it would miss lines.
  for (const auto& member : records->as_array().front().as_object()) {
    const boost::json::object* child = member.value().if_object();
    const boost::json::value* done = child ? child->if_contains("done") : nullptr;
    if (done != nullptr && done->is_bool() && !done->as_bool()) {
      co_return RecordRead::Rejected(what + ": " + std::string(member.key()) +
                                     " has more rows than one answer holds (done: false); Ferry does not read "
                                     "further pages of a subquery");
    }
  }
  // The record's own text, so decimals keep their digits.
  const std::optional<std::string_view> record = doc::FirstElementOf(res.body, "records");
  if (!record) co_return RecordRead::Retry(what + ": the record cannot be read from the answer");
  co_return RecordRead::Found(std::string(*record));
}

}  // namespace ferry::controlplane
