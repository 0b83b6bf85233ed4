#include "controlplane/cli/flows_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "common/crypto/ed25519.h"
#include "common/flows/flow_set.h"
#include "common/flows/flow_spec.h"
#include "common/util/clock.h"
#include "controlplane/cli/flows_cli_support.h"
#include "controlplane/controlplane.h"
#include "controlplane/cp_config.h"
#include "controlplane/flows/bundle_registry.h"

namespace ferry::controlplane {
namespace {

// Reads and compiles the bundle; compile errors go to stderr as the compiler
// wrote them (file:line: key: reason, one per line).
int ReadAndCompile(const FlowsCommandOptions& options, std::vector<flows::BundleFile>& files,
                   std::shared_ptr<const flows::FlowSet>& compiled) {
  auto read = flows::ReadBundleFiles(options.bundle, options.standard_dir);
  if (!read.ok()) {
    std::cerr << "ferry-controlplane: " << read.status().message() << "\n";
    return kFlowsExitInput;
  }
  auto set = flows::FlowSet::Compile(*read);
  if (!set.ok()) {
    std::cerr << "ferry-controlplane: the bundle does not compile:\n" << set.status().message() << "\n";
    return kFlowsExitInput;
  }
  files = std::move(read).value();
  compiled = std::move(set).value();
  return kFlowsExitOk;
}

// "2 of 5 known agents match" for a new deployment.
void PrintReach(const BundleRegistry& registry, const Selector& selector) {
  auto agents = registry.ListAgents();
  if (!agents.ok()) {
    std::cout << "known agents: cannot be read (" << agents.status().message() << ")\n";
    return;
  }
  size_t matching = 0;
  for (const auto& agent : *agents) matching += BundleRegistry::Matches(selector, agent.labels()) ? 1 : 0;
  std::cout << matching << " of " << agents->size() << " known agents match";
  if (agents->empty()) std::cout << " (an agent is known from its first heartbeat)";
  std::cout << "\n";
}

void NoteIfDistributionOff(const FlowsCommandOptions& options, const ControlPlaneConfig& config) {
  if (!config.flows.signing_key_file.empty()) return;
  std::cerr << "note: flows.signing_key_file is not set in " << options.config_path
            << ": the control plane records this deployment but does not send it to agents\n";
}

// Creates `path` with `mode`; never replaces an existing file.
Status WriteNewFile(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return Status::AlreadyExists(path.string() + ": exists; not replaced");
    return Status::FailedPrecondition(path.string() + ": " + std::strerror(errno));
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const int saved = errno;
  const bool closed = ::close(fd) == 0;
  if (!written || !closed) {
    std::filesystem::remove(path);
    return Status::Unavailable(path.string() + ": " + std::strerror(written ? errno : saved));
  }
  return Status::Ok();
}

}  // namespace

int FlowsKeygen(const FlowsCommandOptions& options) {
  const std::filesystem::path private_path = options.out;
  const std::filesystem::path public_path = options.out + ".pub";
  // Checked before anything is written, so a refusal leaves no half pair.
  for (const auto& path : {private_path, public_path}) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      std::cerr << "ferry-controlplane: " << path.string() << " exists; not replaced\n";
      return kFlowsExitInput;
    }
  }
  auto key = crypto::SigningKey::Generate();
  if (!key.ok()) {
    std::cerr << "ferry-controlplane: " << key.status().message() << "\n";
    return kFlowsExitFailure;
  }
  Status s = key->WritePrivatePemFile(private_path);
  if (s.ok()) {
    s = WriteNewFile(public_path, key->PublicKeyPem(), 0644);
    if (!s.ok()) std::filesystem::remove(private_path);
  }
  if (!s.ok()) {
    std::cerr << "ferry-controlplane: " << s.message() << "\n";
    return s.code() == StatusCode::kAlreadyExists ? kFlowsExitInput : kFlowsExitFailure;
  }
  std::cout << "key id " << key->KeyId() << "\n"
            << "private key: " << private_path.string() << " (mode 0600; the control plane's flows.signing_key_file)\n"
            << "public key:  " << public_path.string() << " (the agents' flows.trusted_key_file)\n";
  return kFlowsExitOk;
}

int FlowsDeploy(const FlowsCommandOptions& options) {
  Selector selector;
  if (int rc = ParseSelector(options.selector, selector)) return rc;
  std::vector<flows::BundleFile> files;
  std::shared_ptr<const flows::FlowSet> compiled;
  if (int rc = ReadAndCompile(options, files, compiled)) return rc;
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/false, opened)) return rc;

  const int64_t before = NowUnixMs();
  auto bundle = opened.registry->AddBundle(files, options.comment);
  if (!bundle.ok()) {
    std::cerr << "ferry-controlplane: cannot store the bundle: " << bundle.status().message() << "\n";
    return kFlowsExitFailure;
  }
  auto deployment = opened.registry->AddDeployment(bundle->version(), selector, options.comment);
  if (!deployment.ok()) {
    std::cerr << "ferry-controlplane: cannot store the deployment: " << deployment.status().message() << "\n";
    return kFlowsExitFailure;
  }
  // AddBundle hands back the newest version unchanged when the files are
  // the same; say so, since no new version was made.
  const bool reused = bundle->created_unix_ms() < before;
  std::cout << "bundle version " << bundle->version() << " (" << (reused ? "unchanged, " : "") << "sha256 "
            << ShortSha(bundle->sha256()) << "), deployment " << deployment->sequence() << " to agents matching "
            << FormatSelector(deployment->selector()) << "\n";
  PrintReach(*opened.registry, selector);
  NoteIfDistributionOff(options, opened.config);
  return kFlowsExitOk;
}

int FlowsRollback(const FlowsCommandOptions& options) {
  Selector selector;
  if (int rc = ParseSelector(options.selector, selector)) return rc;
  if (options.to_version == 0) {
    std::cerr << "ferry-controlplane: --to-version must be a bundle version (1 or above)\n";
    return kFlowsExitInput;
  }
  OpenedRegistry opened;
  if (int rc = OpenRegistry(options.config_path, /*read_only=*/false, opened)) return rc;
  auto bundle = opened.registry->GetBundle(options.to_version);
  if (!bundle.ok()) {
    std::cerr << "ferry-controlplane: " << bundle.status().message() << " (see `flows list`)\n";
    return kFlowsExitFailure;
  }
  const std::string comment =
      options.comment.empty() ? "rollback to version " + std::to_string(options.to_version) : options.comment;
  auto deployment = opened.registry->AddDeployment(options.to_version, selector, comment);
  if (!deployment.ok()) {
    std::cerr << "ferry-controlplane: cannot store the deployment: " << deployment.status().message() << "\n";
    return kFlowsExitFailure;
  }
  std::cout << "deployment " << deployment->sequence() << " of bundle version " << bundle->version() << " (sha256 "
            << ShortSha(bundle->sha256()) << ") to agents matching " << FormatSelector(deployment->selector()) << "\n";
  PrintReach(*opened.registry, selector);
  NoteIfDistributionOff(options, opened.config);
  return kFlowsExitOk;
}

int FlowsDiff(const FlowsCommandOptions& options) {
  std::vector<flows::BundleFile> files;
  std::shared_ptr<const flows::FlowSet> compiled;
  if (int rc = ReadAndCompile(options, files, compiled)) return rc;
  for (const auto& flow : compiled->flows()) {
    if (!flow->standard) {
      std::cout << "flow " << flow->id << ": no standard (all its own)\n";
      continue;
    }
    const std::string base = flow->spec.extends ? *flow->spec.extends : flow->standard->id;
    std::cout << "flow " << flow->id << " extends " << base << ":\n";
    const std::vector<std::string> lines = flows::DiffFlows(*flow->standard, flow->spec);
    if (lines.empty()) std::cout << "  (no differences)\n";
    for (const auto& line : lines) std::cout << "  " << line << "\n";
  }
  return kFlowsExitOk;
}

}  // namespace ferry::controlplane
