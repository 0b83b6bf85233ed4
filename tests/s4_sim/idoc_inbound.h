#pragma once
// SAP's IDoc-XML inbound, as ECC (and S/4) offer it at /sap/bc/idoc_xml
// (docs/protocols.md §A.1, §D.2): a POST of an IDoc-XML packet, logged on
// like any ICF service, answered 200 once the IDocs are stored (they then
// show in WE02). The simulator keeps each IDoc as a record of object
// "IDOC_<MESTYP>": its control record's fields and its segments, each
// {"segment": name, "fields": {…}}, in order; tests read them with
// GET /_sim/s4/IDOC_STATUS.
//
// Assumed (SAP documents the success only): an XML that is no IDoc packet is
// answered 400 with the parser's reason; a method other than POST 405.

#include <string>

#include "tests/crm_sim/record_store.h"
#include "tests/crm_sim/sim_http.h"

namespace ferry::s4_sim {

inline constexpr std::string_view kIdocInboundPath = "/sap/bc/idoc_xml";

// Stores the posted packet's IDocs in `store`; the answer.
http::Response ReceiveIdocs(const http::Request& req, crm_sim::RecordStore& store);

}  // namespace ferry::s4_sim
