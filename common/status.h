#pragma once
// Errors as values. Every fallible operation on the data path returns a Status
// or a Result<T>; exceptions thrown by third-party libraries are caught at the
// adapter boundary and turned into one of these codes.
//
// The retryable flag is what the buffer and the connectors act on: a retryable
// failure (back-pressure, a broker that is down, a full disk that may clear)
// is answered so that the sender tries again later; a permanent one (bad input,
// wrong credential) is answered with a precise reason and never retried as is.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ferry {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // bad input: malformed XML, bad config value
  kNotFound,            // no such record / key
  kAlreadyExists,       // an idempotency key seen before
  kUnauthenticated,     // missing or wrong credential
  kResourceExhausted,   // a buffer is at its limit: retry later
  kUnavailable,         // a peer or the disk is not available right now: retry
  kFailedPrecondition,  // the state does not allow the operation
  kDataLoss,            // stored data is corrupt or of an unknown format
  kInternal,            // a bug or an unexpected library failure
};

const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same operation may succeed later without any change.
  bool retryable() const { return code_ == StatusCode::kResourceExhausted || code_ == StatusCode::kUnavailable; }
  std::string ToString() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace ferry
