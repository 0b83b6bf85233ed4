#include "controlplane/flows/bundle_registry.h"

#include "common/flows/bundle_files.h"

#include <functional>
#include <string_view>

#include "common/crypto/ed25519.h"
#include "common/store/newest_first.h"
#include "common/store/proto_records.h"
#include "common/util/clock.h"

namespace ferry::controlplane {
namespace {

constexpr const char* kBundlesDb = "flows.bundles";
constexpr const char* kDeploymentsDb = "flows.deployments";
constexpr const char* kAgentsDb = "flows.agents";

// The numeric key of the last entry of a database keyed by big-endian u64;
// 0 when it is empty.
Result<uint64_t> LastU64Key(MDB_txn* txn, MDB_dbi dbi) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "open cursor");
  MDB_val k, v;
  rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST);
  mdb_cursor_close(cursor);
  if (rc == MDB_NOTFOUND) return uint64_t{0};
  if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "read last key");
  return store::DecodeU64Key(store::FromVal(k));
}

// Read-modify-write of one agent record inside the write transaction, so a
// change never overwrites another one submitted just before it.
void UpdateAgent(store::Store& store, const std::string& agent_id, std::function<void(ferry::v1::AgentRecord&)> change,
                 store::DoneFn done) {
  store.Write(
      [&store, agent_id, change = std::move(change)](store::WriteTxn& txn) {
        const MDB_dbi db = store.Db(kAgentsDb);
        const std::string what = "agent record " + agent_id;
        ferry::v1::AgentRecord record;
        Status read = store::ReadProto(txn.txn(), db, agent_id, record, what);
        if (!read.ok() && read.code() != StatusCode::kNotFound) return read;
        record.set_agent_id(agent_id);
        change(record);
        return store::WriteProto(txn.txn(), db, agent_id, record, what);
      },
      std::move(done));
}

// Keeps the newer of the stored status and `status`. An all-default status
// (an agent that has no flows support) carries nothing to keep.
void MergeStatus(ferry::v1::AgentRecord& record, const ferry::v1::FlowStatus& status) {
  if (status.ByteSizeLong() == 0) return;
  if (record.has_flows() && status.unix_ms() < record.flows().unix_ms()) return;
  *record.mutable_flows() = status;
  record.mutable_flows()->set_agent_id(record.agent_id());
}

}  // namespace

std::vector<std::string> BundleRegistry::Databases() { return {kBundlesDb, kDeploymentsDb, kAgentsDb}; }

Result<ferry::v1::FlowBundle> BundleRegistry::AddBundle(const std::vector<flows::BundleFile>& files,
                                                        const std::string& comment) {
  const std::string sha256 = flows::BundleSha256(files);
  ferry::v1::FlowBundle result;
  Status s = store_.WriteSync([&](store::WriteTxn& txn) -> Status {
    const MDB_dbi db = store_.Db(kBundlesDb);
    Result<uint64_t> last = LastU64Key(txn.txn(), db);
    if (!last.ok()) return last.status();
    if (*last > 0) {
      ferry::v1::FlowBundle newest;
      Status r = store::ReadProto(txn.txn(), db, store::EncodeU64Key(*last), newest,
                                  "bundle version " + std::to_string(*last));
      if (!r.ok()) return r;
      if (newest.sha256() == sha256) {
        result = std::move(newest);
        return Status::Ok();
      }
    }
    result.Clear();
    result.set_version(*last + 1);
    for (const auto& file : files) {
      auto* f = result.add_files();
      f->set_path(file.path);
      f->set_text(file.text);
    }
    result.set_sha256(sha256);
    result.set_created_unix_ms(NowUnixMs());
    result.set_comment(comment);
    return store::WriteProto(txn.txn(), db, store::EncodeU64Key(result.version()), result,
                             "bundle version " + std::to_string(result.version()));
  });
  if (!s.ok()) return s;
  return result;
}

Result<ferry::v1::DeploymentRecord> BundleRegistry::AddDeployment(uint64_t version, const Selector& selector,
                                                                  const std::string& comment) {
  ferry::v1::DeploymentRecord record;
  Status s = store_.WriteSync([&](store::WriteTxn& txn) -> Status {
    // Checked in the same transaction as the write, so the version cannot
    // be missing by the time the deployment is committed.
    MDB_val k, v;
    std::string version_key = store::EncodeU64Key(version);
    k = store::ToVal(version_key);
    int rc = mdb_get(txn.txn(), store_.Db(kBundlesDb), &k, &v);
    if (rc == MDB_NOTFOUND) return Status::NotFound("no bundle version " + std::to_string(version));
    if (rc != MDB_SUCCESS) return store::LmdbStatus(rc, "read bundle version " + std::to_string(version));
    const MDB_dbi db = store_.Db(kDeploymentsDb);
    Result<uint64_t> last = LastU64Key(txn.txn(), db);
    if (!last.ok()) return last.status();
    record.Clear();
    record.set_sequence(*last + 1);
    record.set_bundle_version(version);
    for (const auto& [key, value] : selector) (*record.mutable_selector())[key] = value;
    record.set_unix_ms(NowUnixMs());
    record.set_comment(comment);
    return store::WriteProto(txn.txn(), db, store::EncodeU64Key(record.sequence()), record,
                             "deployment " + std::to_string(record.sequence()));
  });
  if (!s.ok()) return s;
  return record;
}

Result<ferry::v1::FlowBundle> BundleRegistry::GetBundle(uint64_t version) const {
  const std::string what = "bundle version " + std::to_string(version);
  if (!store::Declared(store_, kBundlesDb)) return Status::NotFound(what + " not found");
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  ferry::v1::FlowBundle bundle;
  Status s = store::ReadProto(read.txn(), store_.Db(kBundlesDb), store::EncodeU64Key(version), bundle, what);
  if (!s.ok()) return s;
  return bundle;
}

Result<std::vector<ferry::v1::FlowBundle>> BundleRegistry::ListBundles() const {
  return store::ReadAllProtos<ferry::v1::FlowBundle>(store_, kBundlesDb);
}

Result<std::vector<ferry::v1::FlowBundle>> BundleRegistry::BundlesBefore(uint64_t before, size_t limit,
                                                                         uint64_t& next_before) const {
  std::vector<ferry::v1::FlowBundle> out;
  next_before = 0;
  if (!store::Declared(store_, kBundlesDb)) return out;
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  Status status;
  auto reached_oldest =
      store::WalkNewestFirst(read.txn(), store_.Db(kBundlesDb), before, [&](uint64_t version, std::string_view value) {
        if (out.size() >= limit) return false;
        ferry::v1::FlowBundle bundle;
        if (!bundle.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          status = Status::DataLoss("bundle version " + std::to_string(version) + " does not parse");
          return false;
        }
        out.push_back(std::move(bundle));
        next_before = version;
        return true;
      });
  if (!reached_oldest.ok()) return reached_oldest.status();
  if (!status.ok()) return status;
  if (*reached_oldest) next_before = 0;
  return out;
}

Result<std::vector<ferry::v1::DeploymentRecord>> BundleRegistry::ListDeployments() const {
  return store::ReadAllProtos<ferry::v1::DeploymentRecord>(store_, kDeploymentsDb);
}

Result<std::vector<ferry::v1::AgentRecord>> BundleRegistry::ListAgents() const {
  return store::ReadAllProtos<ferry::v1::AgentRecord>(store_, kAgentsDb);
}

Result<ferry::v1::AgentRecord> BundleRegistry::GetAgent(const std::string& agent_id) const {
  const std::string what = "agent record " + agent_id;
  if (!store::Declared(store_, kAgentsDb)) return Status::NotFound(what + " not found");
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  ferry::v1::AgentRecord record;
  Status s = store::ReadProto(read.txn(), store_.Db(kAgentsDb), agent_id, record, what);
  if (!s.ok()) return s;
  return record;
}

Result<uint64_t> BundleRegistry::LastDeploymentSequence() const {
  if (!store::Declared(store_, kDeploymentsDb)) return uint64_t{0};
  store::ReadTxn read = store_.BeginRead();
  if (!read.ok()) return Status::Unavailable("cannot begin a read transaction");
  return LastU64Key(read.txn(), store_.Db(kDeploymentsDb));
}

void BundleRegistry::RecordHeartbeat(const std::string& agent_id, const ferry::v1::Heartbeat& heartbeat,
                                     store::DoneFn done) {
  UpdateAgent(
      store_, agent_id,
      [heartbeat](ferry::v1::AgentRecord& record) {
        const int64_t now = NowUnixMs();
        *record.mutable_labels() = heartbeat.labels();
        record.set_last_seen_unix_ms(now);
        record.set_heartbeat_unix_ms(now);
        MergeStatus(record, heartbeat.flows());
        *record.mutable_heartbeat() = heartbeat;
        record.mutable_heartbeat()->clear_flows();
      },
      std::move(done));
}

void BundleRegistry::RecordFlowStatus(const ferry::v1::FlowStatus& status, store::DoneFn done) {
  UpdateAgent(
      store_, status.agent_id(),
      [status](ferry::v1::AgentRecord& record) {
        record.set_last_seen_unix_ms(NowUnixMs());
        MergeStatus(record, status);
      },
      std::move(done));
}

void BundleRegistry::SetPublished(const std::string& agent_id, uint64_t sequence, uint64_t issue, store::DoneFn done) {
  UpdateAgent(
      store_, agent_id,
      [sequence, issue](ferry::v1::AgentRecord& record) {
        record.set_published_sequence(sequence);
        record.set_published_issue(issue);
      },
      std::move(done));
}

const ferry::v1::DeploymentRecord* BundleRegistry::DesiredFor(
    const Labels& labels, const std::vector<ferry::v1::DeploymentRecord>& deployments) {
  for (auto it = deployments.rbegin(); it != deployments.rend(); ++it) {
    if (Matches(it->selector(), labels)) return &*it;
  }
  return nullptr;
}

}  // namespace ferry::controlplane
