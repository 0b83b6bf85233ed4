#include "agent/buffer/buffer_commands.h"

#include "agent/buffer/audit_log.h"
#include "common/app/control_socket.h"

namespace ferry::agent {
namespace json = boost::json;
namespace {

std::vector<std::string> StringsOf(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto it = o.find(key); it != o.end() && it->value().is_array()) {
    for (const json::value& v : it->value().as_array()) {
      if (v.is_string()) out.emplace_back(v.as_string());
    }
  }
  return out;
}

std::string StringOf(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

int64_t IntOf(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_int64() ? it->value().as_int64() : 0;
}

}  // namespace

json::object ToJson(const EditRequest& r) {
  json::object filter{{"message_type", r.filter.message_type},   {"sender", r.filter.sender},
                      {"business_key", r.filter.business_key},   {"docnum", r.filter.docnum},
                      {"since_unix_ms", r.filter.since_unix_ms}, {"until_unix_ms", r.filter.until_unix_ms}};
  if (r.filter.state) filter["state"] = StateName(*r.filter.state);
  json::array seqs;
  for (uint64_t seq : r.seqs) seqs.emplace_back(seq);
  return {{"op", "edit"},     {"command", r.command}, {"ids", json::value_from(r.ids)}, {"by_filter", r.by_filter},
          {"filter", filter}, {"reason", r.reason},   {"seqs", std::move(seqs)}};
}

Result<EditRequest> EditRequestFromJson(const json::value& value) {
  if (!value.is_object()) return Status::InvalidArgument("request is not a JSON object");
  const json::object& o = value.as_object();
  EditRequest r;
  r.command = StringOf(o, "command");
  r.ids = StringsOf(o, "ids");
  r.reason = StringOf(o, "reason");
  if (auto it = o.find("by_filter"); it != o.end() && it->value().is_bool()) r.by_filter = it->value().as_bool();
  if (auto it = o.find("seqs"); it != o.end() && it->value().is_array()) {
    for (const json::value& v : it->value().as_array()) {
      if (v.is_uint64()) r.seqs.push_back(v.as_uint64());
      if (v.is_int64() && v.as_int64() > 0) r.seqs.push_back(static_cast<uint64_t>(v.as_int64()));
    }
  }
  if (auto it = o.find("filter"); it != o.end() && it->value().is_object()) {
    const json::object& f = it->value().as_object();
    r.filter.message_type = StringOf(f, "message_type");
    r.filter.sender = StringOf(f, "sender");
    r.filter.business_key = StringOf(f, "business_key");
    r.filter.docnum = StringOf(f, "docnum");
    r.filter.since_unix_ms = IntOf(f, "since_unix_ms");
    r.filter.until_unix_ms = IntOf(f, "until_unix_ms");
    if (const std::string state = StringOf(f, "state"); !state.empty()) {
      r.filter.state = ParseState(state);
      if (!r.filter.state) return Status::InvalidArgument("unknown state '" + state + "'");
    }
  }
  return r;
}

json::object ToJson(const EditOutcome& outcome) {
  return {{"changed", json::value_from(outcome.changed)},
          {"refused", json::value_from(outcome.refused)},
          {"new_ids", json::value_from(outcome.new_ids)}};
}

EditOutcome EditOutcomeFromJson(const json::object& object) {
  EditOutcome outcome;
  outcome.changed = StringsOf(object, "changed");
  outcome.refused = StringsOf(object, "refused");
  outcome.new_ids = StringsOf(object, "new_ids");
  return outcome;
}

Status ResolveTargets(EditRequest& request, const BufferView& view, const std::set<uint64_t>& in_flight) {
  request.seqs.clear();
  if (request.by_filter) {
    ViewFilter filter = request.filter;
    // Retry takes dead letters, skip and purge pending events: a filter
    // never reaches anything else.
    filter.state = request.command == "retry" ? EventState::kDeadLetter : EventState::kPending;
    auto listed = view.List(filter, in_flight, 0, SIZE_MAX);
    if (!listed.ok()) return listed.status();
    for (const EventView& v : *listed) request.seqs.push_back(v.seq);
  } else {
    for (const std::string& id : request.ids) {
      auto found = view.Find(id, in_flight);
      if (!found.ok()) return found.status();
      if (found->empty())
        return Status::NotFound("no event, IDoc or business key '" + id + "' in the buffer or its history");
      for (const EventView& v : *found) request.seqs.push_back(v.seq);
    }
  }
  if (request.seqs.empty()) return Status::NotFound("no event matches");
  return Status::Ok();
}

Result<EditOutcome> ApplyEdit(const EditRequest& request, EditContext& context) {
  if (request.command != "retry" && request.command != "skip" && request.command != "purge") {
    return Status::InvalidArgument("unknown command '" + request.command + "'");
  }
  if (request.reason.empty()) return Status::InvalidArgument("a reason is required (--reason)");
  if (request.seqs.empty()) return Status::NotFound("no event matches");
  // Read again, by key: states may have changed since the CLI looked.
  auto targets = context.view.At(request.seqs, context.in_flight);
  if (!targets.ok()) return targets.status();
  Result<EditOutcome> outcome =
      request.command == "retry"
          ? context.editor.Retry(*targets)
          : context.editor.Remove(*targets, request.command == "skip" ? "skipped" : "purged",
                                  app::UserName(context.uid) + ": " + request.reason, context.published_through);
  if (!outcome.ok()) return outcome;
  AuditEntry entry{context.uid, request.command, request.reason, context.via, *outcome};
  if (Status s = AppendAudit(context.audit_file, entry); !s.ok()) return s;
  return outcome;
}

}  // namespace ferry::agent
