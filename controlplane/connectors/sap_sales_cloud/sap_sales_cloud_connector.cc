#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_connector.h"

// g++ 12 warns (-Wmismatched-new-delete) about Boost.Asio's own coroutine
// frame allocator in long coroutines like Upsert; the frame is allocated and
// freed by the same awaitable_frame_base, so the warning is spurious.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <vector>

#include "common/config/secret_file.h"
#include "common/http/url_encoding.h"
#include "controlplane/connectors/http_outcome.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_wire.h"

namespace ferry::controlplane {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace sap_sales_cloud;

struct SapSalesCloudConnector::Answer {
  std::optional<std::string> failure;  // no answer: password file or transport (retryable)
  http::ClientResponse response;
};

struct SapSalesCloudConnector::Lookup {
  std::optional<DeliveryResult> failed;  // the read did not tell
  std::string id;                        // empty: no such entity
};

struct SapSalesCloudConnector::Version {
  std::optional<DeliveryResult> failed;
  bool gone = false;  // 404: deleted since it was found
  std::string etag;
  std::string answer;  // the entity as read: {"value":{…}}
};

SapSalesCloudConnector::SapSalesCloudConnector(asio::any_io_executor executor, SapSalesCloudConfig config)
    : config_(std::move(config)), client_(executor, config_.client) {
  if (config_.auth != SapSalesCloudConfig::Auth::kOAuth) return;
  tokens_.emplace(executor, client_, "sap_sales_cloud",
                  ClientCredentialsRequest(config_.token_url, config_.client_id, config_.client_secret_file),
                  std::chrono::minutes(2));
}

asio::awaitable<SapSalesCloudConnector::Answer> SapSalesCloudConnector::Send(bhttp::verb verb,
                                                                             const std::string& target,
                                                                             std::string body,
                                                                             const std::string& if_match,
                                                                             const std::string& content_type) {
  http::Url url = config_.base;
  url.target = target;
  http::HttpClient::OutRequest req{verb, url.target, 11};
  req.set(bhttp::field::accept, "application/json");
  if (!if_match.empty()) req.set(bhttp::field::if_match, if_match);
  if (!body.empty()) {
    req.set(bhttp::field::content_type, content_type);
    req.body() = std::move(body);
  }
  Result<http::ClientResponse> res = Status::Unavailable("not sent");
  if (tokens_) {
    const TokenCache::RequestFor request_for = [&](const AccessToken&) -> Result<AuthorizedRequest> {
      return AuthorizedRequest{url, req};  // a copy: after a 401 it is sent again
    };
    res = co_await tokens_->Send(request_for);
  } else {
    auto password = config::ReadSecretFile(config_.password_file);
    if (!password.ok()) co_return Answer{"password_file: " + std::string(password.status().message()), {}};
    req.set(bhttp::field::authorization, BasicAuthorization(config_.user, *password));
    res = co_await client_.Send(url, std::move(req));
  }
  if (!res.ok()) co_return Answer{std::string(res.status().message()), {}};
  co_return Answer{std::nullopt, std::move(res).value()};
}

DeliveryResult SapSalesCloudConnector::Classify(const http::ClientResponse& res, const std::string& what) const {
  const std::string reason = what + ": HTTP " + std::to_string(res.status) + " " + ErrorText(res.body);
  if (res.status == 401) {
    const std::string who = tokens_ ? "the IAS client '" + config_.client_id + "': check its authorizations"
                                    : "user '" + config_.user + "': check user and password_file";
    return DeliveryResult::Retry(reason + " (the tenant refused " + who + ")");
  }
  if (res.status == 428) return DeliveryResult::Rejected(reason + " (the tenant wants If-Match: a Ferry bug)");
  if (res.status == 412) return DeliveryResult::Retry(reason + " (the entity kept changing while it was updated)");
  if (IsTransientStatus(res.status)) return DeliveryResult::Retry(reason, RetryAfterOf(res));
  return DeliveryResult::Rejected(reason);
}

asio::awaitable<SapSalesCloudConnector::Lookup> SapSalesCloudConnector::Find(const std::string& service,
                                                                             const std::string& key_field,
                                                                             const std::string& value,
                                                                             const std::string& what) {
  const std::string target = FilterTarget(config_.base.target, service, key_field, value);
  std::string no_body, no_if_match, no_type;
  Answer a = co_await Send(bhttp::verb::get, target, std::move(no_body), no_if_match, no_type);
  if (a.failure) co_return Lookup{DeliveryResult::Retry(what + ": " + *a.failure), {}};
  if (a.response.status != 200) co_return Lookup{Classify(a.response, what), {}};
  const auto ids = CollectionIds(a.response.body);
  if (!ids || (ids->size() == 1 && ids->front().empty())) {
    co_return Lookup{DeliveryResult::Retry(what + ": unexpected answer to a read: " + Excerpt(a.response.body)), {}};
  }
  if (ids->size() > 1) {
    co_return Lookup{
        DeliveryResult::Rejected(what + ": " + std::to_string(ids->size()) + " entities have this " + key_field), {}};
  }
  co_return Lookup{std::nullopt, ids->empty() ? std::string() : ids->front()};
}

asio::awaitable<SapSalesCloudConnector::Version> SapSalesCloudConnector::ReadVersion(const std::string& target,
                                                                                     const std::string& what) {
  std::string no_body, no_if_match, no_type;
  Answer a = co_await Send(bhttp::verb::get, target, std::move(no_body), no_if_match, no_type);
  if (a.failure) co_return Version{DeliveryResult::Retry(what + ": " + *a.failure), false, {}, {}};
  if (a.response.status == 404) co_return Version{std::nullopt, true, {}, {}};
  if (a.response.status != 200) co_return Version{Classify(a.response, what), false, {}, {}};
  auto etag = a.response.headers.find("etag");
  // Without an ETag the tenant does not check versions: any will do.
  co_return Version{std::nullopt, false, etag == a.response.headers.end() ? "*" : etag->second,
                    std::move(a.response.body)};
}

asio::awaitable<std::optional<DeliveryResult>> SapSalesCloudConnector::Upsert(const ferry::v1::MappedRecord& r,
                                                                              std::string& record_id) {
  const std::string what = DescribeRecord(r);
  const auto service = ServicePath(r.object());
  if (!service) co_return DeliveryResult::Rejected(what + ": sap_sales_cloud has no object '" + r.object() + "'");
  std::vector<LinkId> links;
  for (const ferry::v1::RecordLink& l : r.links()) {
    const std::string link_what =
        what + " link " + l.field() + " → " + l.object() + " " + l.key_field() + "=" + l.external_id();
    const auto link_service = ServicePath(l.object());
    if (!link_service)
      co_return DeliveryResult::Rejected(link_what + ": sap_sales_cloud has no object '" + l.object() + "'");
    const std::string link_key = l.key_field().empty() ? std::string("externalId") : l.key_field();
    Lookup linked = co_await Find(*link_service, link_key, l.external_id(), link_what);
    if (linked.failed) co_return std::move(linked.failed);
    if (linked.id.empty()) {
      co_return DeliveryResult::Retry(link_what + ": the linked entity is not there yet (it may still be on its way)");
    }
    links.push_back({l.field(), std::move(linked.id)});
  }
  // Keyed by the entity's own id: it is there to be updated, never made.
  const bool by_id = r.key_field() == "id";
  Lookup self{std::nullopt, r.external_id()};
  if (!by_id) self = co_await Find(*service, r.key_field(), r.external_id(), what);
  if (self.failed) co_return std::move(self.failed);
  if (by_id && !IsEntityId(self.id))
    co_return DeliveryResult::Rejected(what + ": '" + self.id + "' is not an entity id");
  const std::string collection = config_.base.target + "/" + *service;
  if (self.id.empty()) {
    std::string body = CreateBody(r, links);
    const std::string no_if_match, type = "application/json";
    Answer a = co_await Send(bhttp::verb::post, collection, std::move(body), no_if_match, type);
    if (a.failure) co_return DeliveryResult::Retry(what + ": " + *a.failure);
    if (a.response.status < 200 || a.response.status >= 300) co_return Classify(a.response, what);
    record_id = EntityId(a.response.body);
    co_return std::nullopt;
  }
  const std::string entity = collection + "/" + http::PercentEncode(self.id);
  for (int attempt = 0; attempt < 2; ++attempt) {
    Version version = co_await ReadVersion(entity, what);
    if (version.failed) co_return std::move(version.failed);
    if (version.gone && by_id)
      co_return DeliveryResult::Rejected(what + ": not there (deleted?): it is not made again");
    if (version.gone) co_return DeliveryResult::Retry(what + ": the entity was deleted while it was being updated");
    std::string body = PatchBody(r, links);
    if (PatchChangesNothing(version.answer, body)) {
      record_id = self.id;
      co_return std::nullopt;
    }
    const std::string type = "application/merge-patch+json";
    Answer a = co_await Send(bhttp::verb::patch, entity, std::move(body), version.etag, type);
    if (a.failure) co_return DeliveryResult::Retry(what + ": " + *a.failure);
    if (a.response.status == 412 && attempt == 0) continue;  // changed meanwhile: read the ETag again
    if (a.response.status < 200 || a.response.status >= 300) co_return Classify(a.response, what);
    record_id = self.id;
    co_return std::nullopt;
  }
  co_return DeliveryResult::Retry(what + ": not reached: the second attempt always returns");
}

asio::awaitable<std::optional<DeliveryResult>> SapSalesCloudConnector::Remove(const ferry::v1::MappedRecord& r) {
  const std::string what = DescribeRecord(r) + " (delete)";
  const auto service = ServicePath(r.object());
  if (!service) co_return DeliveryResult::Rejected(what + ": sap_sales_cloud has no object '" + r.object() + "'");
  Lookup self = co_await Find(*service, r.key_field(), r.external_id(), what);
  if (self.failed) co_return std::move(self.failed);
  if (self.id.empty()) co_return std::nullopt;  // already gone: what a delete wants
  const std::string entity = config_.base.target + "/" + *service + "/" + self.id;
  for (int attempt = 0; attempt < 2; ++attempt) {
    Version version = co_await ReadVersion(entity, what);
    if (version.failed) co_return std::move(version.failed);
    if (version.gone) co_return std::nullopt;
    std::string no_body, no_type;
    Answer a = co_await Send(bhttp::verb::delete_, entity, std::move(no_body), version.etag, no_type);
    if (a.failure) co_return DeliveryResult::Retry(what + ": " + *a.failure);
    if (a.response.status == 404) co_return std::nullopt;
    if (a.response.status == 412 && attempt == 0) continue;
    if (a.response.status < 200 || a.response.status >= 300) co_return Classify(a.response, what);
    co_return std::nullopt;
  }
  co_return DeliveryResult::Retry(what + ": not reached: the second attempt always returns");
}

asio::awaitable<DeliveryResult> SapSalesCloudConnector::Deliver(const ferry::v1::Event& event) {
  if (event.records_size() == 0) {
    co_return DeliveryResult::Rejected(
        "the event has no mapped records (deliver raw IDocs with the webhook connector)");
  }
  // In the flow's order: an account before the contact persons linking to it.
  std::string first_id;
  for (const ferry::v1::MappedRecord& r : event.records()) {
    std::string record_id;
    std::optional<DeliveryResult> failed;
    if (r.action() == "delete") {
      failed = co_await Remove(r);
    } else {
      failed = co_await Upsert(r, record_id);
    }
    if (failed) co_return std::move(*failed);
    if (first_id.empty()) first_id = std::move(record_id);
  }
  co_return DeliveryResult::Delivered(std::move(first_id));
}

}  // namespace ferry::controlplane
