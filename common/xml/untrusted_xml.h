#pragma once
// Reading XML that comes from outside (SAP's IDoc-XML, a CRM's SOAP
// notification): the checks every such body passes before anything reads
// a value from it, in one place.
//
// ParseUntrustedXml accepts UTF-8 (a BOM allowed) or ISO-8859-1 as
// declared, and refuses UTF-16, NUL bytes, invalid UTF-8, a DOCTYPE (no
// DTD: no external entity, no entity-expansion bomb), text before the root
// element, a second root element, and any value that would decode to a
// character XML does not allow (a control character, a surrogate). Errors
// name the line and the column. The tree is walked only iteratively
// (NextInWalk): its shape cannot exhaust the stack.

#include <memory>
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ferry::xml {

struct UntrustedXml {
  std::string text;    // the body as UTF-8 text; node offsets (offset_debug) point into it
  std::string buffer;  // what `doc` was parsed in place from (it points into it)
  pugi::xml_document doc;
  pugi::xml_node root;  // the one root element
};

// `expected` names what the body should be, for the empty-body message
// (e.g. "IDoc-XML").
Result<std::unique_ptr<UntrustedXml>> ParseUntrustedXml(std::string_view body, std::string_view expected);

bool IsXmlSpace(char c);
// Without the leading and trailing XML white space.
std::string Trimmed(std::string_view s);
// A name or value from the body as it may appear in a message: one line,
// at most 64 bytes, cut between characters.
std::string ForMessage(std::string_view s);
// InvalidArgument "XML error at line L, column C: what".
Status XmlError(std::string_view text, size_t offset, std::string_view what);
// An element's offset in UntrustedXml::text (its '<').
size_t OffsetOf(pugi::xml_node element);
bool IsElement(pugi::xml_node n);
// The next node of a depth-first, document-order walk of `top`'s subtree
// (null after the last), with parent links, never with recursion.
pugi::xml_node NextInWalk(pugi::xml_node node, pugi::xml_node top);

}  // namespace ferry::xml
