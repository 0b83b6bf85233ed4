#include "common/wire/down_listing.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>

#include "common/util/clock.h"
#include "common/util/utf8.h"
#include "ferry/v1/event.pb.h"

namespace ferry::wire {

namespace {

std::string DownWaitsFor(const ferry::v1::DownCommand& command, std::string_view next) {
  return command.read_first() ? "read" : std::string(next);
}

}  // namespace

boost::json::array DownQueueJson(const std::vector<store::QueueRecord>& records, std::string_view next) {
  boost::json::array rows;
  for (const store::QueueRecord& record : records) {
    ferry::v1::DownCommand command;
    if (!record.corrupt.empty() || !command.ParseFromString(record.data)) {
      rows.push_back({{"seq", record.seq}, {"corrupt", record.corrupt.empty() ? "does not parse" : record.corrupt}});
      continue;
    }
    rows.push_back({{"seq", record.seq},
                    {"direction", "down"},
                    {"command_id", command.command_id()},
                    {"channel", command.channel()},
                    {"crm", command.crm()},
                    {"object", command.object()},
                    {"record_id", command.record_id()},
                    {"replays", command.replays()},
                    {"received_unix_ms", command.received_unix_ms()},
                    {"queued_unix_ms", record.enqueued_unix_ms},
                    {"record_bytes", command.record_json().size()},
                    {"waiting_for", DownWaitsFor(command, next)}});
  }
  return rows;
}

void PrintDownQueue(const std::vector<store::QueueRecord>& records, bool json, std::string_view next,
                    int64_t now_unix_ms, std::ostream& out) {
  if (json) {
    out << boost::json::serialize(DownQueueJson(records, next)) << "\n";
    return;
  }
  out << "SEQ  QUEUED                    DIR   CHANNEL              OBJECT          RECORD              REPLAYS  "
         "WAITING  FOR    COMMAND\n";
  char line[1024];
  for (const store::QueueRecord& record : records) {
    ferry::v1::DownCommand command;
    if (!record.corrupt.empty() || !command.ParseFromString(record.data)) {
      out << record.seq << " (unreadable: " << EscapeForLog(record.corrupt.empty() ? "does not parse" : record.corrupt)
          << ")\n";
      continue;
    }
    const int64_t waiting_s = std::max<int64_t>(0, (now_unix_ms - record.enqueued_unix_ms) / 1000);
    std::snprintf(line, sizeof line, "%-4llu %-25s %-5s %-20s %-15s %-19s %-8u %-7s  %-6s %s\n",
                  static_cast<unsigned long long>(record.seq), FormatIsoTimeMs(record.enqueued_unix_ms).c_str(), "down",
                  EscapeForLog(command.channel()).c_str(), EscapeForLog(command.object()).c_str(),
                  EscapeForLog(command.record_id()).c_str(), command.replays(),
                  (std::to_string(waiting_s) + "s").c_str(), DownWaitsFor(command, next).c_str(),
                  EscapeForLog(command.command_id()).c_str());
    out << line;
  }
}

}  // namespace ferry::wire
