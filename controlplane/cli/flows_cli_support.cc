#include "controlplane/cli/flows_cli_support.h"

#include <iostream>
#include <map>

#include "common/app/run_as_owner.h"
#include "common/util/clock.h"
#include "controlplane/controlplane.h"

namespace ferry::controlplane {
namespace {

std::string Trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  const size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

std::string JoinSorted(const Labels& labels, const char* separator) {
  const std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  std::string out;
  for (const auto& [key, value] : sorted) out += (out.empty() ? "" : separator) + key + "=" + value;
  return out;
}

}  // namespace

int CommandFailed(int code, const std::string& message) {
  std::cerr << "ferry-controlplane: " << message << "\n";
  return code;
}

int OpenRegistry(const std::string& config_path, bool read_only, OpenedRegistry& out) {
  auto config = LoadControlPlaneConfig(config_path);
  if (!config.ok()) {
    std::cerr << "ferry-controlplane: invalid configuration:\n" << config.status().message() << "\n";
    return kFlowsExitInput;
  }
  out.config = std::move(config).value();
  // As root: the service user's files stay the service user's.
  if (Status s = app::BecomeOwnerOf(out.config.data_dir); !s.ok()) {
    std::cerr << "ferry-controlplane: " << s.message() << "\n";
    return kFlowsExitFailure;
  }
  auto options = ControlPlaneStoreOptions(out.config.data_dir, out.config.map_size_bytes);
  options.read_only = read_only;
  auto store = store::Store::Open(options);
  if (!store.ok()) {
    std::cerr << "ferry-controlplane: cannot open the store: " << store.status().message() << "\n";
    return kFlowsExitFailure;
  }
  out.store = std::move(store).value();
  out.registry = std::make_unique<BundleRegistry>(*out.store);
  return kFlowsExitOk;
}

int ParseSelector(const std::string& text, Selector& out) {
  out.clear();
  if (Trim(text).empty()) return kFlowsExitOk;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    const size_t eq = item.find('=');
    const std::string key = eq == std::string::npos ? "" : Trim(item.substr(0, eq));
    if (key.empty()) {
      std::cerr << "ferry-controlplane: --selector: '" << Trim(item) << "' is not key=value\n";
      return kFlowsExitInput;
    }
    if (!out.emplace(key, Trim(item.substr(eq + 1))).second) {
      std::cerr << "ferry-controlplane: --selector: key '" << key << "' given twice\n";
      return kFlowsExitInput;
    }
    start = comma + 1;
  }
  return kFlowsExitOk;
}

std::string FormatSelector(const Labels& selector) {
  if (selector.empty()) return "{} (every agent)";
  return "{" + JoinSorted(selector, ", ") + "}";
}

std::string FormatLabels(const Labels& labels) { return labels.empty() ? "-" : JoinSorted(labels, ","); }

boost::json::object LabelsJson(const Labels& labels) {
  boost::json::object out;
  for (const auto& [key, value] : labels) out[key] = value;
  return out;
}

std::string TimeOrDash(int64_t unix_ms) { return unix_ms > 0 ? FormatIsoTimeMs(unix_ms) : "-"; }

boost::json::value TimeOrNull(int64_t unix_ms) {
  if (unix_ms <= 0) return nullptr;
  return boost::json::string(FormatIsoTimeMs(unix_ms));
}

std::string ShortSha(const std::string& sha256) { return sha256.substr(0, 12); }

}  // namespace ferry::controlplane
