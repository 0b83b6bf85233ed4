#include "controlplane/connectors/marketing_cloud/marketing_cloud_connector.h"

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <map>
#include <set>

#include "common/config/secret_file.h"
#include "common/flows/json_text.h"
#include "common/http/url_encoding.h"
#include "controlplane/connectors/http_outcome.h"

namespace ferry::controlplane {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// Marketing Cloud's error body ({"message","errorcode","additionalErrors":
// [{"message",…}]}) as one line; empty when the body is not one.
std::string MarketingCloudErrorText(const std::string& body) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return {};
  const auto& o = parsed.as_object();
  auto message = [](const boost::json::object& e) -> std::string {
    auto it = e.find("message");
    return it != e.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
  };
  std::string out = message(o);
  if (auto it = o.find("errorcode"); it != o.end() && it->value().is_int64()) {
    out += " (errorcode " + std::to_string(it->value().as_int64()) + ")";
  }
  if (auto it = o.find("additionalErrors"); it != o.end() && it->value().is_array()) {
    for (const auto& e : it->value().as_array()) {
      if (e.is_object() && !message(e.as_object()).empty()) out += "; " + message(e.as_object());
    }
  }
  return out;
}

}  // namespace

struct MarketingCloudConnector::Call {
  std::optional<std::string> failure;  // no answer: token or transport problem (retryable)
  http::ClientResponse response;
};

MarketingCloudConnector::MarketingCloudConnector(asio::any_io_executor executor, MarketingCloudConfig config)
    : config_(std::move(config)),
      client_(executor, config_.client),
      tokens_(
          executor, client_, "marketing_cloud",
          [this]() -> Result<TokenRequest> {
            auto secret = config::ReadSecretFile(config_.client_secret_file);
            if (!secret.ok()) return secret.status();
            return TokenRequest{config_.token_url, "application/json",
                                TokenBody(config_.client_id, *secret, config_.account_id)};
          },
          // Tokens live ~1079 s: renewed two minutes early, so no request
          // goes out with a token about to lapse.
          std::chrono::seconds(120)) {}

std::string MarketingCloudConnector::TokenBody(const std::string& client_id, const std::string& client_secret,
                                               const std::string& account_id) {
  std::string body = "{\"grant_type\":\"client_credentials\",\"client_id\":" + flows::JsonQuoted(client_id) +
                     ",\"client_secret\":" + flows::JsonQuoted(client_secret);
  if (!account_id.empty()) body += ",\"account_id\":" + flows::JsonQuoted(account_id);
  return body + "}";
}

std::string MarketingCloudConnector::RowBody(const ferry::v1::MappedRecord& record) {
  std::string values;
  auto add = [&values](std::string_view key_json, std::string_view value) {
    if (!values.empty()) values += ',';
    values.append(key_json).append(":").append(value);
  };
  for (const flows::JsonMember& m : flows::TopLevelMembers(record.fields_json())) {
    if (m.key == record.key_field()) continue;  // it is in "keys"
    add("\"" + std::string(m.key) + "\"", m.value);
  }
  for (const ferry::v1::RecordLink& l : record.links())
    add(flows::JsonQuoted(l.field()), flows::JsonQuoted(l.external_id()));
  return "{\"keys\":{" + flows::JsonQuoted(record.key_field()) + ":" + flows::JsonQuoted(record.external_id()) +
         "},\"values\":{" + values + "}}";
}

std::string MarketingCloudConnector::RowsetBody(const std::vector<const ferry::v1::MappedRecord*>& records) {
  std::string body = "[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) body += ',';
    body += RowBody(*records[i]);
  }
  return body + "]";
}

std::vector<std::vector<MarketingCloudConnector::Entry>> MarketingCloudConnector::Chunks(
    const std::vector<Entry>& entries) {
  std::vector<std::vector<Entry>> chunks;
  std::set<std::string> keys;
  for (const Entry& e : entries) {
    std::string key = e.record->key_field() + '\n' + e.record->external_id();
    if (chunks.empty() || keys.count(key)) {
      chunks.emplace_back();
      keys.clear();
    }
    chunks.back().push_back(e);
    keys.insert(std::move(key));
  }
  return chunks;
}

asio::awaitable<MarketingCloudConnector::Call> MarketingCloudConnector::Send(const std::string& path,
                                                                             std::string body) {
  const TokenCache::RequestFor request_for = [&](const AccessToken& token) -> Result<AuthorizedRequest> {
    const std::string instance = token.BaseUrl("rest_instance_url");
    if (instance.empty()) return Status::Unavailable("marketing_cloud token answer has no rest_instance_url");
    auto url = http::ParseUrl(instance + path);
    if (!url.ok()) {
      return Status::Unavailable("marketing_cloud rest_instance_url '" + instance +
                                 "': " + std::string(url.status().message()));
    }
    AuthorizedRequest out{*url, http::HttpClient::OutRequest{bhttp::verb::post, url->target, 11}};
    out.request.set(bhttp::field::accept, "application/json");
    out.request.set(bhttp::field::content_type, "application/json");
    out.request.body() = body;  // a copy: after a 401 it is sent again
    return out;
  };
  Result<http::ClientResponse> res = co_await tokens_.Send(request_for);
  if (!res.ok()) co_return Call{std::string(res.status().message()), {}};
  co_return Call{std::nullopt, std::move(res).value()};
}

asio::awaitable<void> MarketingCloudConnector::Upsert(const std::vector<Entry>& chunk,
                                                      std::vector<EventOutcome>& outcomes) {
  if (chunk.empty()) co_return;
  const ferry::v1::MappedRecord& head = *chunk.front().record;
  std::vector<const ferry::v1::MappedRecord*> records;
  for (const Entry& e : chunk) records.push_back(e.record);
  std::string body = RowsetBody(records);  // named: no temporaries in a co_await (g++ 12)
  const std::string path = "/hub/v1/dataevents/key:" + http::PercentEncode(head.object()) + "/rowset";
  Call call = co_await Send(path, std::move(body));
  const std::string what =
      chunk.size() == 1 ? DescribeRecord(head) : head.object() + " rowset of " + std::to_string(chunk.size());
  if (call.failure) {
    for (const Entry& e : chunk) outcomes[e.event].Retry(what + ": " + *call.failure, std::nullopt);
    co_return;
  }
  const http::ClientResponse& res = call.response;
  if (res.status >= 200 && res.status < 300) co_return;
  if (res.status == 400 && chunk.size() > 1) {
    // The rowset is all or nothing: each row alone tells which one is
    // refused, and the others are saved on the way.
    for (const Entry& e : chunk) {
      std::vector<Entry> one{e};
      co_await Upsert(one, outcomes);
    }
    co_return;
  }
  const std::string detail = MarketingCloudErrorText(res.body);
  const std::string reason =
      what + ": HTTP " + std::to_string(res.status) + " " + (detail.empty() ? Excerpt(res.body) : detail);
  for (const Entry& e : chunk) {
    if (IsTransientStatus(res.status) || res.status == 401) {
      outcomes[e.event].Retry(reason, RetryAfterOf(res));
    } else {
      outcomes[e.event].Reject(reason);
    }
  }
}

asio::awaitable<DeliveryResult> MarketingCloudConnector::Deliver(const ferry::v1::Event& event) {
  std::vector<const ferry::v1::Event*> one{&event};
  std::vector<DeliveryResult> results = co_await DeliverBatch(std::move(one));
  co_return std::move(results.at(0));
}

asio::awaitable<std::vector<DeliveryResult>> MarketingCloudConnector::DeliverBatch(
    std::vector<const ferry::v1::Event*> events) {
  std::vector<EventOutcome> outcomes(events.size());
  // Rows by data extension, in the order the data extensions first appear.
  std::vector<std::vector<Entry>> groups;
  std::map<std::string, size_t> index;
  for (size_t e = 0; e < events.size(); ++e) {
    if (events[e]->records_size() == 0) {
      outcomes[e].Reject("the event has no mapped records (deliver raw IDocs with the webhook connector)");
      continue;
    }
    for (const ferry::v1::MappedRecord& r : events[e]->records()) {
      if (r.action() == "delete") {
        outcomes[e].Reject(DescribeRecord(r) +
                           ": delete is not supported: the rowset endpoint only inserts and updates rows (remove "
                           "delete_when from the flow, or delete the row in Marketing Cloud)");
      } else if (r.object().empty() || r.key_field().empty() || r.external_id().empty()) {
        outcomes[e].Reject(DescribeRecord(r) +
                           ": a data extension row needs an object (the external key), key_field and "
                           "external_id");
      }
    }
    if (outcomes[e].failed()) continue;  // nothing of an event that cannot be delivered whole
    for (const ferry::v1::MappedRecord& r : events[e]->records()) {
      auto [it, added] = index.emplace(r.object(), groups.size());
      if (added) groups.emplace_back();
      groups[it->second].push_back({e, &r});
    }
  }
  for (const std::vector<Entry>& group : groups) {
    // An event that already failed sends nothing more: it is sent again whole.
    std::vector<Entry> live;
    for (const Entry& entry : group) {
      if (!outcomes[entry.event].failed()) live.push_back(entry);
    }
    if (live.empty()) continue;
    const std::vector<std::vector<Entry>> chunks = Chunks(live);
    for (const std::vector<Entry>& chunk : chunks) co_await Upsert(chunk, outcomes);
  }
  std::vector<DeliveryResult> results;
  results.reserve(events.size());
  for (EventOutcome& o : outcomes) results.push_back(std::move(o).ToResult());
  co_return results;
}

}  // namespace ferry::controlplane
