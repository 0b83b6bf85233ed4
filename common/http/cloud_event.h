#pragma once
// A CloudEvent (CloudEvents 1.0, HTTP protocol binding) as SAP's event
// brokers deliver S/4HANA business events to a webhook, and SAP Sales and
// Service Cloud V2 its events, read from an HTTP request that anyone who
// reaches the listener may have sent:
//  - structured mode: Content-Type application/cloudevents+json, the event
//    as one JSON object with its attributes and "data";
//  - binary mode: the attributes in ce-* headers (ce-id, ce-source,
//    ce-specversion, ce-type, ce-time, ce-subject), the body is the data and
//    Content-Type its datacontenttype.
// Batched mode (application/cloudevents-batch+json) is refused.
//
// Required: id, source, type, and a specversion the caller takes (1.0
// unless it says otherwise); each attribute at most 1,024 characters
// without control characters. The data must be a JSON object (S/4's events
// carry the entity's key in it), at most 32 levels deep.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ferry::http {

struct CloudEvent {
  std::string id, source, type, specversion, subject, time;
  std::string data;  // the data object as compact JSON
};

// Looks up a request header by lower-case name ("" when absent).
using HeaderLookup = std::function<std::string_view(std::string_view)>;

// InvalidArgument with a one-line reason naming the attribute; also
// "batched CloudEvents are not accepted" and an unknown Content-Type.
// `specversions`: those the sender may use.
Result<CloudEvent> ReadCloudEvent(std::string_view content_type, const HeaderLookup& header, std::string_view body,
                                  const std::vector<std::string>& specversions = {"1.0"});

// The values of `fields` in the data object, as text, in the same order
// ("" for one that is absent or not a string or whole number).
std::vector<std::string> DataFields(const CloudEvent& event, const std::vector<std::string>& fields);

}  // namespace ferry::http
