// How mapped records become Dataverse Web API requests, and what the answers
// mean (docs/protocols.md §B.3). No I/O here: dataverse_connector.cc sends.

#include <boost/json.hpp>

#include <cctype>
#include <charconv>

#include "common/flows/json_text.h"
#include "common/http/multipart.h"
#include "common/http/url_encoding.h"
#include "common/util/ids.h"
#include "controlplane/connectors/dataverse/dataverse_connector.h"
#include "controlplane/connectors/dataverse/dataverse_names.h"
#include "controlplane/connectors/http_outcome.h"

namespace ferry::controlplane {

namespace {

// The code of a 404 for an entity set the environment does not have, as
// opposed to 0x80040217, a row that does not exist.
constexpr std::string_view kUnknownSegment = "0x8006088a";

// set(key='value'): an OData string literal doubles its quotes, and the
// whole is part of a URL, so the value is then percent-encoded.
std::string KeySegment(std::string_view set, std::string_view key, std::string_view value) {
  std::string literal;
  for (const char ch : value) {
    literal += ch;
    if (ch == '\'') literal += '\'';
  }
  return http::PercentEncode(set) + "(" + http::PercentEncode(key) + "='" + http::PercentEncode(literal) + "')";
}

struct ODataError {
  std::string code;
  std::string message;
};

// {"error":{"code":"0x80040203","message":"…"}}, or nothing.
std::optional<ODataError> ErrorOf(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const auto it = parsed.as_object().find("error");
  if (it == parsed.as_object().end() || !it->value().is_object()) return std::nullopt;
  const auto& error = it->value().as_object();
  auto text = [&error](const char* key) -> std::string {
    auto f = error.find(key);
    return f != error.end() && f->value().is_string() ? std::string(f->value().as_string()) : std::string();
  };
  return ODataError{text("code"), text("message")};
}

// ".../accounts(00000000-0000-0000-0000-000000000001)" → the GUID.
std::string GuidOf(std::string_view entity_id) {
  const size_t open = entity_id.rfind('(');
  const size_t close = entity_id.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return {};
  return std::string(entity_id.substr(open + 1, close - open - 1));
}

bool IsUpdateOnly(const ferry::v1::MappedRecord& r, const std::set<std::string>& update_only) {
  return DataverseConnector::UpdateOnly(r, update_only);
}

bool AlreadyGone(const ferry::v1::MappedRecord& r, int status, const std::optional<ODataError>& error) {
  return r.action() == "delete" && status == 404 && !(error && error->code == kUnknownSegment);
}

std::optional<std::chrono::milliseconds> RetryAfterIn(const http::MimeHeaders& headers) {
  return ParseRetryAfter(std::string(headers.Get("Retry-After")));
}

using ChangeSet = DataverseConnector::ChangeSet;
using ChangeSetResult = DataverseConnector::ChangeSetResult;

// One change set's result from its part of the answer: a nested multipart
// with one answer per operation when it committed, or the single answer of
// the operation that failed when it rolled back.
ChangeSetResult SetResult(const http::MimePart& part, const ChangeSet& set, size_t first_content_id,
                          const std::set<std::string>& update_only) {
  const ferry::v1::MappedRecord& head = *set.records.front();
  auto retry = [&head](const std::string& why) {
    return ChangeSetResult{DeliveryResult::Retry(DescribeRecord(head) + ": " + why), std::nullopt};
  };
  const std::string_view type = part.headers.Get("Content-Type");
  if (http::MediaType(type) == "multipart/mixed") {
    const auto boundary = http::HeaderParam(type, "boundary");
    if (!boundary) return retry("$batch answer: a change set without a boundary");
    auto inner = http::ParseMultipart(part.body, *boundary);
    if (!inner.ok()) return retry("$batch answer: " + inner.status().message());
    if (inner->size() != set.records.size()) {
      return retry("$batch answer: " + std::to_string(inner->size()) + " answers for a change set of " +
                   std::to_string(set.records.size()));
    }
    std::string record_id;
    for (size_t i = 0; i < inner->size(); ++i) {
      auto res = http::ParseEmbeddedResponse((*inner)[i].body);
      if (!res.ok()) return retry("$batch answer: " + res.status().message());
      const ferry::v1::MappedRecord& r = *set.records[i];
      DeliveryResult one = DataverseConnector::Classify(r, IsUpdateOnly(r, update_only), res->status, res->body,
                                                        res->headers.Get("OData-EntityId"), RetryAfterIn(res->headers));
      if (one.kind != DeliveryResult::Kind::kDelivered) return {std::move(one), std::nullopt};
      if (i == 0) record_id = std::move(one.record_id);
    }
    return {DeliveryResult::Delivered(std::move(record_id)), std::nullopt};
  }
  if (http::MediaType(type) != "application/http")
    return retry("$batch answer: a part of type '" + std::string(type) + "'");
  auto res = http::ParseEmbeddedResponse(part.body);
  if (!res.ok()) return retry("$batch answer: " + res.status().message());
  // The failed operation is named by the Content-ID it was sent with.
  std::optional<size_t> op;
  std::string_view content_id = part.headers.Get("Content-ID");
  if (content_id.empty()) content_id = res->headers.Get("Content-ID");
  size_t id = 0;
  const auto [end, ec] = std::from_chars(content_id.data(), content_id.data() + content_id.size(), id);
  if (ec == std::errc() && end == content_id.data() + content_id.size() && id >= first_content_id &&
      id < first_content_id + set.records.size()) {
    op = id - first_content_id;
  } else if (set.records.size() == 1) {
    op = 0;
  }
  if (res->status >= 200 && res->status < 300 && set.records.size() > 1) {
    return retry("$batch answer: one answer for a change set of " + std::to_string(set.records.size()));
  }
  const ferry::v1::MappedRecord& r = *set.records[op.value_or(0)];
  if (op && set.records.size() > 1 && AlreadyGone(r, res->status, ErrorOf(res->body))) {
    return {DeliveryResult::Retry(DescribeRecord(r) + ": already gone; the rest is sent again"), op};
  }
  DeliveryResult result = DataverseConnector::Classify(r, IsUpdateOnly(r, update_only), res->status, res->body,
                                                       res->headers.Get("OData-EntityId"), RetryAfterIn(res->headers));
  if (result.kind == DeliveryResult::Kind::kDelivered && set.records.size() > 1) {
    // A delete's 404 that does not say which operation it was: the set
    // rolled back all the same, so nothing of it is delivered.
    return retry("$batch answer: the change set rolled back at an operation it does not name");
  }
  return {std::move(result), std::nullopt};
}

// The answers of a multipart $batch answer, one per change set in order.
Result<std::vector<ChangeSetResult>> PerChangeSet(std::string_view content_type, std::string_view body,
                                                  const std::vector<ChangeSet>& sets,
                                                  const std::set<std::string>& update_only) {
  const auto boundary = http::HeaderParam(content_type, "boundary");
  if (!boundary) return Status::InvalidArgument("multipart/mixed without a boundary");
  auto parts = http::ParseMultipart(body, *boundary);
  if (!parts.ok()) return parts.status();
  if (parts->size() > sets.size()) {
    return Status::InvalidArgument(std::to_string(parts->size()) + " answers for " + std::to_string(sets.size()) +
                                   " change sets");
  }
  std::vector<ChangeSetResult> results;
  size_t first_content_id = 1;
  for (size_t s = 0; s < sets.size(); ++s) {
    if (s < parts->size()) {
      results.push_back(SetResult((*parts)[s], sets[s], first_content_id, update_only));
    } else {
      // Processing stopped before this set: nothing of it was written.
      results.push_back({DeliveryResult::Retry(DescribeRecord(*sets[s].records.front()) +
                                               ": not processed: the $batch answer ends before its change set"),
                         std::nullopt});
    }
    first_content_id += sets[s].records.size();
  }
  return results;
}

}  // namespace

bool DataverseConnector::ByPrimaryKey(const ferry::v1::MappedRecord& record) {
  const std::string_view key = record.key_field(), set = record.object();
  if (!IsUuidText(record.external_id()) || key.size() < 3 || !key.ends_with("id")) return false;
  // salesorderid names the primary key of salesorders, opportunityid that
  // of opportunities: the entity set is the table's plural. A lookup in an
  // alternate key (parentcustomerid on contacts), or another table's key
  // (salesorderid on salesorderdetails), is not.
  const std::string table(key.substr(0, key.size() - 2));
  if (set == table + "s" || set == table + "es") return true;
  return table.ends_with('y') && set == table.substr(0, table.size() - 1) + "ies";
}

bool DataverseConnector::UpdateOnly(const ferry::v1::MappedRecord& record, const std::set<std::string>& update_only) {
  return record.action() != "delete" && (update_only.count(record.object()) > 0 || ByPrimaryKey(record));
}

std::string DataverseConnector::RecordPath(const ferry::v1::MappedRecord& record) {
  if (ByPrimaryKey(record)) return http::PercentEncode(record.object()) + "(" + record.external_id() + ")";
  return KeySegment(record.object(), record.key_field(), record.external_id());
}

std::string DataverseConnector::RecordBody(const ferry::v1::MappedRecord& record) {
  std::string body = "{";
  bool first = true;
  auto add = [&](std::string_view key_json, std::string_view value) {
    if (!first) body += ',';
    first = false;
    body.append(key_json).append(":").append(value);
  };
  for (const flows::JsonMember& m : flows::TopLevelMembers(record.fields_json())) {
    if (m.key == record.key_field()) continue;  // the key is in the URL
    add("\"" + std::string(m.key) + "\"", m.value);
  }
  for (const ferry::v1::RecordLink& l : record.links()) {
    add(flows::JsonQuoted(l.field() + "@odata.bind"),
        flows::JsonQuoted("/" + KeySegment(l.object(), l.key_field(), l.external_id())));
  }
  return body + "}";
}

std::string DataverseConnector::BatchBody(std::string_view service_root, const std::vector<ChangeSet>& sets,
                                          const std::set<std::string>& update_only, std::string_view batch_id) {
  std::vector<http::MimePart> change_sets;
  size_t content_id = 0;
  for (size_t s = 0; s < sets.size(); ++s) {
    std::vector<http::MimePart> operations;
    for (const ferry::v1::MappedRecord* r : sets[s].records) {
      http::EmbeddedRequest request;
      request.target = std::string(service_root) + "/" + RecordPath(*r);
      if (r->action() == "delete") {
        request.method = "DELETE";
      } else {
        request.method = "PATCH";
        request.headers.Add("Content-Type", std::string(kJsonType));
        if (IsUpdateOnly(*r, update_only)) request.headers.Add("If-Match", "*");
        request.body = RecordBody(*r);
      }
      http::MimePart operation;
      operation.headers.Add("Content-Type", "application/http");
      operation.headers.Add("Content-Transfer-Encoding", "binary");
      operation.headers.Add("Content-ID", std::to_string(++content_id));
      operation.body = http::WriteEmbeddedRequest(request);
      operations.push_back(std::move(operation));
    }
    const std::string boundary = "changeset_" + std::string(batch_id) + "_" + std::to_string(s + 1);
    http::MimePart change_set;
    change_set.headers.Add("Content-Type", "multipart/mixed; boundary=" + boundary);
    change_set.body = http::WriteMultipart(operations, boundary);
    change_sets.push_back(std::move(change_set));
  }
  return http::WriteMultipart(change_sets, "batch_" + std::string(batch_id));
}

std::vector<DataverseConnector::ChangeSetResult> DataverseConnector::BatchResults(
    const http::ClientResponse& answer, const std::vector<ChangeSet>& sets, const std::set<std::string>& update_only) {
  const auto type = answer.headers.find("content-type");
  const std::string content_type = type == answer.headers.end() ? std::string() : type->second;
  const bool success = answer.status >= 200 && answer.status < 300;
  std::string why;  // what every set is told when there is no answer per set
  if (http::MediaType(content_type) == "multipart/mixed") {
    auto parsed = PerChangeSet(content_type, answer.body, sets, update_only);
    if (parsed.ok()) return std::move(parsed).value();
    why = "unreadable answer: " + parsed.status().message();
  } else if (success) {
    why = "unexpected answer (Content-Type '" + content_type + "'): " + Excerpt(answer.body);
  }
  const std::optional<ODataError> error = ErrorOf(answer.body);
  const std::string said = error ? error->code + ": " + error->message : Excerpt(answer.body);
  const bool retry = success || IsTransientStatus(answer.status) || answer.status == 401;
  if (!success) why = "HTTP " + std::to_string(answer.status) + " " + said;
  std::vector<ChangeSetResult> results;
  for (const ChangeSet& set : sets) {
    std::string reason = DescribeRecord(*set.records.front()) + ": $batch: " + why;
    results.push_back({retry ? DeliveryResult::Retry(std::move(reason), RetryAfterOf(answer))
                             : DeliveryResult::Rejected(std::move(reason)),
                       std::nullopt});
  }
  return results;
}

std::string DataverseConnector::ReadPath(std::string_view query, std::string_view guid) {
  const size_t question = query.find('?');
  const std::string_view set = query.substr(0, question);
  if (!IsDataverseEntitySetName(set) || !IsUuidText(guid)) return {};
  std::string path = std::string(set) + "(" + std::string(guid) + ")";
  if (question != std::string_view::npos) path += query.substr(question);
  return path;
}

RecordRead DataverseConnector::ReadAnswer(const std::string& what, int status, const std::string& body,
                                          std::optional<std::chrono::milliseconds> retry_after) {
  if (status != 200) {
    const std::optional<ODataError> error = ErrorOf(body);
    const std::string reason =
        what + ": HTTP " + std::to_string(status) + " " + (error ? error->code + ": " + error->message : Excerpt(body));
    if (IsTransientStatus(status) || status == 401) return RecordRead::Retry(reason, retry_after);
    // 404 0x80040217: the row is gone; 400 0x80060888: a column the query
    // names is not the table's. Neither passes by waiting.
    return RecordRead::Rejected(reason);
  }
  boost::system::error_code ec;
  const boost::json::value row = boost::json::parse(body, ec);
  if (ec || !row.is_object()) return RecordRead::Retry(what + ": the answer is not a row: " + Excerpt(body));
  // An expanded collection with more rows than one answer holds ends with
  // <nav>@odata.nextLink: an order read so would miss lines. Expanded rows
  // nest, so every level is looked at (bounded by the parser's depth).
  std::vector<const boost::json::object*> pending{&row.as_object()};
  while (!pending.empty()) {
    const boost::json::object* o = pending.back();
    pending.pop_back();
    for (const auto& member : *o) {
      if (member.key().ends_with("@odata.nextLink")) {
        const std::string_view key = member.key();
        return RecordRead::Rejected(what + ": " + std::string(key.substr(0, key.size() - 15)) +
                                    " has more rows than one answer holds; Ferry does not read further pages of an "
                                    "expanded collection");
      }
      if (member.value().is_object()) pending.push_back(&member.value().as_object());
      if (const boost::json::array* rows = member.value().if_array()) {
        for (const boost::json::value& r : *rows) {
          if (r.is_object()) pending.push_back(&r.as_object());
        }
      }
    }
  }
  return RecordRead::Found(body);  // as written: decimals keep their digits
}

DeliveryResult DataverseConnector::Classify(const ferry::v1::MappedRecord& record, bool update_only, int status,
                                            std::string_view body, std::string_view entity_id,
                                            std::optional<std::chrono::milliseconds> retry_after) {
  if (status >= 200 && status < 300) return DeliveryResult::Delivered(GuidOf(entity_id));
  const std::optional<ODataError> error = ErrorOf(body);
  if (AlreadyGone(record, status, error)) return DeliveryResult::Delivered("");
  const std::string said = error ? error->code + ": " + error->message : Excerpt(std::string(body));
  if (IsTransientStatus(status) || status == 401) {
    return DeliveryResult::Retry(DescribeRecord(record) + ": HTTP " + std::to_string(status) + " " + said, retry_after);
  }
  std::string reason = DescribeRecord(record) + ": " + (error ? said : "HTTP " + std::to_string(status) + " " + said);
  if (update_only && status == 404) reason += " (update only: the row does not exist and is not created)";
  return DeliveryResult::Rejected(std::move(reason));
}

}  // namespace ferry::controlplane
