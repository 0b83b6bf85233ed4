#pragma once
// The dead-letter part of the console's API (docs/api.md, "Dead letters"):
//
//   GET  /api/v1/dead-letters         newest first: ?connector= &agent=
//                                     &mestyp= &docnum= &reason= &since=
//                                     &until= (unix ms) &before=SEQ &limit=
//   GET  /api/v1/dead-letters/{seq}   one, with its mapped records and the
//                                     raw IDoc when the control plane has it
//   POST /api/v1/dead-letters/replay  {"seqs": [...]} or {"filter": {...}}
//   POST /api/v1/dead-letters/discard {"seqs": [...], "reason": "..."}
//
// The reads are here; replay and discard write, so ConsoleService runs them
// off the event loop and audits them.

#include <string>
#include <string_view>

#include "common/http/http_server.h"
#include "common/status.h"
#include "controlplane/delivery/dead_letter_actions.h"
#include "controlplane/delivery/dead_letter_query.h"

#include <boost/json/value.hpp>

namespace ferry::controlplane {

inline constexpr size_t kMaxDeadLetterPage = 500;
// At most this many dead letters are replayed or discarded by one request.
inline constexpr size_t kMaxDeadLetterAction = 10'000;

struct DeadLetterListQuery {
  DeadLetterFilter filter;
  uint64_t before = UINT64_MAX;
  size_t limit = 50;
};

Result<DeadLetterListQuery> ParseDeadLetterQuery(std::string_view query);
// The same filter as a JSON object (the body of a replay by filter).
Result<DeadLetterFilter> ParseDeadLetterFilter(const boost::json::value& filter);

http::Response ListDeadLetters(const http::Request& req, std::string_view query, const store::DurableQueue& dlq);
http::Response GetDeadLetterAnswer(const http::Request& req, std::string_view seq, const store::DurableQueue& dlq);

// What a replay or discard request asks for: the sequences named, or those
// matching a filter (found here, at most kMaxDeadLetterAction), and for a
// discard its reason. 400 answers come back as the status.
struct DeadLetterAction {
  std::vector<uint64_t> seqs;
  std::string reason;
  std::string described;  // for the audit log: "seqs 1,2,3" or "filter {...}"
};
Result<DeadLetterAction> ParseDeadLetterAction(std::string_view body, bool needs_reason,
                                               const store::DurableQueue& dlq);
boost::json::object OutcomeJson(const DeadLetterOutcome& outcome, std::string_view done_name);

}  // namespace ferry::controlplane
