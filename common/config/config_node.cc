#include "common/config/config_node.h"

#include <boost/asio/ip/address.hpp>

#include "common/config/secret_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>

namespace ferry::config {

struct ConfigState {
  std::string file;
  std::vector<std::string> errors;
  // Keys read through an accessor, as dotted paths.
  std::set<std::string> known;
};

namespace {

// Suffix multipliers for sizes.
bool ParseBytes(std::string text, uint64_t& out) {
  text.erase(std::remove_if(text.begin(), text.end(), ::isspace), text.end());
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 18) return false;
  uint64_t n = std::stoull(text.substr(0, i));
  std::string unit = text.substr(i);
  std::transform(unit.begin(), unit.end(), unit.begin(), ::tolower);
  uint64_t mult = 0;
  if (unit.empty() || unit == "b")
    mult = 1;
  else if (unit == "kib")
    mult = 1ull << 10;
  else if (unit == "mib")
    mult = 1ull << 20;
  else if (unit == "gib")
    mult = 1ull << 30;
  else if (unit == "tib")
    mult = 1ull << 40;
  else if (unit == "kb" || unit == "k")
    mult = 1000;
  else if (unit == "mb" || unit == "m")
    mult = 1000 * 1000;
  else if (unit == "gb" || unit == "g")
    mult = 1000ull * 1000 * 1000;
  else
    return false;
  if (n > UINT64_MAX / mult) return false;  // "16777216TiB" would wrap to 0
  out = n * mult;
  return true;
}

void CollectUnknown(const YAML::Node& node, const std::string& prefix, const ConfigState& state,
                    std::vector<std::string>& errors) {
  // A list read with SectionList: each item's keys are checked too.
  if (node.IsSequence() && state.known.count(prefix + "[0]")) {
    for (size_t i = 0; i < node.size(); ++i)
      CollectUnknown(node[i], prefix + "[" + std::to_string(i) + "]", state, errors);
    return;
  }
  if (!node.IsMap()) return;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      // "? [id]" makes a key of a list: as<std::string>() would throw.
      errors.push_back(state.file + ":" + std::to_string(kv.first.Mark().line + 1) + ": a key under '" + prefix +
                       "' is not plain text");
      continue;
    }
    std::string key = kv.first.as<std::string>();
    std::string path = prefix.empty() ? key : prefix + "." + key;
    if (!state.known.count(path)) {
      errors.push_back(state.file + ":" + std::to_string(kv.first.Mark().line + 1) + ": key '" + path +
                       "' is not a known setting (see docs/configuration.md)");
      continue;
    }
    CollectUnknown(kv.second, path, state, errors);
  }
}

}  // namespace

bool ParseDuration(std::string text, std::chrono::milliseconds& out) {
  text.erase(std::remove_if(text.begin(), text.end(), ::isspace), text.end());
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 12) return false;
  const int64_t n = std::stoll(text.substr(0, i));
  const std::string unit = text.substr(i);
  int64_t ms_per_unit = 0;
  if (unit == "ms")
    ms_per_unit = 1;
  else if (unit == "s")
    ms_per_unit = 1000;
  else if (unit == "m")
    ms_per_unit = 60'000;
  else if (unit == "h")
    ms_per_unit = 3'600'000;
  else if (unit == "d")
    ms_per_unit = 86'400'000;
  else
    return false;
  // Twelve digits of days would overflow the milliseconds.
  if (n > std::numeric_limits<int64_t>::max() / ms_per_unit) return false;
  out = std::chrono::milliseconds(n * ms_per_unit);
  return true;
}

ConfigNode::ConfigNode(YAML::Node node, std::string path, std::shared_ptr<ConfigState> state)
    : node_(std::move(node)), path_(std::move(path)), state_(std::move(state)) {}

std::string ConfigNode::KeyPath(const std::string& key) const {
  if (key.empty()) return path_;
  return path_.empty() ? key : path_ + "." + key;
}

int ConfigNode::Line(const YAML::Node& node) const {
  return node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
}

const YAML::Node ConfigNode::Get(const std::string& key) {
  state_->known.insert(KeyPath(key));
  if (!node_.IsDefined() || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& map = node_;  // const access never inserts the key
  return map[key];
}

bool ConfigNode::Has(const std::string& key) const {
  const YAML::Node& map = node_;
  return map.IsDefined() && map.IsMap() && map[key].IsDefined() && !map[key].IsNull();
}

void ConfigNode::Error(const std::string& key, const std::string& reason) {
  const YAML::Node& map = node_;
  YAML::Node n = map.IsDefined() && map.IsMap() && !key.empty() ? map[key] : YAML::Node();
  int line = Line(n.IsDefined() ? n : node_);
  state_->errors.push_back(state_->file + ":" + (line ? std::to_string(line) : std::string("?")) + ": key '" +
                           KeyPath(key) + "': " + reason);
}

ConfigNode ConfigNode::Section(const std::string& key) {
  YAML::Node n = Get(key);
  if (n.IsDefined() && !n.IsNull() && !n.IsMap()) {
    Error(key, "expected a mapping of settings");
    return ConfigNode(YAML::Node(YAML::NodeType::Undefined), KeyPath(key), state_);
  }
  return ConfigNode(n, KeyPath(key), state_);
}

std::string ConfigNode::String(const std::string& key, const std::string& fallback) {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return fallback;
  if (!n.IsScalar()) {
    Error(key, "expected a single value");
    return fallback;
  }
  return n.Scalar();
}

std::vector<std::string> ConfigNode::StringList(const std::string& key) {
  std::vector<std::string> out;
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) {
    Error(key, "expected a list (one '- value' per line)");
    return out;
  }
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      Error(key, "expected a list of single values");
      return {};
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::vector<ConfigNode> ConfigNode::SectionList(const std::string& key) {
  std::vector<ConfigNode> out;
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) {
    Error(key, "expected a list of mappings (one '- key: value' per item)");
    return out;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string path = KeyPath(key) + "[" + std::to_string(i) + "]";
    state_->known.insert(path);
    if (!n[i].IsMap()) {
      Error(key, "item " + std::to_string(i + 1) + " is not a mapping of settings");
      continue;
    }
    out.push_back(ConfigNode(n[i], path, state_));
  }
  return out;
}

std::vector<std::string> ConfigNode::Keys() const {
  std::vector<std::string> out;
  if (!node_.IsDefined() || !node_.IsMap()) return out;
  for (const auto& kv : node_) out.push_back(kv.first.Scalar());
  return out;
}

std::map<std::string, std::string> ConfigNode::StringMap(const std::string& key) {
  std::map<std::string, std::string> out;
  ConfigNode section = Section(key);
  if (!section.node_.IsDefined() || !section.node_.IsMap()) return out;
  for (const auto& kv : section.node_) {
    const std::string name = kv.first.Scalar();
    out[name] = section.String(name, "");
  }
  return out;
}

std::string ConfigNode::RequiredString(const std::string& key) {
  std::string v = String(key, "");
  const YAML::Node& map = node_;
  if (v.empty() && !(map.IsDefined() && map.IsMap() && map[key].IsDefined() && !map[key].IsScalar())) {
    Error(key, "is required");
  }
  return v;
}

int64_t ConfigNode::Int(const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  std::string text = String(key, "");
  if (text.empty()) return fallback;
  int64_t v = 0;
  size_t used = 0;
  try {
    v = std::stoll(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used != text.size()) {
    Error(key, "expected a whole number, got '" + text + "'");
    return fallback;
  }
  if (v < min || v > max) {
    Error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + text);
    return fallback;
  }
  return v;
}

bool ConfigNode::Bool(const std::string& key, bool fallback) {
  std::string text = String(key, "");
  if (text.empty()) return fallback;
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  Error(key, "expected true or false, got '" + text + "'");
  return fallback;
}

uint64_t ConfigNode::Bytes(const std::string& key, uint64_t fallback) {
  std::string text = String(key, "");
  if (text.empty()) return fallback;
  uint64_t v = 0;
  if (!ParseBytes(text, v)) {
    Error(key, "expected a size such as 512KiB, 16MiB or 2GiB, got '" + text + "'");
    return fallback;
  }
  return v;
}

std::chrono::milliseconds ConfigNode::Duration(const std::string& key, std::chrono::milliseconds fallback) {
  std::string text = String(key, "");
  if (text.empty()) return fallback;
  std::chrono::milliseconds v{0};
  if (!ParseDuration(text, v)) {
    Error(key, "expected a duration such as 250ms, 30s, 5m, 1h or 30d, got '" + text + "'");
    return fallback;
  }
  return v;
}

std::string ConfigNode::SecretFile(const std::string& key) {
  std::string file = String(key, "");
  if (file.empty()) return "";
  Result<std::string> value = ReadSecretFile(file);
  if (!value.ok()) {
    Error(key, std::string(value.status().message()));
    return "";
  }
  return *value;
}

ConfigFile::ConfigFile(YAML::Node root, std::string name)
    : root_(std::move(root)), state_(std::make_shared<ConfigState>()) {
  state_->file = std::move(name);
}

Result<ConfigFile> ConfigFile::Load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return Status::InvalidArgument("cannot read config file " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return FromString(ss.str(), file.string());
}

Result<ConfigFile> ConfigFile::FromString(const std::string& text, const std::string& name) {
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
      return Status::InvalidArgument(name + ":1: the config must be a mapping of sections");
    }
    return ConfigFile(root, name);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                                   std::to_string(e.mark.column + 1) + ": YAML error: " + e.msg);
  }
}

ConfigNode ConfigFile::Root() { return ConfigNode(root_, "", state_); }

Status ConfigFile::Finish() {
  std::vector<std::string> errors = state_->errors;
  CollectUnknown(root_, "", *state_, errors);
  if (errors.empty()) return Status::Ok();
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
  return Status::InvalidArgument(msg);
}

std::optional<HostPort> ConfigNode::ListenAddress(const std::string& key, const std::string& fallback, bool required) {
  const std::string text = required ? RequiredString(key) : String(key, fallback);
  if (text.empty()) return std::nullopt;
  auto address = ParseHostPort(text);
  boost::system::error_code ec;
  if (address.ok()) boost::asio::ip::make_address(address->host, ec);
  if (!address.ok() || ec) {
    Error(key, "must be an IP address and port, e.g. 127.0.0.1:8300 or 0.0.0.0:8443 (got '" + text + "')");
    return std::nullopt;
  }
  return *address;
}

Result<HostPort> ParseHostPort(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("expected host:port, got '" + text + "'");
  }
  HostPort hp;
  hp.host = text.substr(0, colon);
  if (hp.host.size() > 2 && hp.host.front() == '[' && hp.host.back() == ']')
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  std::string port = text.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoi(port) > 65535) {
    return Status::InvalidArgument("port must be a number from 0 to 65535, got '" + port + "'");
  }
  hp.port = static_cast<uint16_t>(std::stoi(port));
  return hp;
}

}  // namespace ferry::config
