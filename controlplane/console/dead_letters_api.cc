#include "controlplane/console/dead_letters_api.h"

#include <boost/json.hpp>

#include "common/http/json_response.h"
#include "common/http/url_encoding.h"
#include "common/util/utf8.h"

namespace ferry::controlplane {
namespace {

namespace bhttp = boost::beast::http;

// Sets one filter field from a name and a text value; false: not a filter
// field. A malformed value is an error naming the field.
Result<bool> SetFilterField(DeadLetterFilter& f, std::string_view name, const std::string& value) {
  if (name == "connector") {
    f.connector = value;
  } else if (name == "agent") {
    f.agent_id = value;
  } else if (name == "mestyp") {
    f.mestyp = value;
  } else if (name == "docnum") {
    f.docnum = value;
  } else if (name == "reason") {
    f.reason = value;
  } else if (name == "since" || name == "until") {
    auto n = http::QueryNumber(value, INT64_MAX);
    if (!n) {
      return Status::InvalidArgument(std::string(name) + ": must be a time in unix milliseconds");
    }
    (name == "since" ? f.since_unix_ms : f.until_unix_ms) = static_cast<int64_t>(*n);
  } else {
    return false;
  }
  return true;
}

boost::json::object Detail(const FoundDeadLetter& found) {
  boost::json::object out = DeadLetterSummaryJson(found);
  if (!found.corrupt.empty()) return out;
  const auto& e = found.dead.event();
  boost::json::array records;
  for (const auto& r : e.records()) {
    boost::system::error_code ec;
    boost::json::value fields = boost::json::parse(r.fields_json(), ec);
    records.push_back(boost::json::object{{"record", r.record()},
                                          {"object", r.object()},
                                          {"action", r.action()},
                                          {"external_id", r.external_id()},
                                          {"fields", ec ? boost::json::value(r.fields_json()) : std::move(fields)}});
  }
  out["records"] = std::move(records);
  out["flow_id"] = e.flow_id();
  out["bundle_version"] = e.bundle_version();
  out["received_unix_ms"] = e.received_unix_ms();
  out["idoctyp"] = e.idoc().idoctyp();
  out["sender"] = e.idoc().sndprn();
  // The raw document when the event carried it (unmapped events, and those
  // the agent could not map), as text when it is UTF-8.
  const std::string& payload = e.payload();
  if (!payload.empty() && IsValidUtf8(payload)) {
    out["raw"] = payload;
    out["raw_content_type"] = e.content_type();
  }
  return out;
}

}  // namespace

Result<DeadLetterListQuery> ParseDeadLetterQuery(std::string_view query) {
  auto params = http::ParseQuery(query);
  if (!params) return Status::InvalidArgument("the query string is malformed");
  DeadLetterListQuery q;
  for (const auto& [name, value] : *params) {
    auto set = SetFilterField(q.filter, name, value);
    if (!set.ok()) return set.status();
    if (*set) continue;
    if (name == "before") {
      auto n = http::QueryNumber(value);
      if (!n || *n == 0) return Status::InvalidArgument("before: must be a dead letter's sequence");
      q.before = *n;
    } else if (name == "limit") {
      auto n = http::QueryNumber(value, kMaxDeadLetterPage);
      if (!n || *n == 0) {
        return Status::InvalidArgument("limit: must be from 1 to " + std::to_string(kMaxDeadLetterPage));
      }
      q.limit = *n;
    } else {
      return Status::InvalidArgument("unknown parameter '" + name +
                                     "' (connector, agent, mestyp, docnum, reason, since, until, before, limit)");
    }
  }
  return q;
}

Result<DeadLetterFilter> ParseDeadLetterFilter(const boost::json::value& filter) {
  if (!filter.is_object()) return Status::InvalidArgument("filter: must be an object");
  DeadLetterFilter f;
  for (const auto& [name, value] : filter.as_object()) {
    std::string text;
    if (value.is_string()) {
      text = value.as_string();
    } else if (value.is_int64() && value.as_int64() >= 0) {
      text = std::to_string(value.as_int64());
    } else {
      return Status::InvalidArgument("filter." + std::string(name) + ": must be a string or a number");
    }
    auto set = SetFilterField(f, name, text);
    if (!set.ok()) return Status::InvalidArgument("filter." + set.status().message());
    if (!*set) {
      return Status::InvalidArgument("filter: unknown field '" + std::string(name) +
                                     "' (connector, agent, mestyp, docnum, reason, since, until)");
    }
  }
  return f;
}

http::Response ListDeadLetters(const http::Request& req, std::string_view query, const store::DurableQueue& dlq) {
  auto q = ParseDeadLetterQuery(query);
  if (!q.ok()) return http::JsonError(req, bhttp::status::bad_request, q.status().message());
  auto page = FindDeadLetters(dlq, q->filter, q->before, q->limit);
  if (!page.ok()) return http::JsonError(req, bhttp::status::internal_server_error, page.status().message());
  boost::json::array rows;
  for (const auto& found : page->dead_letters) rows.push_back(DeadLetterSummaryJson(found));
  return http::JsonResponse(
      req, bhttp::status::ok,
      boost::json::object{
          {"dead_letters", std::move(rows)},
          {"next_before", page->next_before ? boost::json::value(page->next_before) : boost::json::value(nullptr)},
          {"total_stored", dlq.Stats().depth}});
}

http::Response GetDeadLetterAnswer(const http::Request& req, std::string_view seq_text,
                                   const store::DurableQueue& dlq) {
  auto seq = http::QueryNumber(seq_text);
  if (!seq) return http::JsonError(req, bhttp::status::not_found, "no such dead letter");
  auto found = GetDeadLetter(dlq, *seq);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) {
      return http::JsonError(req, bhttp::status::not_found, "no dead letter " + std::to_string(*seq));
    }
    if (found.status().code() == StatusCode::kDataLoss) {
      return http::JsonResponse(req, bhttp::status::ok,
                                boost::json::object{{"seq", *seq}, {"corrupt", found.status().message()}});
    }
    return http::JsonError(req, bhttp::status::internal_server_error, found.status().message());
  }
  return http::JsonResponse(req, bhttp::status::ok, Detail(*found));
}

Result<DeadLetterAction> ParseDeadLetterAction(std::string_view body, bool needs_reason,
                                               const store::DurableQueue& dlq) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(body, ec);
  if (ec || !parsed.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  const auto& o = parsed.as_object();
  DeadLetterAction action;
  for (const auto& [name, value] : o) {
    if (name != "seqs" && name != "filter" && name != "reason") {
      return Status::InvalidArgument("unknown field '" + std::string(name) + "' (seqs, filter, reason)");
    }
  }
  if (const auto* reason = o.if_contains("reason")) {
    if (!reason->is_string()) return Status::InvalidArgument("reason: must be a string");
    action.reason = reason->as_string();
  }
  if (needs_reason && action.reason.empty()) return Status::InvalidArgument("reason: say why they are discarded");
  if (action.reason.size() > 1000) return Status::InvalidArgument("reason: at most 1000 characters");
  const auto* seqs = o.if_contains("seqs");
  const auto* filter = o.if_contains("filter");
  if ((seqs != nullptr) == (filter != nullptr)) return Status::InvalidArgument("give either seqs or filter");
  if (seqs) {
    if (!seqs->is_array() || seqs->as_array().empty() || seqs->as_array().size() > kMaxDeadLetterAction) {
      return Status::InvalidArgument("seqs: must be a list of 1 to " + std::to_string(kMaxDeadLetterAction) +
                                     " sequences");
    }
    for (const auto& s : seqs->as_array()) {
      if (!s.is_int64() || s.as_int64() <= 0) return Status::InvalidArgument("seqs: each must be a positive number");
      action.seqs.push_back(static_cast<uint64_t>(s.as_int64()));
    }
    action.described = "seqs " + boost::json::serialize(*seqs);
    return action;
  }
  auto f = ParseDeadLetterFilter(*filter);
  if (!f.ok()) return f.status();
  auto page = FindDeadLetters(dlq, *f, UINT64_MAX, kMaxDeadLetterAction, /*scan_budget=*/SIZE_MAX);
  if (!page.ok()) return page.status();
  // Oldest first, so that replays of one key go back in their order.
  for (auto it = page->dead_letters.rbegin(); it != page->dead_letters.rend(); ++it) action.seqs.push_back(it->seq);
  action.described = "filter " + boost::json::serialize(*filter);
  return action;
}

boost::json::object OutcomeJson(const DeadLetterOutcome& outcome, std::string_view done_name) {
  boost::json::array done(outcome.done.begin(), outcome.done.end());
  boost::json::array skipped;
  for (const auto& [seq, why] : outcome.skipped) skipped.push_back(boost::json::object{{"seq", seq}, {"reason", why}});
  boost::json::array to_agents;
  for (const auto& remap : outcome.to_agents)
    to_agents.push_back(boost::json::object{{"seq", remap.seq}, {"agent", remap.agent_id}});
  return {{done_name, std::move(done)}, {"skipped", std::move(skipped)}, {"sent_to_agents", std::move(to_agents)}};
}

}  // namespace ferry::controlplane
