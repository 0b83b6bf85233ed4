#include "tests/integration/crm_pipeline.h"

namespace ferry::testing {

std::string CrmPipelineTest::SecretFile(const std::string& name, const std::string& value) {
  WriteFile(dir_.path() / name, value + "\n");
  return (dir_.path() / name).string();
}

std::string CrmPipelineTest::SalesforceConnector() {
  sim_.Control("config", {{"vendor", "salesforce"}, {"client_id", "ferry-sf"}, {"client_secret", kSalesforceSecret}});
  return "  salesforce:\n    login_url: " + sim_.url() +
         "\n    client_id: ferry-sf\n    client_secret_file: " + SecretFile("sf.secret", kSalesforceSecret) +
         "\n    timeout: 5s\n";
}

std::unique_ptr<CrmSim> CrmPipelineTest::StartS4Sim(const std::string& name) {
  std::filesystem::create_directories(dir_.path() / name);
  return std::make_unique<CrmSim>(dir_.path() / name, FERRY_S4_SIM_BIN, std::vector<std::string>{});
}

void CrmPipelineTest::StartPipeline(const std::string& connector_yaml, const std::string& bundle) {
  setup_.Apply(options_);
  options_.connectors_extra_yaml = connector_yaml;
  pipeline_ = std::make_unique<Pipeline>(options_);
  pipeline_->StartAll();
  FlowSetup::DeployFlowAndWait(*pipeline_, dir_.path() / "bundle", bundle, options_.agent_id);
}

}  // namespace ferry::testing
