#pragma once
// Reading a YAML config with validation that names the file, the line, the
// key and the reason for every problem, and rejects keys nobody asked for
// (a typo in a key must not silently fall back to a default).
//
// Usage: load a ConfigFile, read values through ConfigNode accessors (each
// accessor records the key as known), then call Finish(): it returns
// InvalidArgument listing every error found, or OK.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace ferry::config {

struct ConfigState;

// "250ms", "30s", "5m", "1h", "30d" (spaces ignored); false for anything else.
bool ParseDuration(std::string text, std::chrono::milliseconds& out);

// "host:port" (IPv4, [IPv6] or name).
struct HostPort {
  std::string host;
  uint16_t port = 0;
};

class ConfigNode {
 public:
  // A nested mapping; absent → an empty node whose accessors return defaults.
  ConfigNode Section(const std::string& key);
  bool Has(const std::string& key) const;

  std::string String(const std::string& key, const std::string& fallback);
  // A YAML sequence of single values; absent → empty.
  std::vector<std::string> StringList(const std::string& key);
  std::string RequiredString(const std::string& key);
  int64_t Int(const std::string& key, int64_t fallback, int64_t min, int64_t max);
  bool Bool(const std::string& key, bool fallback);
  // "512", "64KiB", "16MiB", "2GiB" (also KB/MB/GB as powers of 1000).
  uint64_t Bytes(const std::string& key, uint64_t fallback);
  // "250ms", "30s", "5m", "1h", "30d".
  std::chrono::milliseconds Duration(const std::string& key, std::chrono::milliseconds fallback);
  // Secret from a file named by `key` (e.g. password_file); trailing newline
  // stripped. The value itself is never part of an error message.
  std::string SecretFile(const std::string& key);
  // A listener's "ip:port" (IPv4 or [IPv6]); `fallback` when absent (empty:
  // none, or an error when `required`). nullopt when there is none or it is
  // not an IP address and port (the error recorded).
  std::optional<HostPort> ListenAddress(const std::string& key, const std::string& fallback, bool required = false);

  // A YAML sequence of mappings (e.g. the entity sets a poller reads), each
  // a node of its own named "key[i]"; its unknown keys are reported too.
  std::vector<ConfigNode> SectionList(const std::string& key);

  // The keys of this mapping, in file order (e.g. named webhooks); empty
  // when absent or not a mapping.
  std::vector<std::string> Keys() const;

  // A mapping of free-form keys to single values (e.g. agent labels).
  std::map<std::string, std::string> StringMap(const std::string& key);

  // Records an error at this node's key (for checks across several values).
  void Error(const std::string& key, const std::string& reason);
  const std::string& path() const { return path_; }

 private:
  friend class ConfigFile;
  ConfigNode(YAML::Node node, std::string path, std::shared_ptr<ConfigState> state);
  const YAML::Node Get(const std::string& key);
  std::string KeyPath(const std::string& key) const;
  int Line(const YAML::Node& node) const;

  YAML::Node node_;
  std::string path_;
  std::shared_ptr<ConfigState> state_;
};

class ConfigFile {
 public:
  // Parse errors → InvalidArgument "file:line:col: YAML error: ...".
  static Result<ConfigFile> Load(const std::filesystem::path& file);
  static Result<ConfigFile> FromString(const std::string& text, const std::string& name);

  ConfigNode Root();
  // Every error found so far, plus unknown keys; OK when there are none.
  Status Finish();

 private:
  ConfigFile(YAML::Node root, std::string name);
  YAML::Node root_;
  std::shared_ptr<ConfigState> state_;
};

// Parses "host:port".
Result<HostPort> ParseHostPort(const std::string& text);

}  // namespace ferry::config
