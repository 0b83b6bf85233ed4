// ferry-agent: the edge agent beside SAP. See README.md for the commands.

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <iostream>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "agent/cli/buffer_cli.h"
#include "agent/cli/down_cli.h"
#include "agent/cli/enroll_command.h"
#include "agent/cli/flow_test_command.h"
#include "common/app/run_loop.h"
#include "common/log/log.h"

namespace {

// Exit codes (documented in README.md "Exit codes").
constexpr int kExitOk = 0;
constexpr int kExitConfig = 2;
constexpr int kExitStartup = 3;

int Run(const std::string& config_path) {
  auto config = ferry::agent::LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-agent: invalid configuration:\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  ferry::log::Init("agent", config->log_level);
  boost::asio::io_context io(1);
  auto agent = ferry::agent::Agent::Create(std::move(config.value()), io);
  if (!agent.ok()) {
    spdlog::critical("event=startup_failed error=\"{}\"", agent.status().ToString());
    return kExitStartup;
  }
  ferry::Status started = (*agent)->Start();
  if (!started.ok()) {
    spdlog::critical("event=startup_failed error=\"{}\"", started.ToString());
    return kExitStartup;
  }
  // Started: the store is open and the listeners are bound, so systemd may
  // be told READY=1 (RunUntilSignal does).
  ferry::app::RunUntilSignal(
      io, [&](std::function<void()> done) { (*agent)->Shutdown(std::move(done)); },
      [&] { return (*agent)->StatusSummary(); }, [&] { (*agent)->Reload(config_path); });
  return kExitOk;
}

int CheckConfig(const std::string& config_path) {
  auto config = ferry::agent::LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-agent: invalid configuration:\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  std::cout << config_path << ": OK (agent " << config->agent_id << ", " << config->sources.size()
            << " source(s), tunnel to " << config->tunnel->Endpoint() << ")\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry-agent: takes IDocs from SAP, keeps them durably, tunnels them to the Ferry control plane"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "print version and build information");
  std::string config_path = "/etc/ferry/agent.yaml";
  auto* run = app.add_subcommand("run", "run the agent (foreground; systemd runs it this way)");
  run->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  auto* check = app.add_subcommand("check-config", "validate a configuration file and exit");
  check->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  ferry::agent::EnrollOptions enroll_options;
  auto* enroll = app.add_subcommand("enroll", "join a control plane's fleet with a one-time token");
  enroll->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  auto* token_option =
      enroll->add_option("--token", enroll_options.token, "the token `ferry-controlplane agents add` printed");
  auto* token_file_option = enroll->add_option(
      "--token-file", enroll_options.token_file,
      "read the token from this file, or from standard input with '-' (keeps it off the command line)");
  token_option->excludes(token_file_option);
  enroll->add_option("--url", enroll_options.url, "https://host:port of the control plane's enrollment listener")
      ->required();
  auto* flow = app.add_subcommand("flow", "work with flow bundles locally");
  flow->require_subcommand(1);
  ferry::agent::FlowTestOptions flow_test;
  flow_test.standard_dir = "/usr/share/ferry/flows/standard";
  auto* test = flow->add_subcommand("test", "map IDoc files with a bundle and print the records; sends nothing");
  test->add_option("-b,--bundle", flow_test.bundle, "a flow file or a folder of flow files")->required();
  test->add_option("-i,--input", flow_test.inputs,
                   "IDoc-XML file(s), S/4 entities (JSON) with --s4, CRM records with --crm")
      ->required();
  test->add_option("--s4", flow_test.s4,
                   "the inputs are entities of SERVICE/EntitySet, e.g. API_BUSINESS_PARTNER/A_BusinessPartner");
  test->add_option("--crm", flow_test.crm,
                   "the inputs are CRM records (JSON) of CRM/Object for down flows, e.g. salesforce/Opportunity");
  test->add_option("--standard", flow_test.standard_dir, "folder of the standard flows")->capture_default_str();
  test->add_flag("--json", flow_test.json, "one JSON object per IDoc or entity");

  // Field IT's commands on the buffer (agent/cli/buffer_cli.h).
  ferry::agent::BufferCliOptions buffer;
  buffer.config_path = config_path;
  auto with_common = [&buffer](CLI::App* cmd) {
    cmd->add_option("-c,--config", buffer.config_path, "configuration file")->capture_default_str();
    cmd->add_flag("--json", buffer.json, "JSON for scripts instead of a table");
  };
  auto add_filters = [](CLI::App* cmd, ferry::agent::QueueListOptions& f) {
    cmd->add_option("--type", f.message_type,
                    "message type (MESTYP) or S/4 entity set, e.g. DEBMAS, A_BusinessPartner");
    cmd->add_option("--sender", f.sender, "sender partner (SNDPRN), e.g. S4HCLNT100");
    cmd->add_option("--key", f.business_key, "business key, e.g. DEBMAS:100001, A_BusinessPartner:1000746");
    cmd->add_option("--docnum", f.docnum, "IDoc number (leading zeros optional)");
    cmd->add_option("--since", f.since, "received at or after: 2026-11-22T10:00:00Z, 2026-11-22 or an age (2h)");
    cmd->add_option("--until", f.until, "received before (same forms)");
  };
  auto* status = app.add_subcommand("status", "uplink, buffer depth and age, rates, dead letters, flows, disk");
  with_common(status);
  auto* queue = app.add_subcommand("queue", "review and act on buffered events");
  queue->require_subcommand(1);
  ferry::agent::QueueListOptions list;
  auto* ls = queue->add_subcommand("ls", "list events, oldest first, with filters and paging");
  with_common(ls);
  ls->add_option("--state", list.state, "pending, in-flight, sent, delivered, dead-letter, retried, skipped or purged");
  add_filters(ls, list);
  ls->add_option("--limit", list.limit, "events per page")->capture_default_str();
  ls->add_option("--offset", list.offset, "skip this many matches")->capture_default_str();
  ls->add_flag("--count", list.count, "count every match (reads the whole buffer and history)");
  std::string show_id;
  auto* show = queue->add_subcommand("show", "everything about one event, or every event of an IDoc or a business key");
  with_common(show);
  show->add_option("id", show_id, "event id, IDoc number or business key")->required();
  ferry::agent::QueueEditOptions retry_edit, skip_edit, purge_edit;
  retry_edit.command = "retry";
  skip_edit.command = "skip";
  purge_edit.command = "purge";
  auto* retry =
      queue->add_subcommand("retry", "send dead letters again (mapping them again first if they could not be mapped)");
  with_common(retry);
  retry->add_option("ids", retry_edit.ids, "event ids, IDoc numbers or business keys");
  retry->add_flag("--all-dead-letters", retry_edit.all_dead_letters, "every dead letter the filters match");
  add_filters(retry, retry_edit.filter);
  retry->add_option("--reason", retry_edit.reason, "why (written to the audit log)")->required();
  auto* skip = queue->add_subcommand("skip", "never send these pending events");
  with_common(skip);
  skip->add_option("ids", skip_edit.ids, "event ids, IDoc numbers or business keys")->required();
  skip->add_option("--reason", skip_edit.reason, "why (written to the audit log)")->required();
  auto* purge = queue->add_subcommand("purge", "delete every pending event the filters match");
  with_common(purge);
  add_filters(purge, purge_edit.filter);
  purge->add_flag("--yes", purge_edit.yes, "confirm: the events are never sent");
  purge->add_option("--reason", purge_edit.reason, "why (written to the audit log)")->required();
  std::string trace_docnum;
  auto* trace =
      app.add_subcommand("trace", "each hop of an IDoc or entity: received, committed, sent, acked, delivered");
  with_common(trace);
  trace->add_option("docnum", trace_docnum, "IDoc number, event id or business key")->required();
  auto* down = app.add_subcommand("down", "CRM records on their way into SAP (docs/down.md)");
  down->require_subcommand(1);
  size_t down_limit = 1000;
  auto* down_ls = down->add_subcommand("ls", "the records committed here and not yet run into SAP, oldest first");
  with_common(down_ls);
  down_ls->add_option("--limit", down_limit, "at most this many")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help answers 0; every usage error is exit code 2, as documented.
    return app.exit(e) == 0 ? kExitOk : kExitConfig;
  }
  if (version) {
    std::cout << ferry::app::VersionLine("ferry-agent") << "\n";
    return kExitOk;
  }
  if (*run) return Run(config_path);
  if (*check) return CheckConfig(config_path);
  if (*enroll) {
    enroll_options.config_path = config_path;
    return ferry::agent::Enroll(enroll_options);
  }
  if (*test) return ferry::agent::RunFlowTest(flow_test);
  if (*status) return ferry::agent::RunStatus(buffer);
  if (*ls) return ferry::agent::RunQueueList(buffer, list);
  if (*show) return ferry::agent::RunQueueShow(buffer, show_id);
  if (*retry) return ferry::agent::RunQueueEdit(buffer, retry_edit);
  if (*skip) return ferry::agent::RunQueueEdit(buffer, skip_edit);
  if (*purge) return ferry::agent::RunQueueEdit(buffer, purge_edit);
  if (*trace) return ferry::agent::RunTrace(buffer, trace_docnum);
  if (*down_ls) return ferry::agent::RunDownList(buffer, down_limit);
  std::cout << app.help();
  return kExitOk;
}
