// ferry-agent: the edge agent beside SAP. See README.md for the commands.

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>
#include <iostream>

#include "agent/agent.h"
#include "agent/agent_config.h"
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
  ferry::app::RunUntilSignal(io, [&](std::function<void()> done) { (*agent)->Shutdown(std::move(done)); });
  return kExitOk;
}

int CheckConfig(const std::string& config_path) {
  auto config = ferry::agent::LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-agent: invalid configuration:\n" << config.status().message() << "\n";
    return kExitConfig;
  }
  std::cout << config_path << ": OK (agent " << config->agent_id << ", " << config->sources.size()
            << " source(s), broker " << config->mqtt.broker_url << ")\n";
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
  auto* flow = app.add_subcommand("flow", "work with flow bundles locally");
  flow->require_subcommand(1);
  ferry::agent::FlowTestOptions flow_test;
  flow_test.standard_dir = "/usr/share/ferry/flows/standard";
  auto* test = flow->add_subcommand("test", "map IDoc files with a bundle and print the records; sends nothing");
  test->add_option("-b,--bundle", flow_test.bundle, "a flow file or a folder of flow files")->required();
  test->add_option("-i,--input", flow_test.inputs, "IDoc-XML file(s)")->required();
  test->add_option("--standard", flow_test.standard_dir, "folder of the standard flows")->capture_default_str();
  test->add_flag("--json", flow_test.json, "one JSON object per IDoc");
  CLI11_PARSE(app, argc, argv);
  if (version) {
    std::cout << ferry::app::VersionLine("ferry-agent") << "\n";
    return kExitOk;
  }
  if (*run) return Run(config_path);
  if (*check) return CheckConfig(config_path);
  if (*test) return ferry::agent::RunFlowTest(flow_test);
  std::cout << app.help();
  return kExitOk;
}
