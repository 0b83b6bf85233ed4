#pragma once
// What every HTTP connector needs to classify an answer: the record and the
// start of a response body for a reason, Retry-After, and which statuses are
// worth a retry (408, 425, 429, 5xx; transport failures are retried by the
// caller).

#include <chrono>
#include <optional>
#include <string>

#include "common/http/http_client.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

// The record as a reason names it: "accounts accountnumber=100001".
std::string DescribeRecord(const ferry::v1::MappedRecord& record);

// The body's first 512 bytes on one line, for a dead-letter reason.
std::string Excerpt(const std::string& body);

// Parses a Retry-After value: delta-seconds or an HTTP-date.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value);

// The response's Retry-After, if any.
std::optional<std::chrono::milliseconds> RetryAfterOf(const http::ClientResponse& response);

bool IsTransientStatus(int status);

}  // namespace ferry::controlplane
