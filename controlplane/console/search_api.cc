#include "controlplane/console/search_api.h"

#include <boost/json.hpp>

#include "common/http/json_response.h"
#include "common/http/url_encoding.h"

namespace ferry::controlplane {
namespace {

namespace bhttp = boost::beast::http;

constexpr size_t kDefaultResults = 20;

}  // namespace

boost::json::object TraceJson(const ferry::v1::EventTrace& trace) {
  boost::json::array steps;
  for (const auto& step : trace.steps()) {
    boost::json::object s{{"unix_ms", step.unix_ms()}, {"step", step.step()}, {"detail", step.detail()}};
    if (step.attempt() > 0) s["attempt"] = step.attempt();
    if (!step.connector().empty()) s["connector"] = step.connector();
    steps.push_back(std::move(s));
  }
  return {{"event_id", trace.event_id()},
          {"direction", trace.direction().empty() ? "up" : trace.direction()},
          {"agent_id", trace.agent_id()},
          {"docnum", trace.docnum()},
          {"mestyp", trace.mestyp()},
          {"idoctyp", trace.idoctyp()},
          {"business_key", trace.business_key()},
          {"connector", trace.connector()},
          {"flow_id", trace.flow_id()},
          {"bundle_version", trace.bundle_version()},
          {"raw_event_id", trace.raw_event_id()},
          {"stored_unix_ms", trace.stored_unix_ms()},
          {"outcome", trace.outcome()},
          {"record_id", trace.record_id()},
          {"steps", std::move(steps)},
          {"steps_dropped", trace.steps_dropped()}};
}

http::Response SearchEvents(const http::Request& req, std::string_view query, const EventTraceLog& traces) {
  auto params = http::ParseQuery(query);
  if (!params) return http::JsonError(req, bhttp::status::bad_request, "the query string is malformed");
  std::string text;
  size_t limit = kDefaultResults;
  for (const auto& [name, value] : *params) {
    if (name == "q") {
      text = value;
    } else if (name == "limit") {
      auto n = http::QueryNumber(value, EventTraceLog::kMaxResults);
      if (!n || *n == 0) {
        return http::JsonError(req, bhttp::status::bad_request,
                               "limit: must be from 1 to " + std::to_string(EventTraceLog::kMaxResults));
      }
      limit = *n;
    } else {
      return http::JsonError(req, bhttp::status::bad_request, "unknown parameter '" + name + "' (q, limit)");
    }
  }
  auto found = traces.Search(text, limit);
  if (!found.ok()) {
    return http::JsonError(req,
                           found.status().code() == StatusCode::kInvalidArgument ? bhttp::status::bad_request
                                                                                 : bhttp::status::internal_server_error,
                           found.status().message());
  }
  boost::json::array events, matched;
  for (const auto& trace : found->traces) events.push_back(TraceJson(trace));
  for (const auto& as : found->matched_as) matched.emplace_back(as);
  return http::JsonResponse(req, bhttp::status::ok,
                            boost::json::object{{"query", text}, {"matched_as", matched}, {"events", events}});
}

http::Response GetTrace(const http::Request& req, std::string_view event_id, const EventTraceLog& traces) {
  if (event_id.empty() || event_id.size() > 64) return http::JsonError(req, bhttp::status::not_found, "no such event");
  auto trace = traces.Get(event_id);
  if (!trace.ok()) {
    return http::JsonError(req,
                           trace.status().code() == StatusCode::kNotFound ? bhttp::status::not_found
                                                                          : bhttp::status::internal_server_error,
                           trace.status().message());
  }
  return http::JsonResponse(req, bhttp::status::ok, TraceJson(*trace));
}

}  // namespace ferry::controlplane
