#include "agent/cli/buffer_cli_support.h"

#include <unistd.h>

#include <ctime>
#include <iostream>

#include "agent/agent.h"
#include "common/app/control_socket.h"
#include "common/app/run_as_owner.h"
#include "common/util/clock.h"

namespace ferry::agent::cli {
namespace json = boost::json;

int Open(const std::string& config_path, Opened& out) {
  auto config = LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-agent: invalid configuration:\n" << config.status().message() << "\n";
    return kExitUsage;
  }
  out.config = std::move(config).value();
  auto state = app::CallControl(ControlSocketPath(out.config), json::object{{"op", "state"}}, "the agent");
  if (state.ok()) {
    out.agent_state = std::move(state).value();
    if (const json::value* seqs = out.agent_state->if_contains("in_flight"); seqs && seqs->is_array()) {
      for (const json::value& s : seqs->as_array()) {
        if (s.is_uint64()) out.in_flight.insert(s.as_uint64());
        if (s.is_int64()) out.in_flight.insert(static_cast<uint64_t>(s.as_int64()));
      }
    }
  } else if (state.status().code() == StatusCode::kUnauthenticated) {
    std::cerr << "ferry-agent: " << state.status().message() << "\n";
    return kExitAgent;
  }
  out.caller_uid = ::geteuid();
  if (Status s = app::BecomeOwnerOf(out.config.data_dir); !s.ok()) {
    std::cerr << "ferry-agent: " << s.message() << "\n";
    return kExitStore;
  }
  store::StoreOptions options = AgentStoreOptions(out.config);
  options.read_only = true;
  if (!std::filesystem::exists(options.dir / "data.mdb")) {
    std::cerr << "ferry-agent: no store at " << options.dir.string() << " (the agent has never run with " << config_path
              << ")\n";
    return kExitStore;
  }
  auto store = store::Store::Open(options);
  if (!store.ok()) {
    std::cerr << "ferry-agent: cannot read the store " << options.dir.string() << ": " << store.status().message()
              << " (run as root or the service user)\n";
    return kExitStore;
  }
  out.store = std::move(store).value();
  return kExitOk;
}

Result<int64_t> ParseTime(const std::string& text, int64_t now_unix_ms) {
  if (text.empty()) return int64_t{0};
  const char unit = text.back();
  const std::string digits = text.substr(0, text.size() - 1);
  if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos &&
      (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd')) {
    const int64_t n = std::stoll(digits);
    const int64_t ms = unit == 's' ? 1000 : unit == 'm' ? 60000 : unit == 'h' ? 3600000 : 86400000;
    return now_unix_ms - n * ms;
  }
  std::tm tm{};
  for (const char* format : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"}) {
    tm = std::tm{};
    const char* end = strptime(text.c_str(), format, &tm);
    if (end != nullptr && *end == '\0') return static_cast<int64_t>(timegm(&tm)) * 1000;
  }
  return Status::InvalidArgument("'" + text +
                                 "' is not a time: use 2026-11-22T10:00:00Z, 2026-11-22 or an age like 2h");
}

std::string FormatTime(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(unix_ms % 1000));
  return text;
}

std::string Detail(const EventView& view) {
  if (view.report && view.report->outcome() == ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED) {
    return view.report->detail() + (view.retried_as.empty() ? "" : " (retried as " + view.retried_as + ")");
  }
  if (view.report) return view.report->target_record_id().empty() ? "" : "record " + view.report->target_record_id();
  if (!view.event.mapping_error().empty()) return view.event.mapping_error();
  return view.note;
}

json::object EventJson(const EventView& view, bool full) {
  const ferry::v1::Event& e = view.event;
  json::object o{{"event_id", e.event_id()},
                 {"seq", view.seq},
                 {"state", StateName(view.state)},
                 {"docnum", e.idoc().docnum()},
                 {"message_type", e.has_s4() ? e.s4().entity_set() : e.idoc().mestyp()},
                 {"idoc_type", e.has_s4() ? e.s4().service() : e.idoc().idoctyp()},
                 {"sender", e.idoc().sndprn()},
                 {"business_key", e.business_key()},
                 {"source", e.source()},
                 {"flow", e.flow_id()},
                 {"connector", e.connector()},
                 {"received_unix_ms", e.received_unix_ms()},
                 {"detail", Detail(view)}};
  if (!full) return o;
  o["enqueued_unix_ms"] = view.enqueued_unix_ms;
  o["sent_unix_ms"] = view.sent_unix_ms;
  o["left_unix_ms"] = view.left_unix_ms;
  o["note"] = view.note;
  o["retried_as"] = view.retried_as;
  o["raw_event_id"] = e.raw_event_id();
  o["bundle_version"] = e.bundle_version();
  o["mapping_error"] = e.mapping_error();
  o["control"] =
      json::object{{"mandt", e.idoc().mandt()},   {"docnum", e.idoc().docnum()}, {"idoctyp", e.idoc().idoctyp()},
                   {"cimtyp", e.idoc().cimtyp()}, {"mestyp", e.idoc().mestyp()}, {"sndprn", e.idoc().sndprn()},
                   {"sndpor", e.idoc().sndpor()}, {"status", e.idoc().status()}};
  if (e.has_s4()) {
    o["s4"] = json::object{{"service", e.s4().service()},
                           {"entity_set", e.s4().entity_set()},
                           {"key", e.s4().key()},
                           {"changed_at", e.s4().changed_at()},
                           {"deleted", e.s4().deleted()}};
  }
  o["payload"] = e.payload();
  json::array records;
  for (const auto& r : e.records()) {
    boost::system::error_code ec;
    json::value fields = json::parse(r.fields_json(), ec);
    records.push_back(json::object{{"record", r.record()},
                                   {"object", r.object()},
                                   {"action", r.action()},
                                   {"external_id", r.external_id()},
                                   {"key_field", r.key_field()},
                                   {"fields", ec ? json::value(r.fields_json()) : fields}});
  }
  o["records"] = std::move(records);
  if (view.report) {
    const ferry::v1::Delivery& d = *view.report;
    o["delivery"] = json::object{
        {"outcome", d.outcome() == ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED ? "dead-lettered" : "delivered"},
        {"connector", d.connector()},
        {"record_id", d.target_record_id()},
        {"detail", d.detail()},
        {"attempts", d.attempts()},
        {"unix_ms", d.unix_ms()}};
  } else {
    o["delivery"] = nullptr;
  }
  return o;
}

Result<ViewFilter> FilterFrom(const std::string& state, const std::string& message_type, const std::string& sender,
                              const std::string& business_key, const std::string& docnum, const std::string& since,
                              const std::string& until) {
  ViewFilter filter;
  if (!state.empty()) {
    filter.state = ParseState(state);
    if (!filter.state) {
      return Status::InvalidArgument("unknown state '" + state +
                                     "': pending, in-flight, sent, delivered, dead-letter, retried, skipped or purged");
    }
  }
  filter.message_type = message_type;
  filter.sender = sender;
  filter.business_key = business_key;
  filter.docnum = docnum;
  const int64_t now = NowUnixMs();
  auto from = ParseTime(since, now);
  if (!from.ok()) return Status::InvalidArgument("--since: " + from.status().message());
  auto to = ParseTime(until, now);
  if (!to.ok()) return Status::InvalidArgument("--until: " + to.status().message());
  filter.since_unix_ms = *from;
  filter.until_unix_ms = *to;
  return filter;
}

}  // namespace ferry::agent::cli
