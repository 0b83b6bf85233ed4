// ferry-controlplane: ingest from the agent fleet and delivery to targets.

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <iostream>

#include "common/app/run_loop.h"
#include "common/crypto/ed25519.h"
#include "common/log/log.h"
#include "controlplane/cli/agents_command.h"
#include "controlplane/cli/dlq_command.h"
#include "controlplane/cli/down_command.h"
#include "controlplane/cli/flows_command.h"
#include "controlplane/cli/tokens_command.h"
#include "controlplane/cli/users_command.h"
#include "controlplane/controlplane.h"
#include "controlplane/cp_config.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfig = 2;
constexpr int kExitStartup = 3;

int Run(const std::string& config_path) {
  auto config = ferry::controlplane::LoadControlPlaneConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-controlplane: invalid configuration:\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  ferry::log::Init("controlplane", config->log_level);
  boost::asio::io_context io(1);
  auto cp = ferry::controlplane::ControlPlane::Create(std::move(config.value()), io);
  if (!cp.ok()) {
    spdlog::critical("event=startup_failed error=\"{}\"", cp.status().ToString());
    return kExitStartup;
  }
  ferry::Status started = (*cp)->Start();
  if (!started.ok()) {
    spdlog::critical("event=startup_failed error=\"{}\"", started.ToString());
    return kExitStartup;
  }
  // Started: the store is open and the broker connection is under way in
  // the background, so systemd may be told READY=1 (RunUntilSignal does).
  ferry::app::RunUntilSignal(
      io, [&](std::function<void()> done) { (*cp)->Shutdown(std::move(done)); }, [&] { return (*cp)->StatusSummary(); },
      [&] {
        // SIGHUP: the log level. Connector secrets are read at each use
        // anyway; every other setting applies at the next restart.
        auto fresh = ferry::controlplane::LoadControlPlaneConfig(config_path);
        if (!fresh.ok()) {
          spdlog::error("event=reload_refused reason=\"invalid configuration: {}\"", fresh.status().message());
          return;
        }
        if (ferry::Status s = ferry::log::SetLevel(fresh->log_level); !s.ok()) {
          spdlog::error("event=reload_refused reason=\"{}\"", s.message());
          return;
        }
        spdlog::info("event=reloaded log_level={}", fresh->log_level);
      });
  return kExitOk;
}

int CheckConfig(const std::string& config_path) {
  auto config = ferry::controlplane::LoadControlPlaneConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-controlplane: invalid configuration:\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  // The loader leaves the signing key to start-up; check it here as well,
  // so a bad key is found before the daemon is restarted.
  if (!config->flows.signing_key_file.empty()) {
    auto key = ferry::crypto::SigningKey::LoadPemFile(config->flows.signing_key_file);
    if (!key.ok()) {
      std::cerr << "ferry-controlplane: invalid configuration:\nflows.signing_key_file: " << key.status().message()
                << "\n";
      return kExitConfig;
    }
  }
  std::string connectors;
  for (const auto& [name, builder] : config->connectors) connectors += (connectors.empty() ? "" : ",") + name;
  std::cout << config_path << ": OK (control plane " << config->id << ", connectors " << connectors << ", default "
            << config->delivery.default_connector << ", broker "
            << (config->mqtt.broker_url.empty() ? "none" : config->mqtt.broker_url) << ", websocket listener "
            << (config->websocket.host.empty() ? "none"
                                               : config->websocket.host + ":" + std::to_string(config->websocket.port))
            << ")\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ferry-controlplane: receives events from Ferry agents and delivers them to CRM targets"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "print version and build information");
  std::string config_path = "/etc/ferry/controlplane.yaml";
  bool json = false;
  size_t limit = 100;
  auto* run = app.add_subcommand("run", "run the control plane (foreground; systemd runs it this way)");
  run->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  auto* check = app.add_subcommand("check-config", "validate a configuration file and exit");
  check->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  auto* status = app.add_subcommand("status", "delivery queue depth and dead-letter count");
  status->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  status->add_flag("--json", json, "machine-readable output");
  auto* dlq = app.add_subcommand("dlq", "dead-letter queue");
  dlq->require_subcommand(1);
  auto* dlq_list = dlq->add_subcommand("list", "list dead letters with their reasons");
  dlq_list->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  dlq_list->add_flag("--json", json, "machine-readable output");
  dlq_list->add_option("--limit", limit, "at most this many rows")->capture_default_str();
  auto* down = app.add_subcommand("down", "CRM records on their way into SAP");
  down->require_subcommand(1);
  auto* down_list = down->add_subcommand("list", "records no agent has committed yet, oldest first");
  down_list->add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  down_list->add_flag("--json", json, "machine-readable output");
  down_list->add_option("--limit", limit, "at most this many rows")->capture_default_str();
  ferry::controlplane::DeadLetterActionOptions dlq_action;
  dlq_action.config_path = config_path;
  auto* dlq_replay = dlq->add_subcommand("replay", "send dead letters to delivery again (the daemon must run)");
  auto* dlq_discard = dlq->add_subcommand("discard", "remove dead letters for good, with a reason");
  for (auto* cmd : {dlq_replay, dlq_discard}) {
    cmd->add_option("-c,--config", dlq_action.config_path, "configuration file")->capture_default_str();
    cmd->add_option("seqs", dlq_action.seqs, "dead-letter sequences (dlq list)");
    cmd->add_option("--connector", dlq_action.connector, "those of this connector");
    cmd->add_option("--agent", dlq_action.agent, "those from this agent");
    cmd->add_option("--type", dlq_action.mestyp, "those of this message type, e.g. DEBMAS");
    cmd->add_option("--docnum", dlq_action.docnum, "those of this IDoc number");
    cmd->add_option("--reason-text", dlq_action.reason_text, "those whose reason contains this text");
    cmd->add_flag("--json", dlq_action.json, "machine-readable output");
  }
  dlq_discard->add_option("--reason", dlq_action.reason, "why they are discarded (audited)")->required();
  ferry::controlplane::FlowsCommandOptions flows;
  flows.config_path = config_path;
  auto* flows_cmd = app.add_subcommand("flows", "flow bundles: keys, deployments, what the agents run");
  flows_cmd->require_subcommand(1);
  auto* keygen = flows_cmd->add_subcommand("keygen", "write a new bundle signing key pair");
  keygen->add_option("--out", flows.out, "private key file; the public key goes to FILE.pub")->required();
  auto* deploy = flows_cmd->add_subcommand("deploy", "compile a bundle, store it as a version and deploy it");
  auto* rollback = flows_cmd->add_subcommand("rollback", "deploy an earlier bundle version again");
  auto* flows_status = flows_cmd->add_subcommand("status", "per agent: desired and running bundle, last status");
  auto* flows_list = flows_cmd->add_subcommand("list", "bundle versions and deployments");
  auto* diff = flows_cmd->add_subcommand("diff", "what each flow changes in the standard flow it extends");
  for (auto* sub : {deploy, rollback, flows_status, flows_list}) {
    sub->add_option("-c,--config", flows.config_path, "configuration file")->capture_default_str();
  }
  for (auto* sub : {deploy, diff}) {
    sub->add_option("-b,--bundle", flows.bundle, "a flow file or a folder of flow files")->required();
    sub->add_option("--standard", flows.standard_dir, "folder of the standard flows")->capture_default_str();
  }
  for (auto* sub : {deploy, rollback}) {
    sub->add_option("--selector", flows.selector, "agents whose labels include all of k=v,k=v (default: every agent)");
    sub->add_option("--comment", flows.comment, "kept with the deployment");
  }
  rollback->add_option("--to-version", flows.to_version, "the bundle version to deploy")->required();
  for (auto* sub : {flows_status, flows_list}) sub->add_flag("--json", flows.json, "machine-readable output");
  ferry::controlplane::AgentsCommandOptions agents;
  agents.config_path = config_path;
  auto* agents_cmd = app.add_subcommand("agents", "the fleet: enrollment tokens, identities, revocation");
  agents_cmd->require_subcommand(1);
  auto* agents_add = agents_cmd->add_subcommand("add", "invite an agent: print a one-time enrollment token");
  agents_add->add_option("agent_id", agents.agent_id, "the agent's id")->required();
  agents_add->add_option("--labels", agents.labels, "k=v,k=v: the agent's labels");
  agents_add->add_option("--expires", agents.expires, "how long the token works")->capture_default_str();
  auto* agents_ls = agents_cmd->add_subcommand("ls", "every agent: state, certificate, last seen");
  agents_ls->add_flag("--json", agents.json, "machine-readable output");
  auto* agents_label = agents_cmd->add_subcommand("label", "set the labels an agent's bundles are chosen by");
  agents_label->add_option("agent_id", agents.agent_id, "the agent's id")->required();
  agents_label->add_option("--labels", agents.labels, "k=v,k=v: all its labels (empty: none)")->required();
  auto* agents_revoke = agents_cmd->add_subcommand("revoke", "refuse an agent from now on and write a new CRL");
  agents_revoke->add_option("agent_id", agents.agent_id, "the agent's id")->required();
  agents_revoke->add_option("--reason", agents.reason, "why; kept with the agent")->required();
  ferry::controlplane::UsersCommandOptions users;
  users.config_path = config_path;
  auto* users_cmd = app.add_subcommand("users", "the console's local users");
  users_cmd->require_subcommand(1);
  auto* users_add = users_cmd->add_subcommand("add", "add a user (the password from stdin or --password-file)");
  users_add->add_option("name", users.name, "the user's name")->required();
  users_add->add_option("--role", users.role, "viewer, operator or admin")->required();
  auto* users_passwd = users_cmd->add_subcommand("passwd", "set a user's password");
  users_passwd->add_option("name", users.name, "the user's name")->required();
  for (auto* sub : {users_add, users_passwd}) {
    sub->add_option("--password-file", users.password_file, "read the password from this file ('-': stdin)");
  }
  auto* users_role = users_cmd->add_subcommand("role", "change a user's role");
  users_role->add_option("name", users.name, "the user's name")->required();
  users_role->add_option("--role", users.role, "viewer, operator or admin")->required();
  auto* users_rm = users_cmd->add_subcommand("rm", "remove a user");
  users_rm->add_option("name", users.name, "the user's name")->required();
  auto* users_ls = users_cmd->add_subcommand("ls", "every user and their role");
  users_ls->add_flag("--json", users.json, "machine-readable output");
  for (auto* sub : {users_add, users_passwd, users_role, users_rm, users_ls}) {
    sub->add_option("-c,--config", users.config_path, "configuration file")->capture_default_str();
  }
  ferry::controlplane::TokensCommandOptions tokens;
  tokens.config_path = config_path;
  auto* tokens_cmd = app.add_subcommand("tokens", "API tokens for scripts");
  tokens_cmd->require_subcommand(1);
  auto* tokens_add = tokens_cmd->add_subcommand("add", "make a token (printed once, on stdout)");
  tokens_add->add_option("name", tokens.name, "what the token is for")->required();
  tokens_add->add_option("--role", tokens.role, "viewer, operator or admin")->required();
  tokens_add->add_option("--expires", tokens.expires, "valid for this long, e.g. 90d (default: until revoked)");
  auto* tokens_ls = tokens_cmd->add_subcommand("ls", "every token (never the secrets)");
  tokens_ls->add_flag("--json", tokens.json, "machine-readable output");
  auto* tokens_rm = tokens_cmd->add_subcommand("rm", "revoke a token");
  tokens_rm->add_option("id", tokens.name, "the token's id (tokens ls)")->required();
  for (auto* sub : {tokens_add, tokens_ls, tokens_rm}) {
    sub->add_option("-c,--config", tokens.config_path, "configuration file")->capture_default_str();
  }
  auto* pki_cmd = app.add_subcommand("pki", "the control plane's CA");
  pki_cmd->require_subcommand(1);
  auto* issue_server = pki_cmd->add_subcommand("issue-server", "a server key and certificate (the broker's)");
  issue_server->add_option("--name", agents.name, "the certificate's common name")->required();
  issue_server->add_option("--host", agents.hosts, "a DNS name or IP address clients connect to")->required();
  issue_server->add_option("--out", agents.out, "file for key, certificate and CA chain (mode 0600)")->required();
  for (auto* sub : {agents_add, agents_ls, agents_label, agents_revoke, issue_server}) {
    sub->add_option("-c,--config", agents.config_path, "configuration file")->capture_default_str();
  }
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::cout << ferry::app::VersionLine("ferry-controlplane") << "\n";
    return kExitOk;
  }
  if (*run) return Run(config_path);
  if (*check) return CheckConfig(config_path);
  if (*status) return ferry::controlplane::PrintStatus(config_path, json);
  if (*dlq_list) return ferry::controlplane::ListDeadLetters(config_path, json, limit);
  if (*down_list) return ferry::controlplane::ListDownCommands(config_path, json, limit);
  if (*dlq_replay || *dlq_discard) {
    dlq_action.replay = static_cast<bool>(*dlq_replay);
    return ferry::controlplane::ActOnDeadLetters(dlq_action);
  }
  if (*keygen) return ferry::controlplane::FlowsKeygen(flows);
  if (*deploy) return ferry::controlplane::FlowsDeploy(flows);
  if (*rollback) return ferry::controlplane::FlowsRollback(flows);
  if (*flows_status) return ferry::controlplane::FlowsStatus(flows);
  if (*flows_list) return ferry::controlplane::FlowsList(flows);
  if (*diff) return ferry::controlplane::FlowsDiff(flows);
  if (*agents_add) return ferry::controlplane::AgentsAdd(agents);
  if (*agents_ls) return ferry::controlplane::AgentsList(agents);
  if (*agents_label) return ferry::controlplane::AgentsLabel(agents);
  if (*agents_revoke) return ferry::controlplane::AgentsRevoke(agents);
  if (*issue_server) return ferry::controlplane::PkiIssueServer(agents);
  if (*users_add) return ferry::controlplane::UsersAdd(users);
  if (*users_passwd) return ferry::controlplane::UsersPasswd(users);
  if (*users_role) return ferry::controlplane::UsersRole(users);
  if (*users_rm) return ferry::controlplane::UsersRemove(users);
  if (*users_ls) return ferry::controlplane::UsersList(users);
  if (*tokens_add) return ferry::controlplane::TokensAdd(tokens);
  if (*tokens_ls) return ferry::controlplane::TokensList(tokens);
  if (*tokens_rm) return ferry::controlplane::TokensRemove(tokens);
  std::cout << app.help();
  return kExitOk;
}
