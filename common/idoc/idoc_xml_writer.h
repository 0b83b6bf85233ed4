#pragma once
// Writes an IDoc tree as IDoc-XML, the form every IDoc is stored and
// delivered in whatever port it came through: SAP's own layout (root named
// after the IDoc type, <IDOC BEGIN="1">, segments with SEGMENT="1", one
// element per non-empty field), UTF-8, text escaped. The walk uses no
// recursion, so a deep tree cannot exhaust the stack.

#include <string>
#include <string_view>
#include <vector>

#include "common/doc/document.h"

namespace ferry::idoc {

// `document` is an IDoc tree as the parsers build it (root IDOC; children
// EDI_DC40 and the segments). `is_segment[id]` tells a segment from a field,
// which the tree itself cannot for a segment without fields or children.
// Values must be valid XML characters (the parsers refuse control
// characters); '&', '<' and '>' are escaped.
std::string WriteIdocXml(std::string_view root_name, const doc::Document& document,
                         const std::vector<bool>& is_segment);

}  // namespace ferry::idoc
