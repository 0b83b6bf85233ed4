// `flows status` and `flows list`: read-only reports from the registry.

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

#include "common/util/clock.h"
#include "common/util/one_line.h"
#include "controlplane/cli/flows_cli_support.h"
#include "controlplane/cli/flows_command.h"

namespace ferry::controlplane {
namespace {

// "v3 s7", or "-" for nothing.
std::string VersionSequence(uint64_t version, uint64_t sequence) {
  if (version == 0 && sequence == 0) return "-";
  return "v" + std::to_string(version) + " s" + std::to_string(sequence);
}

// The agent's last report about a deployment, as the status column says it.
std::string LastStatus(const ferry::v1::AgentRecord& agent) {
  if (!agent.has_flows() || agent.flows().deployment_sequence() == 0) return "-";
  const auto& f = agent.flows();
  const std::string which = " (s" + std::to_string(f.deployment_sequence()) + ")";
  if (f.applied()) return "applied" + which;
  return "rejected" + which + ": " + OneLine(f.error());
}

template <typename T>
bool ReadOrReport(const Result<T>& result) {
  if (result.ok()) return true;
  std::cerr << "ferry-controlplane: " << result.status().message() << "\n";
  return false;
}

}  // namespace

int FlowsStatus(const FlowsCommandOptions& options) {
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/true, opened)) return rc;
  auto deployments = opened.registry->ListDeployments();
  auto agents = opened.registry->ListAgents();
  if (!ReadOrReport(deployments) || !ReadOrReport(agents)) return kFlowsExitFailure;

  boost::json::array rows;
  if (!options.json) {
    std::printf("%-20s %-12s %-12s %-25s %-30s %s\n", "AGENT", "DESIRED", "RUNNING", "LAST-SEEN", "LABELS", "STATUS");
  }
  for (const auto& agent : *agents) {
    const auto* desired = BundleRegistry::DesiredFor(agent.labels(), *deployments);
    const uint64_t desired_version = desired ? desired->bundle_version() : 0;
    const uint64_t desired_sequence = desired ? desired->sequence() : 0;
    const auto& f = agent.flows();
    if (options.json) {
      const bool reported = agent.has_flows() && f.deployment_sequence() != 0;
      rows.push_back(boost::json::object{{"agent_id", agent.agent_id()},
                                         {"labels", LabelsJson(agent.labels())},
                                         {"desired_version", desired_version},
                                         {"desired_sequence", desired_sequence},
                                         {"running_version", f.running_version()},
                                         {"running_sequence", f.running_sequence()},
                                         {"status", !reported     ? "none"
                                                    : f.applied() ? "applied"
                                                                  : "rejected"},
                                         {"status_sequence", f.deployment_sequence()},
                                         {"status_version", f.bundle_version()},
                                         {"error", f.error()},
                                         {"published_sequence", agent.published_sequence()},
                                         {"last_seen", TimeOrNull(agent.last_seen_unix_ms())},
                                         {"last_seen_unix_ms", agent.last_seen_unix_ms()}});
      continue;
    }
    std::printf("%-20s %-12s %-12s %-25s %-30s %s\n", agent.agent_id().c_str(),
                VersionSequence(desired_version, desired_sequence).c_str(),
                VersionSequence(f.running_version(), f.running_sequence()).c_str(),
                TimeOrDash(agent.last_seen_unix_ms()).c_str(), FormatLabels(agent.labels()).c_str(),
                LastStatus(agent).c_str());
  }
  if (options.json) std::cout << boost::json::serialize(rows) << "\n";
  return kFlowsExitOk;
}

int FlowsList(const FlowsCommandOptions& options) {
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/true, opened)) return rc;
  auto bundles = opened.registry->ListBundles();
  auto deployments = opened.registry->ListDeployments();
  if (!ReadOrReport(bundles) || !ReadOrReport(deployments)) return kFlowsExitFailure;

  if (options.json) {
    boost::json::array bundle_rows, deployment_rows;
    for (const auto& b : *bundles) {
      boost::json::array paths;
      for (const auto& file : b.files()) paths.push_back(boost::json::string(file.path()));
      bundle_rows.push_back(boost::json::object{{"version", b.version()},
                                                {"sha256", b.sha256()},
                                                {"files", std::move(paths)},
                                                {"created", TimeOrNull(b.created_unix_ms())},
                                                {"comment", b.comment()}});
    }
    for (const auto& d : *deployments) {
      deployment_rows.push_back(boost::json::object{{"sequence", d.sequence()},
                                                    {"version", d.bundle_version()},
                                                    {"selector", LabelsJson(d.selector())},
                                                    {"created", TimeOrNull(d.unix_ms())},
                                                    {"comment", d.comment()}});
    }
    std::cout << boost::json::serialize(boost::json::object{{"bundles", std::move(bundle_rows)},
                                                            {"deployments", std::move(deployment_rows)}})
              << "\n";
    return kFlowsExitOk;
  }
  std::printf("bundles:\n%-8s %-12s %-6s %-25s %s\n", "VERSION", "SHA256", "FILES", "CREATED", "COMMENT");
  for (const auto& b : *bundles) {
    std::printf("%-8llu %-12s %-6d %-25s %s\n", static_cast<unsigned long long>(b.version()),
                ShortSha(b.sha256()).c_str(), b.files_size(), TimeOrDash(b.created_unix_ms()).c_str(),
                b.comment().c_str());
  }
  std::printf("\ndeployments:\n%-8s %-8s %-30s %-25s %s\n", "SEQ", "VERSION", "SELECTOR", "CREATED", "COMMENT");
  for (const auto& d : *deployments) {
    std::printf("%-8llu %-8llu %-30s %-25s %s\n", static_cast<unsigned long long>(d.sequence()),
                static_cast<unsigned long long>(d.bundle_version()), FormatSelector(d.selector()).c_str(),
                TimeOrDash(d.unix_ms()).c_str(), d.comment().c_str());
  }
  return kFlowsExitOk;
}

}  // namespace ferry::controlplane
