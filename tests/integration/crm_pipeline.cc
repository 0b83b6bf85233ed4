#include "tests/integration/crm_pipeline.h"

namespace ferry::testing {

std::string CrmPipelineTest::SecretFile(const std::string& name, const std::string& value) {
  WriteFile(dir_.path() / name, value + "\n");
  return (dir_.path() / name).string();
}

void CrmPipelineTest::StartPipeline(const std::string& connector_yaml, const std::string& bundle) {
  setup_.Apply(options_);
  options_.connectors_extra_yaml = connector_yaml;
  pipeline_ = std::make_unique<Pipeline>(options_);
  pipeline_->StartAll();
  FlowSetup::DeployFlowAndWait(*pipeline_, dir_.path() / "bundle", bundle, options_.agent_id);
}

}  // namespace ferry::testing
