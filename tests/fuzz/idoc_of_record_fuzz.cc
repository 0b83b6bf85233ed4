// Fuzz target: a down flow's record as the idoc_xml SAP target turns it
// into an IDoc (agent/down/idoc_of_record.h). The fields carry what a CRM
// wrote into its record, so their text is hostile; their shape is a
// flow's.
//
// Beyond "no crash": an IDoc it makes is one SAP's inbound would take, as
// Ferry's own IDoc-XML parser checks it: one IDoc, of the record's type,
// with the message type the flow gave.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/down/idoc_of_record.h"
#include "common/idoc/idoc_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ferry::v1::MappedRecord record;
  record.set_object("ORDERS05");
  record.set_key_field("ARCKEY");
  record.set_external_id("5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c");
  record.set_fields_json(std::string(reinterpret_cast<const char*>(data), size));
  auto xml = ferry::agent::IdocXmlOfRecord(record, "100", 1796452020310);
  if (!xml.ok()) return 0;
  auto packet = ferry::idoc::ParseIdocXml(*xml);
  if (!packet.ok() || packet->idocs.size() != 1) std::abort();
  const auto& control = packet->idocs.front().control;
  if (control.idoctyp != "ORDERS05" || control.mestyp.empty()) std::abort();
  return 0;
}
