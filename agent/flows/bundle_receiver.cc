#include "agent/flows/bundle_receiver.h"

#include <spdlog/spdlog.h>

#include "common/flows/bundle_files.h"
#include "common/util/clock.h"

namespace ferry::agent {
namespace {

constexpr std::string_view kAppliedKey = "applied";

}  // namespace

BundleReceiver::BundleReceiver(std::string agent_id, std::optional<crypto::VerifyKey> trusted_key, store::Store& store,
                               FlowStage& stage)
    : agent_id_(std::move(agent_id)), key_(std::move(trusted_key)), store_(store), stage_(stage) {
  status_.set_agent_id(agent_id_);
}

Result<RunningBundle> BundleReceiver::Check(const ferry::v1::SignedDeployment& signed_deployment,
                                            ferry::v1::Deployment& deployment, bool at_startup) const {
  if (!key_) {
    return Status::FailedPrecondition("no trusted control plane key configured (flows.trusted_key_file)");
  }
  if (signed_deployment.signature().empty()) return Status::InvalidArgument("the deployment is not signed");
  if (!key_->Verify(signed_deployment.deployment(), signed_deployment.signature())) {
    return Status::InvalidArgument("the signature does not verify with the trusted key " + key_->KeyId() +
                                   " (signed with key " + signed_deployment.key_id() + ")");
  }
  if (!deployment.ParseFromString(signed_deployment.deployment())) {
    return Status::InvalidArgument("the signed deployment does not decode");
  }
  if (deployment.agent_id() != agent_id_) {
    return Status::InvalidArgument("the deployment is for agent '" + deployment.agent_id() + "', not this one");
  }
  const RunningBundle running = stage_.running();
  const bool same_as_running = deployment.issue() == running.issue && deployment.sequence() == running.sequence;
  if (!at_startup && deployment.issue() <= running.issue && !same_as_running) {
    return Status::InvalidArgument("deployment issue " + std::to_string(deployment.issue()) +
                                   " is not newer than the running issue " + std::to_string(running.issue) +
                                   " (a replayed message?)");
  }
  const ferry::v1::FlowBundle& bundle = deployment.bundle();
  std::vector<flows::BundleFile> files;
  for (const auto& f : bundle.files()) files.push_back({f.path(), f.text()});
  if (flows::BundleSha256(files) != bundle.sha256()) {
    return Status::InvalidArgument("bundle version " + std::to_string(bundle.version()) +
                                   ": the files do not match their sha256");
  }
  Result<std::shared_ptr<const flows::FlowSet>> compiled = flows::FlowSet::Compile(files);
  if (!compiled.ok()) {
    return Status::InvalidArgument("bundle version " + std::to_string(bundle.version()) +
                                   " does not compile: " + std::string(compiled.status().message()));
  }
  return RunningBundle{std::move(compiled).value(), bundle.version(), deployment.sequence(), deployment.issue(), {}};
}

Status BundleReceiver::LoadApplied() {
  std::string stored;
  {
    store::ReadTxn txn = store_.BeginRead();
    MDB_val key = store::ToVal(kAppliedKey);
    MDB_val value;
    const int rc = mdb_get(txn.txn(), store_.Db(kDb), &key, &value);
    if (rc == MDB_NOTFOUND) return Status::Ok();
    if (rc != MDB_SUCCESS)
      return Status::Unavailable(std::string("reading the applied flow bundle: ") + mdb_strerror(rc));
    stored = std::string(store::FromVal(value));
  }
  ferry::v1::SignedDeployment signed_deployment;
  ferry::v1::Deployment deployment;
  // A record that no longer decodes (a damaged page) is treated like one
  // that no longer verifies: the agent runs, holds documents back, and
  // reports it, rather than failing to start again and again.
  Result<RunningBundle> checked =
      signed_deployment.ParseFromString(stored)
          ? Check(signed_deployment, deployment, /*at_startup=*/true)
          : Result<RunningBundle>(Status::DataLoss("corrupt record at " + std::string(kDb) + "/" +
                                                   std::string(kAppliedKey) + ": not a ferry.v1.SignedDeployment"));
  if (!checked.ok()) {
    // E.g. the trusted key was rotated, or this build compiles more strictly.
    // Mapped targets must not get raw IDocs meanwhile: documents are
    // dead-lettered with the reason until the control plane sends a
    // deployment that checks out (the status below makes it send one).
    const std::string reason = "the stored deployment cannot run: " + std::string(checked.status().message());
    RunningBundle none;
    none.unavailable = reason;
    stage_.Install(none);
    status_.set_applied(false);
    status_.set_error(reason);
    status_.set_unix_ms(NowUnixMs());
    spdlog::error("event=flows_stored_rejected error=\"{}\"", reason);
    return Status::Ok();
  }
  stage_.Install(*checked);
  status_.set_deployment_sequence(deployment.sequence());
  status_.set_bundle_version(deployment.bundle().version());
  status_.set_applied(true);
  status_.set_running_version(checked->version);
  status_.set_running_sequence(checked->sequence);
  status_.set_running_issue(checked->issue);
  status_.set_unix_ms(NowUnixMs());
  spdlog::info("event=flows_restored version={} sequence={} flows={}", checked->version, checked->sequence,
               checked->flows->flows().size());
  return Status::Ok();
}

ferry::v1::FlowStatus BundleReceiver::OnDeployment(const std::string& payload) {
  ferry::v1::FlowStatus st;
  st.set_agent_id(agent_id_);
  st.set_unix_ms(NowUnixMs());
  ferry::v1::SignedDeployment signed_deployment;
  ferry::v1::Deployment deployment;
  Result<RunningBundle> checked = Status::InvalidArgument("the message is not a SignedDeployment");
  if (signed_deployment.ParseFromString(payload)) checked = Check(signed_deployment, deployment, false);
  st.set_deployment_sequence(deployment.sequence());
  st.set_bundle_version(deployment.bundle().version());
  const RunningBundle running = stage_.running();
  if (checked.ok() && checked->sequence == running.sequence && checked->issue == running.issue && running.flows) {
    // The retained message again after a reconnect: already running.
    st = status_;
    st.set_unix_ms(NowUnixMs());
    return st;
  }
  if (checked.ok()) {
    Status saved = store_.WriteSync([this, &payload](store::WriteTxn& txn) {
      MDB_val key = store::ToVal(kAppliedKey);
      MDB_val value = store::ToVal(payload);
      const int rc = mdb_put(txn.txn(), store_.Db(kDb), &key, &value, 0);
      return rc == MDB_SUCCESS ? Status::Ok() : Status::Unavailable(mdb_strerror(rc));
    });
    if (!saved.ok()) checked = Status::Unavailable("could not store the deployment: " + std::string(saved.message()));
  }
  if (checked.ok()) {
    stage_.Install(*checked);
    st.set_applied(true);
    spdlog::info("event=flows_applied version={} sequence={} flows={}", checked->version, checked->sequence,
                 checked->flows->flows().size());
  } else {
    st.set_applied(false);
    st.set_error(std::string(checked.status().message()));
    spdlog::error("event=flows_rejected version={} sequence={} error=\"{}\"", deployment.bundle().version(),
                  deployment.sequence(), st.error());
  }
  const RunningBundle now = stage_.running();
  st.set_running_version(now.version);
  st.set_running_sequence(now.sequence);
  st.set_running_issue(now.issue);
  status_ = st;
  return st;
}

}  // namespace ferry::agent
