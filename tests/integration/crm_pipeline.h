#pragma once
// The fixture every CRM connector test starts from: ferry-crm-sim, then
// broker, control plane (with the connector's section) and agent as real
// processes, with a flow bundle deployed and running at the agent.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/integration/flow_setup.h"
#include "tests/integration/pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {

// The Salesforce simulator's client secret the connector tests use: a
// value no log may show.
inline constexpr const char* kSalesforceSecret = "sf-secret-do-not-log";

class CrmPipelineTest : public ::testing::Test {
 protected:
  // Writes `value` and a newline to `name` in the test folder; its path.
  std::string SecretFile(const std::string& name, const std::string& value);
  // `connector_yaml` goes under `connectors:` (indented by two spaces);
  // `bundle` is one flow file, deployed and running before this returns.
  void StartPipeline(const std::string& connector_yaml, const std::string& bundle);
  // The Salesforce simulator's client set up, and the `connectors:` section
  // that logs on to it.
  std::string SalesforceConnector();
  // A ferry-s4-sim of its own (standing for S/4 or ECC), logging to
  // `name` in the test folder.
  std::unique_ptr<CrmSim> StartS4Sim(const std::string& name);

  Pipeline& p() { return *pipeline_; }
  CrmSim& sim() { return sim_; }
  // Nothing left at the agent or the control plane.
  bool Drained() { return p().AgentOutboxDepth() == 0 && p().ControlPlaneQueueDepth() == 0; }

  TempDir dir_;
  CrmSim sim_{dir_.path()};
  FlowSetup setup_{dir_.path()};
  PipelineOptions options_;
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace ferry::testing
