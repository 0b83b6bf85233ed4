#include "controlplane/cli/down_command.h"

#include <boost/json.hpp>

#include <cstdio>
#include <iostream>

#include "common/util/clock.h"
#include "common/util/utf8.h"
#include "controlplane/cli/store_reader.h"
#include "ferry/v1/event.pb.h"

namespace ferry::controlplane {
namespace {

// What the command waits for: its record to be read whole from the CRM,
// or an agent to commit it.
const char* WaitingFor(const ferry::v1::DownCommand& command) { return command.read_first() ? "read" : "agent"; }

}  // namespace

int ListDownCommands(const std::string& config_path, bool json, size_t limit) {
  OpenedQueues q;
  if (int rc = OpenReadOnly(config_path, q)) return rc;
  auto records = q.down->ReadAfter(0, limit, SIZE_MAX);
  if (!records.ok()) {
    std::cerr << "ferry-controlplane: " << records.status().message() << "\n";
    return 4;
  }
  const int64_t now = NowUnixMs();
  boost::json::array rows;
  if (!json)
    std::cout << "SEQ  RECEIVED                  DIR   CHANNEL              OBJECT          RECORD              "
                 "REPLAYS  WAITING  FOR\n";
  for (const store::QueueRecord& record : *records) {
    ferry::v1::DownCommand command;
    if (!record.corrupt.empty() || !command.ParseFromString(record.data)) {
      if (json)
        rows.push_back({{"seq", record.seq}, {"corrupt", record.corrupt.empty() ? "does not parse" : record.corrupt}});
      if (!json) std::printf("%-4llu (unreadable)\n", static_cast<unsigned long long>(record.seq));
      continue;
    }
    const int64_t waiting_s = std::max<int64_t>(0, (now - command.received_unix_ms()) / 1000);
    if (json) {
      rows.push_back({{"seq", record.seq},
                      {"direction", "down"},
                      {"command_id", command.command_id()},
                      {"channel", command.channel()},
                      {"crm", command.crm()},
                      {"object", command.object()},
                      {"record_id", command.record_id()},
                      {"replays", command.replays()},
                      {"received_unix_ms", command.received_unix_ms()},
                      {"record_bytes", command.record_json().size()},
                      {"waiting_for", WaitingFor(command)}});
    } else {
      std::printf("%-4llu %-25s %-5s %-20s %-15s %-19s %-8u %-7s  %s\n", static_cast<unsigned long long>(record.seq),
                  FormatIsoTimeMs(command.received_unix_ms()).c_str(), "down", EscapeForLog(command.channel()).c_str(),
                  EscapeForLog(command.object()).c_str(), EscapeForLog(command.record_id()).c_str(), command.replays(),
                  (std::to_string(waiting_s) + "s").c_str(), WaitingFor(command));
    }
  }
  if (json) std::cout << boost::json::serialize(rows) << "\n";
  return 0;
}

}  // namespace ferry::controlplane
