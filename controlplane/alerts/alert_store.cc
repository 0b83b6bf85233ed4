#include "controlplane/alerts/alert_store.h"

#include <boost/json.hpp>

#include <algorithm>

#include "common/store/newest_first.h"
#include "common/store/proto_records.h"

namespace ferry::controlplane {
namespace {

constexpr std::string_view kRulesKey = "rules";
constexpr std::string_view kFiringKey = "firing";
constexpr std::string_view kLastKey = "alerts.history.last";  // in "meta": numbers are never given twice

// The value under `key` in "alerts"; empty when absent.
Result<std::string> Get(const store::Store& store, std::string_view key) {
  if (!store::Declared(store, AlertStore::kDb)) return std::string();
  store::ReadTxn read = store.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  MDB_val k = store::ToVal(key), v;
  const int rc = mdb_get(read.txn(), store.Db(AlertStore::kDb), &k, &v);
  if (rc == MDB_NOTFOUND) return std::string();
  if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "read alerts");
  return std::string(store::FromVal(v));
}

Status Put(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value, const char* what) {
  MDB_val k = store::ToVal(key), v = store::ToVal(value);
  if (int rc = mdb_put(txn, dbi, &k, &v, 0); rc != MDB_SUCCESS) return store::LmdbStatus(rc, what);
  return Status::Ok();
}

std::string FiringJson(const std::vector<ActiveAlert>& firing) {
  boost::json::array out;
  for (const auto& a : firing) {
    out.push_back({{"rule", a.condition.rule},
                   {"subject", a.condition.subject},
                   {"summary", a.condition.summary},
                   {"since", a.holding_since_unix_ms},
                   {"firing_since", a.firing_since_unix_ms},
                   {"notified", a.last_notified_unix_ms}});
  }
  return boost::json::serialize(out);
}

}  // namespace

Result<std::vector<AlertRuleSpec>> AlertStore::Rules() const {
  auto text = Get(store_, kRulesKey);
  if (!text.ok()) return text.status();
  if (text->empty()) return DefaultAlertRules();
  auto rules = ParseAlertRules(*text);
  if (!rules.ok()) return Status::DataLoss("stored alert rules: " + std::string(rules.status().message()));
  return rules;
}

Status AlertStore::PutRules(MDB_txn* txn, const std::vector<AlertRuleSpec>& rules) const {
  const std::string text = boost::json::serialize(boost::json::object{{"rules", AlertRulesJson(rules)}});
  return Put(txn, store_.Db(kDb), kRulesKey, text, "alert rules");
}

Result<std::vector<ActiveAlert>> AlertStore::Firing() const {
  auto text = Get(store_, kFiringKey);
  if (!text.ok()) return text.status();
  std::vector<ActiveAlert> out;
  if (text->empty()) return out;
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(*text, ec);
  if (ec || !doc.is_array()) return Status::DataLoss("stored firing alerts do not parse");
  for (const auto& v : doc.get_array()) {
    const auto* o = v.if_object();
    if (!o) return Status::DataLoss("stored firing alerts do not parse");
    const auto* rule = o->if_contains("rule");
    const auto* subject = o->if_contains("subject");
    const auto* summary = o->if_contains("summary");
    const auto* since = o->if_contains("since");
    const auto* notified = o->if_contains("notified");
    const auto* firing_since = o->if_contains("firing_since");
    if (!rule || !rule->is_string() || !subject || !subject->is_string() || !summary || !summary->is_string() ||
        !since || !since->is_int64() || !notified || !notified->is_int64() || !firing_since ||
        !firing_since->is_int64()) {
      return Status::DataLoss("a stored firing alert lacks a field");
    }
    ActiveAlert a;
    a.condition = {std::string(rule->get_string()), std::string(subject->get_string()),
                   std::string(summary->get_string())};
    a.holding_since_unix_ms = since->get_int64();
    a.last_notified_unix_ms = notified->get_int64();
    a.firing_since_unix_ms = firing_since->get_int64();
    a.firing = true;
    out.push_back(std::move(a));
  }
  return out;
}

void AlertStore::Record(const std::vector<AlertMessage>& sent, const std::vector<ActiveAlert>& firing,
                        std::function<void(const Status&)> done) const {
  std::vector<std::string> bodies;
  for (const auto& m : sent) bodies.push_back(AlertMessageJson(m));
  store_.Write(
      [this, bodies = std::move(bodies), firing = FiringJson(firing)](store::WriteTxn& txn) {
        const MDB_dbi meta = store_.Db("meta");
        const MDB_dbi history = store_.Db(kHistoryDb);
        MDB_val k = store::ToVal(kLastKey), v;
        uint64_t last = 0;
        if (int rc = mdb_get(txn.txn(), meta, &k, &v); rc == MDB_SUCCESS) {
          last = store::DecodeU64Key(store::FromVal(v));
        } else if (rc != MDB_NOTFOUND) {
          return store::LmdbStatus(rc, "alert history number");
        }
        for (const auto& body : bodies) {
          if (auto s = Put(txn.txn(), history, store::EncodeU64Key(++last), body, "alert history"); !s.ok()) return s;
        }
        if (auto s = Put(txn.txn(), meta, kLastKey, store::EncodeU64Key(last), "alert history number"); !s.ok())
          return s;
        if (auto s = Put(txn.txn(), store_.Db(kDb), kFiringKey, firing, "firing alerts"); !s.ok()) return s;
        // Only the newest kMaxHistory stay: the oldest go first.
        if (last > kMaxHistory) {
          MDB_cursor* cursor = nullptr;
          if (int rc = mdb_cursor_open(txn.txn(), history, &cursor); rc != MDB_SUCCESS)
            return store::LmdbStatus(rc, "alert history cursor");
          const uint64_t keep_from = last - kMaxHistory + 1;
          MDB_val ck, cv;
          for (int rc = mdb_cursor_get(cursor, &ck, &cv, MDB_FIRST);
               rc == MDB_SUCCESS && store::DecodeU64Key(store::FromVal(ck)) < keep_from;
               rc = mdb_cursor_get(cursor, &ck, &cv, MDB_NEXT)) {
            mdb_cursor_del(cursor, 0);
          }
          mdb_cursor_close(cursor);
        }
        return Status::Ok();
      },
      [done = std::move(done)](const Status& s) {
        if (done) done(s);
      });
}

Result<AlertStore::Page> AlertStore::History(uint64_t before, size_t limit) const {
  Page page;
  limit = std::clamp<size_t>(limit, 1, kMaxPage);
  if (!store::Declared(store_, kHistoryDb)) return page;
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  Status status;
  auto reached_oldest =
      store::WalkNewestFirst(read.txn(), store_.Db(kHistoryDb), before, [&](uint64_t seq, std::string_view value) {
        if (page.notifications.size() >= limit) return false;
        boost::system::error_code ec;
        boost::json::value doc = boost::json::parse(value, ec);
        if (ec || !doc.is_object()) {
          status = Status::DataLoss("alert notification " + std::to_string(seq) + " does not parse");
          return false;
        }
        doc.get_object()["seq"] = seq;
        page.notifications.push_back(std::move(doc));
        page.next_before = seq;
        return true;
      });
  if (!reached_oldest.ok()) return reached_oldest.status();
  if (!status.ok()) return status;
  if (*reached_oldest) page.next_before = 0;
  return page;
}

}  // namespace ferry::controlplane
