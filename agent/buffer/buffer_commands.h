#pragma once
// What `queue retry | skip | purge` ask for, as the CLI sends it over the
// control socket (JSON) and as both the agent and the CLI (with the agent
// stopped) carry it out: pick the events, change them, write the audit line.

#include <boost/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "agent/buffer/buffer_editor.h"
#include "agent/buffer/buffer_view.h"
#include "common/status.h"

namespace ferry::agent {

// What the CLI asks for: the events by id or IDoc number, or by filter.
struct EditRequest {
  std::string command;           // "retry", "skip" or "purge"
  std::vector<std::string> ids;  // event ids or IDoc numbers
  bool by_filter = false;        // instead of ids: every event `filter` matches
  ViewFilter filter;
  std::string reason;
  // Filled by ResolveTargets: the agent sequences of those events. This is
  // what crosses the control socket, so the agent reads each event by key
  // instead of searching its whole store on its event loop.
  std::vector<uint64_t> seqs;
};

// Finds the events a request names, reading through `view` (in the CLI's
// own process). NotFound when an id or IDoc number is in neither the buffer
// nor its history, or a filter matches nothing.
Status ResolveTargets(EditRequest& request, const BufferView& view, const std::set<uint64_t>& in_flight);

boost::json::object ToJson(const EditRequest& request);
Result<EditRequest> EditRequestFromJson(const boost::json::value& value);
boost::json::object ToJson(const EditOutcome& outcome);
EditOutcome EditOutcomeFromJson(const boost::json::object& object);

struct EditContext {
  const BufferView& view;
  BufferEditor& editor;
  std::set<uint64_t> in_flight;
  uint64_t published_through = 0;  // Uplink::MayHavePublishedThrough(); 0: agent stopped
  std::filesystem::path audit_file;
  uid_t uid = 0;
  std::string via;  // "agent" or "cli"
};

// NotFound when nothing matches; InvalidArgument for a request that makes
// no sense (no reason, unknown command). The audit line is written before
// success is returned.
Result<EditOutcome> ApplyEdit(const EditRequest& request, EditContext& context);

}  // namespace ferry::agent
