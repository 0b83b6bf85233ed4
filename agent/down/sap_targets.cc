#include "agent/down/sap_targets.h"

#include "agent/down/idoc_xml_target.h"
#include "agent/down/s4_odata_target.h"

namespace ferry::agent {

SapTargets MakeSapTargets(boost::asio::any_io_executor executor, const DownConfig& config) {
  SapTargets targets;
  if (config.s4_odata) targets["s4_odata"] = std::make_unique<S4ODataTarget>(executor, *config.s4_odata);
  if (config.idoc_xml) targets["idoc_xml"] = std::make_unique<IdocXmlTarget>(executor, *config.idoc_xml);
  return targets;
}

}  // namespace ferry::agent
