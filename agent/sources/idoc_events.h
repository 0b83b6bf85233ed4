#pragma once
// Parsed IDocs as the events a source hands to the sink: the same identity,
// keys, payload (IDoc-XML) and control record whichever port they came
// through, so flows, the CLI and the trace treat them alike.

#include <string>
#include <string_view>
#include <vector>

#include "agent/sources/event_sink.h"
#include "common/idoc/idoc_xml.h"

namespace ferry::agent {

struct IdocBatch {
  std::vector<IncomingEvent> events;
  std::string docnums;  // "0000000000420011,0000000000420012", for logs and answers
};

// Moves each IDoc's XML and tree into a new event from `source`.
IdocBatch IdocEvents(std::vector<idoc::ParsedIdoc>& idocs, std::string_view source, const std::string& agent_id);

}  // namespace ferry::agent
