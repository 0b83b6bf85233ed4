// Fuzz target: the YAML config reader (ConfigFile / ConfigNode) the agent's
// and the control plane's config loaders are built on. A broken config file
// must come back as an InvalidArgument listing file:line: key: reason, so
// `check-config` can print it; no exception may escape and nothing may
// abort. Errors are returned as Status, so FromString needs no temp file.
//
// The loaders ask for fixed keys; here every key the input holds is read
// with every typed accessor instead, so sizes, durations, numbers, flags,
// string maps and host:port values all see fuzzed text.

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/config/config_node.h"

namespace {

using ferry::config::ConfigNode;

void ReadAll(ConfigNode node, const YAML::Node& yaml, int depth) {
  if (!yaml.IsMap() || depth > 3) return;
  for (const auto& kv : yaml) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    if (kv.second.IsMap()) {
      ReadAll(node.Section(key), kv.second, depth + 1);
      (void)node.StringMap(key);
      continue;
    }
    (void)node.Has(key);
    const std::string text = node.String(key, "");
    (void)node.Int(key, 0, INT64_MIN, INT64_MAX);
    (void)node.Bool(key, false);
    (void)node.Bytes(key, 0);
    (void)node.Duration(key, std::chrono::milliseconds(0));
    (void)ferry::config::ParseHostPort(text);
    // SecretFile is left out: it would read whatever file the input names.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto file = ferry::config::ConfigFile::FromString(text, "fuzz.yaml");
  if (!file.ok()) return 0;
  // FromString parsed the same text without an error, so this cannot throw.
  const YAML::Node yaml = YAML::Load(text);
  ReadAll(file->Root(), yaml, 0);
  (void)file->Finish();
  return 0;
}
