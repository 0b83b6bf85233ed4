#pragma once
// The Dataverse $batch endpoint (docs/protocols.md §B.3): a multipart/mixed body
// of application/http operations and change sets (nested multipart/mixed,
// one Content-ID per operation, all-or-nothing), at most 1000 operations.
//
// The answer is multipart/mixed with one application/http part per
// operation in order; a change set that succeeded answers as a nested
// multipart, one that failed as the single response of the operation that
// failed (its other writes rolled back). Without continue-on-error,
// processing stops after the first failed item.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/multipart.h"
#include "common/status.h"
#include "tests/crm_sim/record_store.h"

namespace ferry::crm_sim {

inline constexpr size_t kMaxBatchOperations = 1000;

struct BatchItem {
  bool change_set = false;
  std::vector<http::EmbeddedRequest> operations;  // targets relative to the service root
  std::vector<std::string> content_ids;           // one per operation ("" outside change sets)
};

struct ParsedBatch {
  std::vector<BatchItem> items;
  size_t operations = 0;
};

// The items of a $batch request. InvalidArgument says what is malformed
// (boundary, part type, a request line, a read inside a change set).
Result<ParsedBatch> ParseBatch(std::string_view content_type, std::string_view body);

struct BatchAnswer {
  std::string content_type;  // multipart/mixed; boundary=batchresponse_…
  std::string body;
  bool stopped = false;  // a failure ended processing early
  bool any_failed = false;
};

using RunOperation = std::function<http::EmbeddedResponse(const http::EmbeddedRequest& op)>;

// Told when a change set starts and how it ends, so that what its writes
// set off (webhooks) waits for the commit and vanishes with a rollback.
struct ChangeSetHooks {
  std::function<void()> begin;                   // may be empty
  std::function<void(bool committed)> finished;  // may be empty
};

// Runs the items in order; change sets are transactions of `store`.
BatchAnswer RunBatch(const ParsedBatch& batch, bool continue_on_error, RecordStore& store, const RunOperation& run,
                     const ChangeSetHooks& hooks = {});

}  // namespace ferry::crm_sim
