#include "agent/cli/buffer_cli.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <iostream>

#include "agent/agent.h"
#include "agent/buffer/buffer_commands.h"
#include "agent/cli/buffer_cli_support.h"
#include "agent/data_dir_lock.h"
#include "agent/identity/enrollment_files.h"
#include "agent/outbox/outbox.h"
#include "common/app/run_loop.h"
#include "common/util/clock.h"

namespace ferry::agent {
namespace json = boost::json;
using namespace cli;

namespace {

std::string Cell(std::string text, size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  text.resize(width, ' ');
  return text;
}

std::string Age(int64_t since_unix_ms, int64_t now) {
  if (since_unix_ms <= 0) return "-";
  const int64_t s = std::max<int64_t>(0, (now - since_unix_ms) / 1000);
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 172800) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " d";
}

void PrintJson(const json::value& value) { std::cout << json::serialize(value) << "\n"; }

const json::object* ObjectMember(const std::optional<json::object>& o, std::string_view key) {
  if (!o) return nullptr;
  const json::value* v = o->if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

int RunStatus(const BufferCliOptions& options) {
  Opened opened;
  if (int rc = Open(options.config_path, opened)) return rc;
  const int64_t now = NowUnixMs();
  BufferView view(*opened.store);
  store::QueueStats outbox;
  if (auto queue = store::DurableQueue::Open(*opened.store, {Outbox::kQueueName, 0}); queue.ok()) {
    outbox = (*queue)->Stats();
  }
  auto sum = view.Summarize(outbox);
  if (!sum.ok()) {
    std::cerr << "ferry-agent: " << sum.status().message() << "\n";
    return kExitStore;
  }
  const store::StoreStats stats = opened.store->Stats();
  struct statvfs fs {};
  const uint64_t disk_free =
      ::statvfs(opened.config.data_dir.c_str(), &fs) == 0 ? static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize : 0;
  const json::object* uplink = ObjectMember(opened.agent_state, "uplink");
  const json::object* flows = ObjectMember(opened.agent_state, "flows");
  const json::object* recent = ObjectMember(opened.agent_state, "recent");
  auto cert = ReadIdentityCertificate(opened.config.identity_file);
  const bool expiring = cert.ok() && cert->Expiring(now);
  json::object out{
      {"agent_id", opened.config.agent_id},
      {"running", opened.agent_state.has_value()},
      {"uplink", uplink ? json::value(*uplink) : json::value(nullptr)},
      {"flows", flows ? json::value(*flows) : json::value(nullptr)},
      {"buffer",
       {{"pending", sum->pending},
        {"in_flight", opened.in_flight.size()},
        {"pending_bytes", sum->pending_bytes},
        {"oldest_unix_ms", sum->oldest_enqueued_unix_ms},
        {"oldest_age_ms", sum->oldest_enqueued_unix_ms ? now - sum->oldest_enqueued_unix_ms : 0}}},
      {"history", {{"events", sum->history}, {"outcomes_reported", sum->reports}}},
      {"dead_letters", sum->dead_letters},
      {"certificate", cert.ok() ? json::value(json::object{{"serial", cert->serial},
                                                           {"not_after_unix_ms", cert->not_after_unix_ms},
                                                           {"expiring", expiring}})
                                : json::value(nullptr)},
      {"recent", recent ? json::value(*recent) : json::value(nullptr)},
      {"disk",
       {{"free_bytes", disk_free}, {"store_used_bytes", stats.used_bytes}, {"store_map_bytes", stats.map_size_bytes}}}};
  if (options.json) {
    PrintJson(out);
    return kExitOk;
  }
  std::cout << "agent        " << opened.config.agent_id << (opened.agent_state ? " (running)" : " (not running)")
            << "\n";
  if (uplink) {
    const bool connected = uplink->at("connected").as_bool();
    std::cout << "uplink       " << (connected ? "connected" : "NOT connected") << " since "
              << FormatTime(uplink->at("since_unix_ms").to_number<int64_t>())
              << (connected ? "" : " (" + std::string(uplink->at("detail").as_string()) + ")") << "\n";
    std::cout << "last ack     " << FormatTime(uplink->at("last_ack_unix_ms").to_number<int64_t>()) << "\n";
  } else {
    std::cout << "uplink       unknown: the agent is not running\n";
  }
  std::cout << "buffer       " << sum->pending << " events waiting (" << opened.in_flight.size() << " in flight), "
            << sum->pending_bytes << " bytes, oldest " << Age(sum->oldest_enqueued_unix_ms, now) << "\n";
  if (recent) {
    std::cout << "last " << Cell(std::to_string(recent->at("seconds").to_number<int64_t>()) + " s", 8)
              << recent->at("in").to_number<uint64_t>() << " in, " << recent->at("out").to_number<uint64_t>()
              << " out (acknowledged by the control plane)\n";
  }
  std::cout << "dead letters " << sum->dead_letters
            << (sum->dead_letters ? "  (ferry-agent queue ls --state dead-letter)" : "") << "\n";
  std::cout << "history      " << sum->history << " events kept, " << sum->reports << " delivery outcomes\n";
  if (flows) {
    std::cout << "flows        bundle version " << flows->at("running_version").to_number<uint64_t>()
              << (flows->at("error").as_string().empty()
                      ? ""
                      : ", last deployment refused: " + std::string(flows->at("error").as_string()))
              << "\n";
  }
  if (cert.ok()) {
    std::cout << "identity     certificate " << cert->serial << ", valid until " << FormatTime(cert->not_after_unix_ms)
              << "\n";
    if (expiring) {
      std::cout << "warning      "
                << (cert->not_after_unix_ms <= now ? "the certificate has expired: enroll again (ferry-agent enroll)"
                                                   : "the certificate ends within 14 days")
                << "\n";
    }
  } else {
    std::cout << "identity     not enrolled (ferry-agent enroll)\n";
  }
  std::cout << "disk         " << disk_free / (1024 * 1024) << " MiB free; store uses "
            << stats.used_bytes / (1024 * 1024) << " of " << stats.map_size_bytes / (1024 * 1024) << " MiB\n";
  return kExitOk;
}

int RunQueueList(const BufferCliOptions& options, const QueueListOptions& list) {
  auto filter =
      FilterFrom(list.state, list.message_type, list.sender, list.business_key, list.docnum, list.since, list.until);
  if (!filter.ok()) {
    std::cerr << "ferry-agent: " << filter.status().message() << "\n";
    return kExitUsage;
  }
  Opened opened;
  if (int rc = Open(options.config_path, opened)) return rc;
  size_t total = 0;
  bool more = false;
  auto rows = BufferView(*opened.store)
                  .List(*filter, opened.in_flight, list.offset, list.limit, list.count ? &total : nullptr, &more);
  if (!rows.ok()) {
    std::cerr << "ferry-agent: " << rows.status().message() << "\n";
    return kExitStore;
  }
  if (options.json) {
    json::array events;
    for (const EventView& v : *rows) events.push_back(EventJson(v, false));
    json::object page{{"offset", list.offset}, {"more", more}, {"events", std::move(events)}};
    if (list.count) page["total"] = total;
    PrintJson(page);
    return rows->empty() ? kExitNothing : kExitOk;
  }
  // An IDoc shows its message type, number and sender; an S/4 entity its
  // entity set, key and service.
  std::cout << Cell("SEQ", 8) << Cell("STATE", 12) << Cell("RECEIVED", 25) << Cell("TYPE", 18) << Cell("DOCUMENT", 17)
            << Cell("FROM", 21) << Cell("FLOW@CONNECTOR", 34) << "DETAIL\n";
  for (const EventView& v : *rows) {
    const ferry::v1::Event& e = v.event;
    const std::string target = e.flow_id().empty() ? e.connector() : e.flow_id() + "@" + e.connector();
    const bool s4 = e.has_s4();
    std::cout << Cell(std::to_string(v.seq), 8) << Cell(StateName(v.state), 12)
              << Cell(FormatTime(e.received_unix_ms()), 25) << Cell(s4 ? e.s4().entity_set() : e.idoc().mestyp(), 18)
              << Cell(s4 ? e.s4().key() : e.idoc().docnum(), 17) << Cell(s4 ? e.s4().service() : e.idoc().sndprn(), 21)
              << Cell(target, 34) << Detail(v) << "\n";
  }
  std::cout << rows->size() << " event(s)";
  if (list.count) std::cout << " of " << total << " matching";
  if (more) std::cout << " (next page: --offset " << list.offset + rows->size() << ")";
  std::cout << "\n";
  return rows->empty() ? kExitNothing : kExitOk;
}

int RunQueueShow(const BufferCliOptions& options, const std::string& id_or_docnum) {
  Opened opened;
  if (int rc = Open(options.config_path, opened)) return rc;
  auto found = BufferView(*opened.store).Find(id_or_docnum, opened.in_flight);
  if (!found.ok()) {
    std::cerr << "ferry-agent: " << found.status().message() << "\n";
    return kExitStore;
  }
  if (found->empty()) {
    std::cerr << "ferry-agent: no event, IDoc or business key '" << id_or_docnum << "' in the buffer or its history\n";
    return kExitNothing;
  }
  if (options.json) {
    json::array events;
    const BufferView view(*opened.store);
    for (const EventView& v : *found) {
      json::object o = EventJson(v, true);
      // A mapped event carries records; its IDoc is in the raw buffer.
      if (v.event.payload().empty() && !v.event.records().empty()) o["payload"] = view.RawDocument(v.event);
      events.push_back(std::move(o));
    }
    PrintJson(events);
    return kExitOk;
  }
  const BufferView view(*opened.store);
  for (const EventView& v : *found) {
    const ferry::v1::Event& e = v.event;
    std::cout << "event " << e.event_id() << "  [" << StateName(v.state) << "]\n";
    if (e.has_s4()) {
      std::cout << "  S/4        " << e.s4().entity_set() << "(" << e.s4().key() << ")  " << e.s4().service() << "  by "
                << e.source() << (e.s4().changed_at().empty() ? "" : "  changed " + e.s4().changed_at())
                << (e.s4().deleted() ? "  deleted" : "") << "\n";
    } else {
      std::cout << "  IDoc       " << e.idoc().docnum() << "  " << e.idoc().mestyp() << "/" << e.idoc().idoctyp()
                << "  client " << e.idoc().mandt() << "  from " << e.idoc().sndprn() << " (" << e.idoc().sndpor()
                << ")\n";
    }
    std::cout << "  key        " << e.business_key() << "\n";
    if (!e.flow_id().empty()) {
      std::cout << "  flow       " << e.flow_id() << " (bundle " << e.bundle_version() << ") to " << e.connector()
                << "\n";
    }
    std::cout << "  received   " << FormatTime(e.received_unix_ms()) << "\n";
    std::cout << "  committed  " << FormatTime(v.enqueued_unix_ms) << "\n";
    if (v.sent_unix_ms) std::cout << "  sent       " << FormatTime(v.sent_unix_ms) << "\n";
    if (v.left_unix_ms)
      std::cout << "  left       " << FormatTime(v.left_unix_ms) << " (" << StateName(v.state) << ")\n";
    if (!v.note.empty()) std::cout << "  note       " << v.note << "\n";
    if (!e.mapping_error().empty()) std::cout << "  error      " << e.mapping_error() << "\n";
    if (v.report) {
      std::cout << "  delivery   "
                << (v.report->outcome() == ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED ? "dead-lettered" : "delivered")
                << " by " << v.report->connector() << " at " << FormatTime(v.report->unix_ms()) << " after "
                << v.report->attempts() << " attempt(s)";
      if (!v.report->target_record_id().empty()) std::cout << ", record " << v.report->target_record_id();
      std::cout << "\n";
      if (!v.report->detail().empty()) std::cout << "  last error " << v.report->detail() << "\n";
    }
    if (!v.retried_as.empty()) std::cout << "  retried as " << v.retried_as << "\n";
    for (const auto& r : e.records()) {
      std::cout << "  record     " << r.action() << " " << r.object() << " " << r.key_field() << "=" << r.external_id()
                << " " << r.fields_json() << "\n";
    }
    if (!e.payload().empty()) {
      std::cout << "  payload    " << e.payload().size() << " bytes (" << e.content_type() << ")\n"
                << e.payload() << (e.payload().back() == '\n' ? "" : "\n");
    } else if (!e.records().empty()) {
      const std::string raw = view.RawDocument(e);
      if (raw.empty()) {
        std::cout << "  raw IDoc   no longer in the raw buffer (store.raw_retention)\n";
      } else {
        std::cout << "  raw IDoc   " << raw.size() << " bytes, from the raw buffer\n"
                  << raw << (raw.back() == '\n' ? "" : "\n");
      }
    }
    std::cout << "\n";
  }
  return kExitOk;
}

namespace {

int PrintEditOutcome(const BufferCliOptions& options, const EditOutcome& outcome, const std::string& command) {
  if (options.json) {
    PrintJson(ToJson(outcome));
  } else {
    const char* verb = command == "retry" ? "retried" : command == "skip" ? "skipped" : "purged";
    std::cout << outcome.changed.size() << " event(s) " << verb << "\n";
    for (const std::string& id : outcome.new_ids) std::cout << "  enqueued as " << id << "\n";
    for (const std::string& why : outcome.refused) std::cout << "  refused " << why << "\n";
  }
  return outcome.refused.empty() && !outcome.changed.empty() ? kExitOk : kExitNothing;
}

// With the agent stopped, the CLI is the only writer: it makes the change
// itself, with the same code the agent runs.
int EditOffline(const BufferCliOptions& options, Opened& opened, const EditRequest& request) {
  // One environment per process (LMDB): the read-only one goes first.
  opened.store.reset();
  // Held while changing: an agent that starts meanwhile waits for it, and
  // one that is starting or stopping (its socket not there) refuses us.
  auto lock = DataDirLock::Acquire(opened.config.data_dir);
  if (!lock.ok()) {
    std::cerr << "ferry-agent: " << lock.status().message()
              << ", but its control socket does not answer (starting or stopping?): try again\n";
    return kExitAgent;
  }
  store::StoreOptions store_options = AgentStoreOptions(opened.config);
  auto store = store::Store::Open(store_options);
  if (!store.ok()) {
    std::cerr << "ferry-agent: cannot open the store for writing: " << store.status().message() << "\n";
    return kExitStore;
  }
  auto outbox = store::DurableQueue::Open(**store, {Outbox::kQueueName, opened.config.outbox_max_bytes});
  if (!outbox.ok()) {
    std::cerr << "ferry-agent: " << outbox.status().message() << "\n";
    return kExitStore;
  }
  EventHistory history(**store, **outbox);
  BufferView view(**store);
  BufferEditor editor(**store, **outbox, history, nullptr);
  EditContext context{view, editor, {}, 0, AuditLogPath(opened.config), opened.caller_uid, "cli"};
  EditRequest resolved = request;
  Status found = ResolveTargets(resolved, view, {});
  Result<EditOutcome> outcome = found.ok() ? ApplyEdit(resolved, context) : Result<EditOutcome>(found);
  if (!outcome.ok()) {
    std::cerr << "ferry-agent: " << outcome.status().message() << "\n";
    return outcome.status().code() == StatusCode::kNotFound          ? kExitNothing
           : outcome.status().code() == StatusCode::kInvalidArgument ? kExitUsage
                                                                     : kExitStore;
  }
  return PrintEditOutcome(options, *outcome, request.command);
}

}  // namespace

int RunQueueEdit(const BufferCliOptions& options, const QueueEditOptions& edit) {
  EditRequest request;
  request.command = edit.command;
  request.ids = edit.ids;
  request.reason = edit.reason;
  request.by_filter = edit.command == "purge" || edit.all_dead_letters;
  if (request.by_filter && !request.ids.empty()) {
    std::cerr << "ferry-agent: give event ids or a filter, not both\n";
    return kExitUsage;
  }
  if (!request.by_filter && request.ids.empty()) {
    std::cerr << "ferry-agent: name the events (event id or IDoc number)"
              << (edit.command == "retry" ? ", or use --all-dead-letters" : "") << "\n";
    return kExitUsage;
  }
  if (edit.command == "purge" && !edit.yes) {
    std::cerr << "ferry-agent: purge deletes pending events for good: add --yes to confirm (see what it takes with "
                 "`ferry-agent queue ls --state pending` and the same filters)\n";
    return kExitUsage;
  }
  if (edit.reason.empty()) {
    std::cerr << "ferry-agent: --reason is required: it goes to the audit log\n";
    return kExitUsage;
  }
  if (request.by_filter) {
    const QueueListOptions& f = edit.filter;
    auto filter = FilterFrom("", f.message_type, f.sender, f.business_key, f.docnum, f.since, f.until);
    if (!filter.ok()) {
      std::cerr << "ferry-agent: " << filter.status().message() << "\n";
      return kExitUsage;
    }
    request.filter = *filter;
  }
  Opened opened;
  if (int rc = Open(options.config_path, opened)) return rc;
  if (!opened.agent_state) return EditOffline(options, opened, request);
  // The events are found here, in this process; the agent reads them again
  // by key and decides.
  if (Status found = ResolveTargets(request, BufferView(*opened.store), opened.in_flight); !found.ok()) {
    std::cerr << "ferry-agent: " << found.message() << "\n";
    return found.code() == StatusCode::kNotFound ? kExitNothing : kExitStore;
  }
  auto answer = app::CallControl(ControlSocketPath(opened.config), ToJson(request), "the agent");
  if (!answer.ok()) {
    std::cerr << "ferry-agent: " << answer.status().message() << "\n";
    return kExitAgent;
  }
  if (!answer->contains("ok") || !answer->at("ok").as_bool()) {
    const std::string code = answer->contains("code") ? std::string(answer->at("code").as_string()) : "";
    std::cerr << "ferry-agent: " << (answer->contains("error") ? answer->at("error").as_string() : "refused") << "\n";
    return code == "not_found" ? kExitNothing : code == "invalid" ? kExitUsage : kExitStore;
  }
  return PrintEditOutcome(options, EditOutcomeFromJson(*answer), edit.command);
}

int RunTrace(const BufferCliOptions& options, const std::string& docnum) {
  Opened opened;
  if (int rc = Open(options.config_path, opened)) return rc;
  auto found = BufferView(*opened.store).Find(docnum, opened.in_flight);
  if (!found.ok()) {
    std::cerr << "ferry-agent: " << found.status().message() << "\n";
    return kExitStore;
  }
  if (found->empty()) {
    std::cerr << "ferry-agent: no IDoc, event or business key '" << docnum << "' in the buffer or its history\n";
    return kExitNothing;
  }
  json::array events;
  for (const EventView& v : *found) {
    json::array hops;
    auto hop = [&hops](const char* name, int64_t unix_ms, std::string detail) {
      if (unix_ms > 0) hops.push_back(json::object{{"hop", name}, {"unix_ms", unix_ms}, {"detail", std::move(detail)}});
    };
    const ferry::v1::Event& e = v.event;
    hop("received", e.received_unix_ms(),
        "from " + (e.has_s4() ? e.s4().service() : e.idoc().sndprn()) + " by " + e.source());
    hop("committed", v.enqueued_unix_ms, "agent sequence " + std::to_string(v.seq));
    hop("sent", v.sent_unix_ms, "");
    if (v.state == EventState::kSkipped || v.state == EventState::kPurged) {
      hop(StateName(v.state), v.left_unix_ms, v.note);
    } else {
      hop("acked", v.left_unix_ms, "stored by the control plane");
    }
    if (v.report) {
      const bool dead = v.report->outcome() == ferry::v1::DELIVERY_OUTCOME_DEAD_LETTERED;
      hop(dead ? "dead-lettered" : "delivered", v.report->unix_ms(),
          v.report->connector() + (dead                                   ? ": " + v.report->detail()
                                   : v.report->target_record_id().empty() ? std::string()
                                                                          : " record " + v.report->target_record_id()));
    }
    json::object o{{"event_id", e.event_id()},   {"state", StateName(v.state)}, {"flow", e.flow_id()},
                   {"connector", e.connector()}, {"retried_as", v.retried_as},  {"hops", std::move(hops)}};
    events.push_back(std::move(o));
  }
  if (options.json) {
    PrintJson(json::object{{"docnum", docnum}, {"events", events}});
    return kExitOk;
  }
  auto text = [](const json::value& v) { return std::string(v.as_string()); };
  for (const json::value& ev : events) {
    const json::object& o = ev.as_object();
    const std::string connector = text(o.at("connector"));
    std::cout << "event " << text(o.at("event_id")) << "  " << text(o.at("flow"))
              << (connector.empty() ? "" : "@" + connector) << "  [" << text(o.at("state")) << "]\n";
    for (const json::value& h : o.at("hops").as_array()) {
      std::cout << "  " << Cell(FormatTime(h.at("unix_ms").as_int64()), 26) << Cell(text(h.at("hop")), 15)
                << text(h.at("detail")) << "\n";
    }
    if (!o.at("retried_as").as_string().empty()) std::cout << "  retried as " << text(o.at("retried_as")) << "\n";
  }
  return kExitOk;
}

}  // namespace ferry::agent
