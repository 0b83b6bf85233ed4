#pragma once
// Modified-since polling (kind: modified_since_poll): for a CRM that cannot
// announce a change itself, or whose announcements cannot reach the
// control plane, the control plane asks it every `interval` which records
// of each object changed since the newest change it has seen, and sends
// each down like an announced record, read whole first (docs/down.md
// "Polling"). It takes no requests: its name is not a URL.
//
//   - name: sales-cloud-quotes
//     kind: modified_since_poll
//     crm: sap_sales_cloud            # the connector that lists and reads (its ListChanges)
//     agents: { sap: S4P }
//     interval: 1m                    # between passes
//     lookback: 5m                    # each pass asks again this far behind the newest change seen
//     start: now                      # the first pass lists from: now, or an ISO time (2026-12-01T00:00:00Z)
//     page_size: 100                  # records per request
//     objects:
//       salesQuotes:
//         filter: progressStatus eq 'WON'      # the CRM's own condition, added with `and`
//         read: sales-quote-service/salesQuotes; with account/partyId from account-service/accounts
//
// Each change is committed once, under the record's id and its change time
// as delivery id, so asking again (lookback, a restart, a page read twice)
// never sends a record twice for one change; a later change of it is a new
// command. Why lookback: a CRM stamps a change when it begins to save it
// and shows it when the save commits, so a record can appear with a time
// older than one already seen.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "controlplane/down/inbound_channel.h"

namespace ferry::controlplane {

class ModifiedSincePollChannel : public InboundChannel {
 public:
  explicit ModifiedSincePollChannel(PollSettings settings) : settings_(std::move(settings)) {}

  Result<InboundNotification> Read(const http::Request& req, int64_t now_unix_ms) const override;
  http::Response Accepted(const http::Request& req, const std::vector<std::string>& command_ids) const override;
  bool reads_records() const override { return true; }
  std::string ReadQuery(std::string_view object) const override;
  const PollSettings* poll() const override { return &settings_; }

 private:
  PollSettings settings_;
};

InboundChannelFactory ModifiedSincePollChannelFactory();

}  // namespace ferry::controlplane
