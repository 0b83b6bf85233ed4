#pragma once
// BundleReceiver: takes the signed flow deployment the control plane
// publishes (retained) for this agent, checks it, and installs it in the
// flow stage, all or nothing (docs/flows.md, "Bundles and deployment").
//
// A deployment is applied only when:
//  - its Ed25519 signature verifies with the control plane key this agent
//    trusts (flows.trusted_key_file);
//  - it is addressed to this agent and newer than the running one (a
//    replayed older deployment is refused; a rollback is a newer deployment
//    of an older bundle version);
//  - its files match their content hash and compile.
// Otherwise the last good bundle keeps running and the rejection, with its
// reason, is reported back. The applied deployment is kept in the store, so
// a restarted agent runs it before it reaches the control plane again.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/flows/flow_stage.h"
#include "common/crypto/ed25519.h"
#include "common/store/store.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

class BundleReceiver {
 public:
  static constexpr const char* kDb = "flows";

  BundleReceiver(std::string agent_id, std::optional<crypto::VerifyKey> trusted_key, store::Store& store,
                 FlowStage& stage);

  // Re-installs the deployment applied before a restart, if any.
  Status LoadApplied();
  // A new trusted key (a reload after flows.trusted_key_file changed); call
  // LoadApplied() after it to check the stored deployment against it.
  void SetTrustedKey(std::optional<crypto::VerifyKey> key) { key_ = std::move(key); }
  // A SignedDeployment from the tunnel; returns the status to report.
  ferry::v1::FlowStatus OnDeployment(const std::string& payload);
  ferry::v1::FlowStatus status() const { return status_; }

 private:
  Result<RunningBundle> Check(const ferry::v1::SignedDeployment& signed_deployment, ferry::v1::Deployment& deployment,
                              bool at_startup) const;

  std::string agent_id_;
  std::optional<crypto::VerifyKey> key_;
  store::Store& store_;
  FlowStage& stage_;
  ferry::v1::FlowStatus status_;
};

}  // namespace ferry::agent
