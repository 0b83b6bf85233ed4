#include "tests/integration/down_pipeline.h"

#include <iostream>

namespace ferry::testing {

void DownPipelineTest::StartS4(const std::string& agent_yaml) {
  s4_ = StartS4Sim("s4");
  s4_->Control("seed", {{"vendor", "s4"},
                        {"object", "API_SALES_ORDER_SRV/A_SalesOrder"},
                        {"id", "1"},
                        {"fields", {{"SalesOrder", "1"}, {"PurchaseOrderByCustomer", "OLD"}}}});
  s4_->Control("seed", {{"vendor", "s4"},
                        {"object", "API_SERVICE_ORDER_SRV/A_ServiceOrder"},
                        {"id", "8000000"},
                        {"fields", {{"ServiceOrder", "8000000"}, {"PurchaseOrderByCustomer", "OLD"}}}});
  s4_->Control("seed", {{"vendor", "s4"},
                        {"object", "API_BUSINESS_PARTNER/A_Customer"},
                        {"id", "100001"},
                        {"fields", {{"Customer", "100001"}}}});
  options_.agent_labels = {{"sap", "S4P"}};
  options_.agent_extra_yaml = "down:\n  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(s4_->port()) +
                              "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n"
                              "    password_file: " +
                              SecretFile("s4.password", "s4-secret") + "\n    timeout: 5s\n" + agent_yaml;
}

void DownPipelineTest::SetInboundChannels(const std::string& channels_yaml, bool listen) {
  options_.cp_extra_yaml =
      "inbound:\n" +
      (listen ? "  listen: 127.0.0.1:" + std::to_string(inbound_port_) + "\n  hosts: [127.0.0.1]\n" : std::string()) +
      "  channels:\n" + channels_yaml;
}

std::vector<nlohmann::json> DownPipelineTest::OrdersFor(const std::string& reference, const std::string& entity_set) {
  std::vector<nlohmann::json> out;
  std::string path = entity_set;
  for (size_t at = path.find('/'); at != std::string::npos; at = path.find('/', at)) path.replace(at, 1, "%2F");
  for (const nlohmann::json& order : s4_->Records("s4", path)) {
    if (order["fields"].value("PurchaseOrderByCustomer", "") == reference) out.push_back(order);
  }
  return out;
}

void DownPipelineTest::TearDown() {
  if (HasFailure() && pipeline_) {
    std::cerr << "agent log:\n"
              << ReadFile(p().dir().path() / "agent.log") << "\ncontrol plane log:\n"
              << ReadFile(p().dir().path() / "controlplane.log") << "\n";
  }
}

}  // namespace ferry::testing
