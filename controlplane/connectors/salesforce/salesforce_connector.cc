#include "controlplane/connectors/salesforce/salesforce_connector.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <map>
#include <set>

#include "common/config/secret_file.h"
#include "common/flows/flow_set.h"
#include "common/flows/json_text.h"
#include "common/http/url_encoding.h"
#include "controlplane/connectors/http_outcome.h"
#include "controlplane/connectors/salesforce/salesforce_errors.h"

namespace ferry::controlplane {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

constexpr size_t kCollectionLimit = 200;  // records per sObject Collections request

// Per-record status codes that a later attempt can succeed with.
bool IsTransientCode(std::string_view code) {
  return code == "UNABLE_TO_LOCK_ROW" || code == "SERVER_UNAVAILABLE" || code == "REQUEST_LIMIT_EXCEEDED";
}

// A lookup field's relationship name: AccountId → Account, Parent__c → Parent__r.
std::string RelationshipName(const std::string& field) {
  if (field.size() > 3 && field.ends_with("__c")) return field.substr(0, field.size() - 3) + "__r";
  if (field.size() > 2 && field.ends_with("Id")) return field.substr(0, field.size() - 2);
  return field;
}

// sobjects/Type/ExternalIdField/value: every part percent-encoded, dots
// included (see http::PercentEncode).
std::string SObjectPath(const std::string& api_version, const ferry::v1::MappedRecord& r) {
  return "/services/data/v" + api_version + "/sobjects/" + http::PercentEncode(r.object(), false) + "/" +
         http::PercentEncode(r.key_field(), false) + "/" + http::PercentEncode(r.external_id(), false);
}

}  // namespace

// Collections calls of at most 200 records in which no external id appears
// twice (Salesforce refuses both entries of a duplicate: two events of one
// batch can update the same record, e.g. two invoices and their account).
// Order is kept: a repeated id starts the next call.
std::vector<std::vector<SalesforceConnector::Entry>> SalesforceConnector::Chunks(const std::vector<Entry>& entries) {
  std::vector<std::vector<Entry>> chunks;
  std::set<std::string_view> ids;
  for (const Entry& e : entries) {
    if (chunks.empty() || chunks.back().size() == kCollectionLimit || ids.count(e.record->external_id())) {
      chunks.emplace_back();
      ids.clear();
    }
    chunks.back().push_back(e);
    ids.insert(e.record->external_id());
  }
  return chunks;
}

SalesforceConnector::SalesforceConnector(asio::any_io_executor executor, SalesforceConfig config)
    : config_(std::move(config)),
      client_(executor, config_.client),
      tokens_(executor, client_, "salesforce",
              ClientCredentialsRequest(config_.token_url, config_.client_id, config_.client_secret_file),
              std::chrono::seconds(60)),
      executor_(executor) {}

std::string SalesforceConnector::RecordBody(const ferry::v1::MappedRecord& record, bool for_collection) {
  std::string body = "{";
  bool first = true;
  auto add = [&](std::string_view key_json, std::string_view value) {
    if (!first) body += ',';
    first = false;
    body.append(key_json).append(":").append(value);
  };
  if (for_collection) {
    add("\"attributes\"", "{\"type\":" + flows::JsonQuoted(record.object()) + "}");
    add(flows::JsonQuoted(record.key_field()), flows::JsonQuoted(record.external_id()));
  }
  for (const flows::JsonMember& m : flows::TopLevelMembers(record.fields_json())) {
    // The external id is in the URL (single upsert) or added above.
    if (m.key == record.key_field()) continue;
    add("\"" + std::string(m.key) + "\"", m.value);
  }
  for (const ferry::v1::RecordLink& l : record.links()) {
    add(flows::JsonQuoted(RelationshipName(l.field())),
        "{" + flows::JsonQuoted(l.key_field()) + ":" + flows::JsonQuoted(l.external_id()) + "}");
  }
  return body + "}";
}

void SalesforceConnector::NoteLimits(const http::ClientResponse& response) {
  auto it = response.headers.find("sforce-limit-info");
  if (it == response.headers.end()) return;
  // "api-usage=USED/MAX"
  const std::string& v = it->second;
  const size_t eq = v.find("api-usage="), slash = v.find('/', eq);
  if (eq == std::string::npos || slash == std::string::npos) return;
  const double used = std::atof(v.c_str() + eq + 10), max = std::atof(v.c_str() + slash + 1);
  if (max <= 0) return;
  const double usage = used / max;
  if (usage >= config_.slow_down_at && api_usage_ < config_.slow_down_at) {
    spdlog::warn("event=salesforce_slowing_down api_usage={}/{} spacing_ms={}", static_cast<int64_t>(used),
                 static_cast<int64_t>(max), config_.slow_down_delay.count());
  }
  api_usage_ = usage;
}

// Near the daily allocation: spread what is left instead of hitting 403,
// one request per slow_down_delay across all concurrent requests.
asio::awaitable<void> SalesforceConnector::Pace() {
  const auto now = std::chrono::steady_clock::now();
  const auto slot = std::max(now, next_slot_);
  next_slot_ = slot + config_.slow_down_delay;
  if (slot <= now) co_return;
  asio::steady_timer wait(executor_, slot);
  co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<SalesforceConnector::Call> SalesforceConnector::Send(bhttp::verb verb, const std::string& path,
                                                                     std::string body) {
  if (api_usage_ >= config_.slow_down_at) co_await Pace();
  const TokenCache::RequestFor request_for = [&](const AccessToken& token) -> Result<AuthorizedRequest> {
    const std::string instance = token.BaseUrl("instance_url");
    auto url = http::ParseUrl(instance + path);
    if (!url.ok()) {
      return Status::Unavailable("salesforce instance_url '" + instance + "': " + std::string(url.status().message()));
    }
    AuthorizedRequest out{*url, http::HttpClient::OutRequest{verb, url->target, 11}};
    out.request.set(bhttp::field::accept, "application/json");
    if (!body.empty()) {
      out.request.set(bhttp::field::content_type, "application/json");
      out.request.body() = body;  // a copy: after a 401 it is sent again
    }
    return out;
  };
  Result<http::ClientResponse> res = co_await tokens_.Send(request_for);
  if (!res.ok()) co_return Call{std::string(res.status().message()), {}};
  NoteLimits(*res);
  co_return Call{std::nullopt, std::move(res).value()};
}

namespace {

// What one single-record answer means for its event.
template <typename Outcome>
void Classify(const http::ClientResponse& res, const std::string& what, std::chrono::milliseconds limit_backoff,
              Outcome& outcome) {
  boost::system::error_code ec;
  const boost::json::value body = res.body.empty() ? boost::json::value() : boost::json::parse(res.body, ec);
  if (res.status >= 200 && res.status < 300) {
    if (!ec && body.is_object()) {
      if (auto it = body.as_object().find("id");
          it != body.as_object().end() && it->value().is_string() && outcome.record_id.empty()) {
        outcome.record_id = std::string(it->value().as_string());
      }
    }
    return;
  }
  const std::string errors = ec ? Excerpt(res.body) : ErrorsText(body);
  const std::string reason =
      what + ": HTTP " + std::to_string(res.status) + " " + (errors.empty() ? Excerpt(res.body) : errors);
  if (res.status == 300) {
    outcome.Reject(what + ": HTTP 300: the external id matches more than one record");
  } else if (res.status == 403 && FirstCode(body) == "REQUEST_LIMIT_EXCEEDED") {
    outcome.Retry(reason, limit_backoff);
  } else if (IsTransientStatus(res.status) || res.status == 401) {
    outcome.Retry(reason, RetryAfterOf(res));
  } else {
    outcome.Reject(reason);
  }
}

}  // namespace

asio::awaitable<void> SalesforceConnector::Upsert(const Entry& entry, std::vector<EventOutcome>& outcomes) {
  const ferry::v1::MappedRecord& r = *entry.record;
  const std::string path = SObjectPath(config_.api_version, r);
  std::string body = RecordBody(r, false);  // named: no temporaries in a co_await (g++ 12)
  Call call = co_await Send(bhttp::verb::patch, path, std::move(body));
  EventOutcome& outcome = outcomes[entry.event];
  if (call.failure) {
    outcome.Retry(DescribeRecord(r) + ": " + *call.failure, std::nullopt);
    co_return;
  }
  Classify(call.response, DescribeRecord(r), config_.limit_backoff, outcome);
}

asio::awaitable<void> SalesforceConnector::Remove(const Entry& entry, std::vector<EventOutcome>& outcomes) {
  const ferry::v1::MappedRecord& r = *entry.record;
  const std::string path = SObjectPath(config_.api_version, r);
  std::string no_body;
  Call call = co_await Send(bhttp::verb::delete_, path, std::move(no_body));
  EventOutcome& outcome = outcomes[entry.event];
  if (call.failure) {
    outcome.Retry(DescribeRecord(r) + ": " + *call.failure, std::nullopt);
    co_return;
  }
  if (call.response.status == 404) co_return;  // already gone: what a delete wants
  Classify(call.response, DescribeRecord(r), config_.limit_backoff, outcome);
}

asio::awaitable<void> SalesforceConnector::UpsertCollection(const std::vector<Entry>& chunk,
                                                            std::vector<EventOutcome>& outcomes) {
  const ferry::v1::MappedRecord& head = *chunk.front().record;
  std::string body = "{\"allOrNone\":false,\"records\":[";
  for (size_t i = 0; i < chunk.size(); ++i) {
    if (i > 0) body += ',';
    body += RecordBody(*chunk[i].record, true);
  }
  body += "]}";
  const std::string path = "/services/data/v" + config_.api_version + "/composite/sobjects/" +
                           http::PercentEncode(head.object(), false) + "/" +
                           http::PercentEncode(head.key_field(), false);
  Call call = co_await Send(bhttp::verb::patch, path, std::move(body));
  const std::string what = head.object() + " collection of " + std::to_string(chunk.size());
  if (call.failure) {
    for (const Entry& e : chunk) outcomes[e.event].Retry(what + ": " + *call.failure, std::nullopt);
    co_return;
  }
  boost::system::error_code ec;
  const boost::json::value results = boost::json::parse(call.response.body, ec);
  if (call.response.status != 200 || ec || !results.is_array() || results.as_array().size() != chunk.size()) {
    for (const Entry& e : chunk) {
      if (call.response.status == 200) {
        outcomes[e.event].Retry(what + ": unexpected answer " + Excerpt(call.response.body), std::nullopt);
      } else {
        Classify(call.response, what, config_.limit_backoff, outcomes[e.event]);
      }
    }
    co_return;
  }
  // Results come back in the order of the records sent.
  for (size_t i = 0; i < chunk.size(); ++i) {
    const auto& result = results.as_array()[i];
    EventOutcome& outcome = outcomes[chunk[i].event];
    const boost::json::object* o = result.is_object() ? &result.as_object() : nullptr;
    const bool success =
        o != nullptr && o->contains("success") && o->at("success").is_bool() && o->at("success").as_bool();
    if (success) {
      if (auto it = o->find("id"); it != o->end() && it->value().is_string() && outcome.record_id.empty()) {
        outcome.record_id = std::string(it->value().as_string());
      }
      continue;
    }
    const boost::json::value errors = o != nullptr && o->contains("errors") ? o->at("errors") : boost::json::value();
    const std::string code = FirstCode(errors);
    const std::string reason = DescribeRecord(*chunk[i].record) + ": " + ErrorsText(errors);
    if (IsTransientCode(code)) {
      outcome.Retry(reason, code == "REQUEST_LIMIT_EXCEEDED" ? std::optional(config_.limit_backoff) : std::nullopt);
    } else {
      outcome.Reject(reason);
    }
  }
}

asio::awaitable<DeliveryResult> SalesforceConnector::Deliver(const ferry::v1::Event& event) {
  std::vector<const ferry::v1::Event*> one{&event};
  std::vector<DeliveryResult> results = co_await DeliverBatch(std::move(one));
  co_return results.front();
}

asio::awaitable<std::vector<DeliveryResult>> SalesforceConnector::DeliverBatch(
    std::vector<const ferry::v1::Event*> events) {
  std::vector<EventOutcome> outcomes(events.size());
  // Groups of records by action, object and external id field, in the order
  // they first appear: a parent before the children that link to it.
  struct Group {
    bool remove = false;
    std::vector<Entry> entries;
  };
  std::vector<Group> groups;
  std::map<std::string, size_t> index;
  for (size_t e = 0; e < events.size(); ++e) {
    if (events[e]->records_size() == 0) {
      outcomes[e].Reject("the event has no mapped records (deliver raw IDocs with the webhook connector)");
      continue;
    }
    for (const ferry::v1::MappedRecord& r : events[e]->records()) {
      const bool remove = r.action() == "delete";
      const std::string key = (remove ? "D|" : "U|") + r.object() + "|" + r.key_field();
      auto [it, added] = index.emplace(key, groups.size());
      if (added) groups.push_back({remove, {}});
      groups[it->second].entries.push_back({e, &r});
    }
  }
  for (const Group& group : groups) {
    // An event that already failed sends nothing more: it is sent again whole.
    std::vector<Entry> live;
    for (const Entry& entry : group.entries) {
      if (!outcomes[entry.event].failed()) live.push_back(entry);
    }
    if (group.remove) {
      for (const Entry& entry : live) co_await Remove(entry, outcomes);
    } else if (live.empty()) {
      continue;
    } else if (live.size() == 1 || config_.batch == 1) {
      for (const Entry& entry : live) co_await Upsert(entry, outcomes);
    } else {
      const std::vector<std::vector<Entry>> chunks = Chunks(live);
      for (const std::vector<Entry>& chunk : chunks) co_await UpsertCollection(chunk, outcomes);
    }
  }
  std::vector<DeliveryResult> results;
  results.reserve(events.size());
  for (EventOutcome& o : outcomes) results.push_back(std::move(o).ToResult());
  co_return results;
}

}  // namespace ferry::controlplane
