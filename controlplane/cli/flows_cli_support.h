#pragma once
// What the `flows` subcommands share: exit codes, opening the registry from
// a config file, and reading and writing selectors and labels.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <string>

#include "common/store/store.h"
#include "controlplane/cp_config.h"
#include "controlplane/flows/bundle_registry.h"

namespace ferry::controlplane {

inline constexpr int kFlowsExitOk = 0;
inline constexpr int kFlowsExitFailure = 1;  // store, not found, cannot write
inline constexpr int kFlowsExitInput = 2;    // config, bundle, selector

// Prints "ferry-controlplane: <message>" on stderr and returns `code`, the
// exit code of a subcommand that failed.
int CommandFailed(int code, const std::string& message);

struct OpenedRegistry {
  ControlPlaneConfig config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<BundleRegistry> registry;
};

// Loads the config and opens its store; prints the reason and returns the
// exit code on failure, 0 on success. Read-write is for deploy and rollback:
// the daemon may hold the store open at the same time.
int OpenRegistry(const std::string& config_path, bool read_only, OpenedRegistry& out);

// "k=v,k=v" (spaces around either allowed; empty: every agent). Prints the
// problem and returns kFlowsExitInput on a malformed selector.
int ParseSelector(const std::string& text, Selector& out);

// "{k=v, k=v}" sorted by key; "{} (every agent)" when empty.
std::string FormatSelector(const Labels& selector);
// "k=v,k=v" sorted by key; "-" when empty.
std::string FormatLabels(const Labels& labels);
// Labels as a JSON object.
boost::json::object LabelsJson(const Labels& labels);
// An ISO time, or "-" (text) and null (JSON) for 0: never.
std::string TimeOrDash(int64_t unix_ms);
boost::json::value TimeOrNull(int64_t unix_ms);

// The first 12 hex digits: enough to tell versions apart on screen.
std::string ShortSha(const std::string& sha256);

}  // namespace ferry::controlplane
