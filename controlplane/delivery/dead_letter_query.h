#pragma once
// Finding dead letters: newest first, filtered by connector, agent, message
// type, reason text and time, a page at a time. Shared by the console's API
// and `ferry-controlplane dlq`.
//
// A page examines at most `scan_budget` stored dead letters, so a filter
// that matches little never holds a request up for long: the page then
// ends early and `next_before` says where the next one starts.

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/durable_queue.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {

struct DeadLetterFilter {
  std::string connector;  // exact; empty: any
  std::string agent_id;   // exact
  std::string mestyp;     // exact, e.g. DEBMAS
  std::string reason;     // found in the reason, any case
  std::string docnum;     // exact IDoc number
  int64_t since_unix_ms = 0;
  int64_t until_unix_ms = 0;  // 0: no end

  bool Matches(const ferry::v1::DeadLetter& dead) const;
};

struct FoundDeadLetter {
  uint64_t seq = 0;
  ferry::v1::DeadLetter dead;
  std::string corrupt;  // the record did not decode: `dead` is empty
};

struct DeadLetterPage {
  std::vector<FoundDeadLetter> dead_letters;
  uint64_t next_before = 0;  // 0: nothing older left to look at
};

// Dead letters with seq < `before` (UINT64_MAX: from the newest).
Result<DeadLetterPage> FindDeadLetters(const store::DurableQueue& dlq, const DeadLetterFilter& filter, uint64_t before,
                                       size_t limit, size_t scan_budget = 50'000);

// A dead letter's summary as JSON (the API's list, `dlq list --json`): seq,
// event and agent ids, message type, IDoc number, business key, connector,
// attempts, reason, whether the agent could not map it, when.
// "down" for a CRM record on its way into SAP (a command SAP refused or no
// down flow mapped), "up" for everything else.
const char* DirectionOf(const ferry::v1::Event& event);

// What a dead letter is about, in either direction: an IDoc's message type
// and number, or a CRM record's object and id (from its down command).
struct DocumentNames {
  std::string type;  // DEBMAS, or Opportunity
  std::string id;    // 0000000000410001, or 0065g00000FERRYAAA
};
DocumentNames NamesOf(const ferry::v1::Event& event);
boost::json::object DeadLetterSummaryJson(const FoundDeadLetter& found);

// One dead letter; NotFound when there is none with that sequence.
Result<FoundDeadLetter> GetDeadLetter(const store::DurableQueue& dlq, uint64_t seq);

}  // namespace ferry::controlplane
