#pragma once
// IDoc-XML packet parser: turns one HTTP request body, as SAP's XML-HTTP port
// sends it (docs/protocols.md §A.1), into one ParsedIdoc per <IDOC> element.
//
// Start here if you handle IDoc-XML. The parser is the trust boundary for
// everything SAP (or anyone who can reach the listener) sends us:
//  - The body must be UTF-8 (BOM allowed) or ISO-8859-1 as declared in the XML
//    declaration; Latin-1 is transcoded so everything downstream is UTF-8.
//  - DTDs are refused outright and no entity other than the XML predefined
//    ones and numeric character references is ever expanded (no XXE, no
//    entity-expansion bombs).
//  - Every failure is InvalidArgument with a one-line message that says what
//    is wrong and where, so the HTTP source can return it to SAP and put it on
//    the dead-letter record as is. The parser never throws.
//
// Positions in messages: "byte offset" counts bytes of the request body as
// received (a BOM included); "line L, column C" are 1-based, and columns count
// bytes of the UTF-8 text (after BOM removal and Latin-1 transcoding).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/doc/document.h"
#include "common/idoc/control_record.h"
#include "common/status.h"

namespace ferry::idoc {

struct ParsedIdoc {
  ControlRecord control;
  // This IDoc as a standalone UTF-8 IDoc-XML document. For a single-IDoc
  // packet it is the (transcoded) body byte for byte; for a packet of several
  // IDocs it is an XML declaration, the packet's root element and the original
  // bytes of this <IDOC> element (root attributes are not carried over).
  std::string xml;
  // Ordering key: MESTYP + ":" + the business object's number (customer,
  // material, condition key, delivery, document), or "IDOC:" + dedup_key when
  // the IDoc type is not one we know the key of.
  std::string business_key;
  // Idempotency key: MANDT + "/" + SNDPRN + "/" + DOCNUM.
  std::string dedup_key;
  // The IDoc as a tree for flows: root IDOC, children EDI_DC40 and segments.
  std::shared_ptr<const doc::Document> document;
};

// Limits on what one body may hold, beyond the HTTP source's byte limit.
struct ParseLimits {
  // Element nesting below the root. Real IDocs nest segments a handful of
  // levels deep (root, IDOC, segment, child segments, fields: rarely past 10).
  size_t max_depth = 100;
};

// SAP's SOAP variant of the XML-HTTP port (WE21 "SOAP Protocol", and the
// /sap/bc/srt/idoc service) wraps the same packet in a SOAP envelope.
enum class SoapVersion { kNone, kSoap11, kSoap12 };

struct ParsedPacket {
  std::string root_name;                  // e.g. DEBMAS05, ZMATMAS05, COND_A03 (without a namespace prefix)
  std::vector<ParsedIdoc> idocs;          // 1..n, in document order
  SoapVersion soap = SoapVersion::kNone;  // the envelope the packet came in
};

// True when the body's root element is named Envelope (any prefix): the
// sender speaks SOAP, and wants a refusal as a SOAP fault, even when the
// body goes on to be malformed.
bool LooksLikeSoapEnvelope(std::string_view body);

// Parses one HTTP request body as sent by SAP's XML-HTTP port, bare or in a
// SOAP 1.1 or 1.2 envelope: then the Body must hold exactly one element, the
// packet (its namespace prefix, if any, is dropped from root_name), and each
// IDoc's `xml` is that IDoc on its own, as for a packet of several. A Header
// is ignored.
// Returns InvalidArgument with a precise one-line message on any problem:
// an unsupported or contradictory encoding, invalid UTF-8, a NUL byte, a
// DOCTYPE, malformed XML, more than one root element, elements nested deeper
// than `limits.max_depth` (named with its line), a value that after entity
// decoding is not valid UTF-8 text (a character reference to a surrogate,
// past U+10FFFF, or to NUL; named with its segment, field and line), no
// <IDOC>, an IDOC without EDI_DC40, or an EDI_DC40 without DOCNUM, IDOCTYP
// or MESTYP; an Envelope outside the SOAP namespaces, one without a Body,
// or a Body without exactly one element. No recursion on the input's shape: memory and stack stay
// bounded by the body's size.
// Internal only if the parser contradicts itself (an IDOC it cannot locate
// in the text it parsed): a bug, not bad input.
Result<ParsedPacket> ParseIdocXml(std::string_view body, const ParseLimits& limits = {});

}  // namespace ferry::idoc
