#pragma once
// The fixture the way-down tests start from (docs/down.md): a ferry-s4-sim
// standing for S/4 with the customer the CRM records name, an agent
// labelled sap=S4P with a `down:` section for it, and the control plane's
// inbound listener on a free port with the channels a test gives, then
// the pipeline of CrmPipelineTest with one down flow deployed.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/crm_pipeline.h"
#include "tests/support/crm_sim.h"
#include "tests/support/ports.h"

namespace ferry::testing {

class DownPipelineTest : public CrmPipelineTest {
 protected:
  // Starts ferry-s4-sim: the sales order service exists (it has an order)
  // and knows customer 100001. `agent_yaml` is added to the agent's config
  // after its `down:` section (e.g. a metrics listener).
  void StartS4(const std::string& agent_yaml = "");
  // `channels_yaml`: the entries under inbound.channels, indented by four;
  // `listen`: with the HTTPS listener (polled channels need none).
  void SetInboundChannels(const std::string& channels_yaml, bool listen = true);
  // The fleet's CA, which the listener's certificate is from.
  std::string CaFile() { return (p().dir().path() / "cp" / "pki" / "ca.crt").string(); }
  std::string InboundUrl(const std::string& channel) {
    return "https://127.0.0.1:" + std::to_string(inbound_port_) + "/inbound/v1/" + channel;
  }
  // The documents of `entity_set` (sales orders unless named) S/4 has
  // whose PurchaseOrderByCustomer is `reference`.
  std::vector<nlohmann::json> OrdersFor(const std::string& reference,
                                        const std::string& entity_set = "API_SALES_ORDER_SRV/A_SalesOrder");
  // Prints the agent's and the control plane's logs when the test failed.
  void TearDown() override;

  std::unique_ptr<CrmSim> s4_;
  int inbound_port_ = FreeTcpPort();
};

}  // namespace ferry::testing
