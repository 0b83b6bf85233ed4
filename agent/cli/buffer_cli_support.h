#pragma once
// What the buffer commands share: the agent's store opened for reading, the
// running agent's state through its control socket, times in and out, and
// an event as JSON.

#include <boost/json.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agent/agent_config.h"
#include "agent/buffer/buffer_view.h"
#include "common/status.h"
#include "common/store/store.h"

namespace ferry::agent::cli {

constexpr int kExitOk = 0;
constexpr int kExitNothing = 1;
constexpr int kExitUsage = 2;
constexpr int kExitAgent = 3;
constexpr int kExitStore = 4;

struct Opened {
  AgentConfig config;
  std::unique_ptr<store::Store> store;
  // The running agent's answer to "state"; nullopt when it is not running.
  std::optional<boost::json::object> agent_state;
  std::set<uint64_t> in_flight;
  uid_t caller_uid = 0;  // who ran the command (before Open dropped root)
};

// Loads the configuration, asks the agent for its state and opens the store
// read-only. Run as root, it first becomes the owner of the data folder (the
// service user): root never opens files in a folder that user can change.
// On failure prints the reason and returns the exit code.
int Open(const std::string& config_path, Opened& out);

// "2026-11-22T10:00:00Z", "2026-11-22T10:00:00", "2026-11-22" (UTC) or an
// age before now: "90s", "30m", "2h", "7d". 0 for an empty text.
Result<int64_t> ParseTime(const std::string& text, int64_t now_unix_ms);
// "2026-11-22T10:00:00.123Z"; "-" for 0.
std::string FormatTime(int64_t unix_ms);

// Everything `queue ls --json` prints for an event; with `full`, what `queue
// show` adds: control record, payload, records, attempts, delivery report.
boost::json::object EventJson(const EventView& view, bool full);
// The one-line reason or result of an event (error, record id, note).
std::string Detail(const EventView& view);

Result<ViewFilter> FilterFrom(const std::string& state, const std::string& message_type, const std::string& sender,
                              const std::string& business_key, const std::string& docnum, const std::string& since,
                              const std::string& until);

}  // namespace ferry::agent::cli
