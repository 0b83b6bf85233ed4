#pragma once
// What the alerts keep in the control plane's store:
//
//   "alerts"          "rules"   the rules (JSON, as the API shows them);
//                               absent until an admin first changes them:
//                               the defaults apply
//                     "firing"  the alerts firing at the last change (JSON),
//                               so a restart neither notifies them again nor
//                               forgets to resolve them
//   "alerts.history"  sequence -> a sent notification (JSON, as webhooks
//                               get it); the newest kMaxHistory are kept
//
// Reads from any thread; writes through the store's writer.

#include <lmdb.h>
#include <boost/json/array.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/store/store.h"
#include "controlplane/alerts/alert_channel.h"
#include "controlplane/alerts/alert_rules.h"
#include "controlplane/alerts/alert_tracker.h"

namespace ferry::controlplane {

class AlertStore {
 public:
  static constexpr const char* kDb = "alerts";
  static constexpr const char* kHistoryDb = "alerts.history";
  static constexpr size_t kMaxHistory = 10'000;
  static constexpr size_t kMaxPage = 500;
  static std::vector<std::string> Databases() { return {kDb, kHistoryDb}; }

  explicit AlertStore(store::Store& store) : store_(store) {}

  // The stored rules, or the defaults when none were stored.
  Result<std::vector<AlertRuleSpec>> Rules() const;
  // Inside `txn`, so the change and its audit entry commit together.
  Status PutRules(MDB_txn* txn, const std::vector<AlertRuleSpec>& rules) const;

  Result<std::vector<ActiveAlert>> Firing() const;
  // Appends the notifications to the history and replaces the firing set;
  // `done` (may be null) on the writer thread once committed.
  void Record(const std::vector<AlertMessage>& sent, const std::vector<ActiveAlert>& firing,
              std::function<void(const Status&)> done) const;

  struct Page {
    boost::json::array notifications;  // newest first, each with its "seq"
    uint64_t next_before = 0;          // 0: no more
  };
  // Up to `limit` (at most kMaxPage) older than sequence `before` (0: from
  // the newest).
  Result<Page> History(uint64_t before, size_t limit) const;

 private:
  store::Store& store_;
};

}  // namespace ferry::controlplane
