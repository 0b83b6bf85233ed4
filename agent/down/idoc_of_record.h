#pragma once
// A down flow's record for the idoc_xml SAP target, as the IDoc-XML packet
// SAP's inbound takes (/sap/bc/idoc_xml; docs/down.md "ECC").
//
// The record's object is the IDoc type (ORDERS05); its fields are the
// control record the flow builds (MESTYP, SNDPOR, SNDPRT, SNDPRN, RCVPOR,
// RCVPRT, RCVPRN, ...), and each record nested in it is a segment: the
// nested record's object names the segment (E1EDK01, E1EDKA1, E1EDP01),
// its fields are the segment's. A field named "CHILD/FIELD" goes into a
// child segment CHILD of its segment (E1EDP19/IDTNR: the item's material),
// one child per name, in the order first named. Segments keep the order of
// the flow's records, and of the nodes each was made from.
//
// The target writes the control record's own fields: TABNAM EDI_DC40,
// MANDT (the connection's client), DOCNUM (the sender's number: the
// agent's clock in ms; SAP numbers the IDoc it stores anew), DIRECT 2
// (inbound), IDOCTYP (the object), CREDAT/CRETIM, and ARCKEY, the CRM
// record's id ("document ID in external system"), so WE02 shows whose
// order it is. A flow may not set those; its key_field must be ARCKEY.
//
// Text is cut to what SAP's fields can hold at most (1,000 characters) and
// cleaned of control characters; names must be SAP's (a capital letter,
// then capitals, digits, '_', at most 30; no customer namespaces); nesting
// deeper than one child is refused.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "ferry/v1/event.pb.h"

namespace ferry::agent {

// InvalidArgument, with the reason a flow's author needs, when the record
// does not make an IDoc.
Result<std::string> IdocXmlOfRecord(const ferry::v1::MappedRecord& record, std::string_view client,
                                    int64_t now_unix_ms);

}  // namespace ferry::agent
