#include "common/wire/down_listing.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cstdio>

#include "common/util/clock.h"
#include "common/util/utf8.h"
#include "ferry/v1/event.pb.h"

namespace ferry::wire {

void PrintDownQueue(const std::vector<store::QueueRecord>& records, bool json, std::string_view next,
                    int64_t now_unix_ms, std::ostream& out) {
  boost::json::array rows;
  if (!json) {
    out << "SEQ  QUEUED                    DIR   CHANNEL              OBJECT          RECORD              REPLAYS  "
           "WAITING  FOR    COMMAND\n";
  }
  char line[1024];
  for (const store::QueueRecord& record : records) {
    ferry::v1::DownCommand command;
    if (!record.corrupt.empty() || !command.ParseFromString(record.data)) {
      const std::string why = record.corrupt.empty() ? "does not parse" : record.corrupt;
      if (json) {
        rows.push_back({{"seq", record.seq}, {"corrupt", why}});
      } else {
        out << record.seq << " (unreadable: " << EscapeForLog(why) << ")\n";
      }
      continue;
    }
    const int64_t waiting_s = std::max<int64_t>(0, (now_unix_ms - record.enqueued_unix_ms) / 1000);
    const std::string waits_for = command.read_first() ? "read" : std::string(next);
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
                      {"queued_unix_ms", record.enqueued_unix_ms},
                      {"record_bytes", command.record_json().size()},
                      {"waiting_for", waits_for}});
      continue;
    }
    std::snprintf(line, sizeof line, "%-4llu %-25s %-5s %-20s %-15s %-19s %-8u %-7s  %-6s %s\n",
                  static_cast<unsigned long long>(record.seq), FormatIsoTimeMs(record.enqueued_unix_ms).c_str(), "down",
                  EscapeForLog(command.channel()).c_str(), EscapeForLog(command.object()).c_str(),
                  EscapeForLog(command.record_id()).c_str(), command.replays(),
                  (std::to_string(waiting_s) + "s").c_str(), waits_for.c_str(),
                  EscapeForLog(command.command_id()).c_str());
    out << line;
  }
  if (json) out << boost::json::serialize(rows) << "\n";
}

}  // namespace ferry::wire
