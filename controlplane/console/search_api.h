#pragma once
// Search and trace in the console's API (docs/api.md, "Search and trace"):
//
//   GET /api/v1/search?q=TEXT&limit=20   events whose IDoc number, business
//                                        key, key value or event id is TEXT,
//                                        newest first, each with its trace
//   GET /api/v1/trace/{event id}         one event's trace
//
// From the control plane's trace log (controlplane/delivery/event_trace.h).

#include <string_view>

#include <boost/json/object.hpp>

#include "common/http/http_server.h"
#include "controlplane/delivery/event_trace.h"

namespace ferry::controlplane {

boost::json::object TraceJson(const ferry::v1::EventTrace& trace);

http::Response SearchEvents(const http::Request& req, std::string_view query, const EventTraceLog& traces);
http::Response GetTrace(const http::Request& req, std::string_view event_id, const EventTraceLog& traces);

}  // namespace ferry::controlplane
