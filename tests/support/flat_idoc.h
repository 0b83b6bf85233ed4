#pragma once
// Writes IDocs the way SAP's file port does (docs/protocols.md §A.2), for
// tests and the benchmark: each IDoc of an IDoc-XML packet becomes an
// EDI_DC40 control record and one EDI_DD40 data record per segment, with the
// fields placed in SDATA where the segment catalogue says.

#include <string>
#include <string_view>

#include "common/idoc/segment_catalog.h"

namespace ferry::testing {

enum class Framing {
  kFixed,      // records back to back, no line ends (as SAP's sample file)
  kLf,         // one record per line, padded to its full length
  kCrlf,       // the same with CRLF
  kLfTrimmed,  // one record per line, trailing blanks cut off
};

// The flat file for `xml` (UTF-8 IDoc-XML, one or more IDocs). Fails the
// calling test (and returns "") when the XML does not parse or a segment or
// field is not in the catalogue.
std::string FlatFromXml(std::string_view xml, const idoc::SegmentCatalog& catalog, Framing framing = Framing::kFixed);

// A catalogue read from tests/fixtures/idoc/catalog.
const idoc::SegmentCatalog& FixtureCatalog();

}  // namespace ferry::testing
