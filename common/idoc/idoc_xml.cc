#include "common/idoc/idoc_xml.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <pugixml.hpp>
#include <tuple>
#include <utility>

#include "common/idoc/xml_names.h"
#include "common/util/utf8.h"
#include "common/xml/untrusted_xml.h"

namespace ferry::idoc {
namespace {

using xml::ForMessage;
using xml::IsElement;
using xml::IsXmlSpace;
using xml::XmlError;

// Offset just past the end tag that closes the element starting at `start`
// (its '<'), or npos. The body has been parsed as well-formed XML already, so
// a small tokenizer is enough: it skips comments, CDATA sections and PIs,
// steps over quoted attribute values (which may hold '<' and '>'), and
// counts nesting, so an element named IDOC inside a segment or "</IDOC>" in
// an attribute cannot end the slice early. No recursion, one pass.
size_t FindElementEnd(std::string_view text, size_t start) {
  size_t depth = 0;
  size_t i = start;
  while ((i = text.find('<', i)) != std::string_view::npos) {
    const std::string_view rest = text.substr(i);
    // The end is searched for after the whole opener, as the parser does:
    // "<!-->" does not close the comment it opens.
    std::string_view opener, skip_to;
    if (rest.starts_with("<!--")) {
      opener = "<!--";
      skip_to = "-->";
    } else if (rest.starts_with("<![CDATA[")) {
      opener = "<![CDATA[";
      skip_to = "]]>";
    } else if (rest.starts_with("<?")) {
      opener = "<?";
      skip_to = "?>";
    }
    if (!skip_to.empty()) {
      i = text.find(skip_to, i + opener.size());
      if (i == std::string_view::npos) return i;
      i += skip_to.size();
      continue;
    }
    const bool end_tag = rest.starts_with("</");
    // The tag's closing '>', outside quoted attribute values.
    size_t j = i + 1;
    char quote = 0;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        break;
      }
    }
    if (j >= text.size()) return std::string_view::npos;
    const bool empty_element = !end_tag && text[j - 1] == '/';
    if (end_tag) {
      if (depth == 0) return std::string_view::npos;  // not well-formed: cannot happen after parsing
      if (--depth == 0) return j + 1;
    } else if (!empty_element) {
      ++depth;
    } else if (depth == 0) {
      return j + 1;  // <IDOC/>
    }
    i = j + 1;
  }
  return std::string_view::npos;
}

// One pass over the fields present; unknown ones (EXPRSS, STD, ARCKEY, ...)
// are ignored, and a repeated field keeps its first non-empty value.
ControlRecord ReadControlRecord(pugi::xml_node edi_dc40) {
  ControlRecord control;
  for (pugi::xml_node field : edi_dc40.children()) {
    for (const ControlField& f : ControlFields()) {
      if (f.member == nullptr || f.tag != field.name()) continue;
      std::string& value = control.*f.member;
      if (value.empty()) value = xml::Trimmed(field.text().get());
      break;
    }
  }
  return control;
}

Status TooDeep(std::string_view text, pugi::xml_node element, const ParseLimits& limits) {
  return XmlError(text, static_cast<size_t>(std::max<ptrdiff_t>(element.offset_debug() - 1, 0)),
                  "elements nested more than " + std::to_string(limits.max_depth) + " levels deep (<" +
                      ForMessage(element.name()) + ">); the limit is sources.idoc_http.max_depth");
}

// Copies an IDOC element's subtree into a document: an element with child
// elements is a segment, one without is a field whose value is its text.
// Iterative, and an element nested deeper than the limit (counted from the
// root element, at depth 0) refuses the body. Nothing else walks below an
// IDOC's direct children, and nothing walks outside the IDOCs at all, so
// this is where depth matters.
Result<std::shared_ptr<const doc::Document>> BuildDocument(pugi::xml_node idoc, std::string_view text,
                                                           const ParseLimits& limits) {
  auto document = std::make_shared<doc::Document>("IDOC");
  document->Reserve(128, 4096);
  std::vector<std::pair<pugi::xml_node, doc::NodeId>> parents{{idoc, document->root()}};
  pugi::xml_node node = idoc.first_child();
  for (;;) {
    if (!node) {  // past a segment's last child: on to the segment's next sibling
      if (parents.size() == 1) break;
      node = parents.back().first.next_sibling();
      parents.pop_back();
      continue;
    }
    if (!IsElement(node)) {
      node = node.next_sibling();
      continue;
    }
    if (parents.size() + 1 >= limits.max_depth) return TooDeep(text, node, limits);  // parents[0] is at depth 1
    const doc::NodeId parent = parents.back().second;
    const bool is_segment = node.attribute("SEGMENT") || node.find_child(IsElement);
    if (!is_segment) {
      document->AddChild(parent, node.name(), node.child_value());
      node = node.next_sibling();
      continue;
    }
    parents.emplace_back(node, document->AddChild(parent, node.name()));
    node = node.first_child();
  }
  return std::shared_ptr<const doc::Document>(std::move(document));
}

// Control record and keys of the k-th (1-based) IDOC; `xml` is left empty.
Result<ParsedIdoc> ReadIdoc(pugi::xml_node idoc, size_t k, std::string_view text, const ParseLimits& limits) {
  pugi::xml_node edi_dc40 = idoc.child("EDI_DC40");
  if (!edi_dc40) {
    return Status::InvalidArgument("IDOC #" + std::to_string(k) + " has no EDI_DC40 control record");
  }
  ParsedIdoc parsed;
  parsed.control = ReadControlRecord(edi_dc40);
  if (Status checked = CheckControlRecord(parsed.control, "IDOC #" + std::to_string(k)); !checked.ok()) return checked;
  auto document = BuildDocument(idoc, text, limits);
  if (!document.ok()) return document.status();
  parsed.document = std::move(document).value();
  IdocKeys keys = KeysOf(parsed.control, *parsed.document);
  parsed.dedup_key = std::move(keys.dedup_key);
  parsed.business_key = std::move(keys.business_key);
  return parsed;
}

constexpr std::string_view kSoap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kSoap12Namespace = "http://www.w3.org/2003/05/soap-envelope";

// The packet inside a SOAP envelope, and the SOAP version; the envelope's
// namespace is looked up on the envelope itself, where senders declare it.
Result<std::pair<pugi::xml_node, SoapVersion>> UnwrapSoap(pugi::xml_node envelope, std::string_view text) {
  const std::string_view name = envelope.name();
  const std::string prefix(name.substr(0, name.size() - LocalName(name).size()));  // "soapenv:" or ""
  const std::string xmlns = prefix.empty() ? "xmlns" : "xmlns:" + prefix.substr(0, prefix.size() - 1);
  const std::string_view ns = envelope.attribute(xmlns.c_str()).value();
  SoapVersion version = SoapVersion::kNone;
  if (ns == kSoap11Namespace) version = SoapVersion::kSoap11;
  if (ns == kSoap12Namespace) version = SoapVersion::kSoap12;
  if (version == SoapVersion::kNone) {
    return XmlError(text, static_cast<size_t>(envelope.offset_debug() - 1),
                    "an Envelope in namespace '" + ForMessage(ns) + "' is not SOAP 1.1 or 1.2");
  }
  pugi::xml_node body = envelope.child((prefix + "Body").c_str());
  if (!body) return Status::InvalidArgument("the SOAP envelope has no Body");
  pugi::xml_node packet;
  size_t elements = 0;
  for (pugi::xml_node child : body.children()) {
    if (child.type() != pugi::node_element) continue;
    if (++elements == 1) packet = child;
  }
  if (elements == 0) return Status::InvalidArgument("the SOAP Body holds no IDoc");
  if (elements > 1) {
    return Status::InvalidArgument("the SOAP Body holds " + std::to_string(elements) +
                                   " elements; it must hold one IDoc packet");
  }
  return std::pair{packet, version};
}

}  // namespace

bool LooksLikeSoapEnvelope(std::string_view body) {
  size_t i = 0;
  for (;;) {
    i = body.find('<', i);
    if (i == std::string_view::npos || i + 1 >= body.size()) return false;
    if (body[i + 1] != '?' && body[i + 1] != '!') break;
    ++i;
  }
  size_t end = i + 1;
  while (end < body.size() && !IsXmlSpace(body[end]) && body[end] != '>' && body[end] != '/') ++end;
  return LocalName(body.substr(i + 1, end - i - 1)) == "Envelope";
}

Result<ParsedPacket> ParseIdocXml(std::string_view body, const ParseLimits& limits) {
  Result<std::unique_ptr<xml::UntrustedXml>> parsed = xml::ParseUntrustedXml(body, "IDoc-XML");
  if (!parsed.ok()) return parsed.status();
  std::string& text = (*parsed)->text;
  pugi::xml_node root = (*parsed)->root;

  ParsedPacket packet;
  if (LocalName(root.name()) == "Envelope") {
    auto unwrapped = UnwrapSoap(root, text);
    if (!unwrapped.ok()) return unwrapped.status();
    std::tie(root, packet.soap) = *unwrapped;
  }
  packet.root_name = LocalName(root.name());
  std::vector<pugi::xml_node> idoc_nodes;
  for (pugi::xml_node idoc : root.children("IDOC")) {
    Result<ParsedIdoc> read = ReadIdoc(idoc, idoc_nodes.size() + 1, text, limits);
    if (!read.ok()) return read.status();
    packet.idocs.push_back(std::move(read).value());
    idoc_nodes.push_back(idoc);
  }
  if (packet.idocs.empty()) {
    return Status::InvalidArgument("no <IDOC> element under <" + ForMessage(root.name()) + ">");
  }
  if (packet.idocs.size() == 1 && packet.soap == SoapVersion::kNone) {
    packet.idocs[0].xml = std::move(text);
    return packet;
  }

  const std::string head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + packet.root_name + ">";
  const std::string tail = "</" + packet.root_name + ">\n";
  for (size_t i = 0; i < idoc_nodes.size(); ++i) {
    const ptrdiff_t name_offset = idoc_nodes[i].offset_debug();
    const size_t begin = name_offset > 0 ? static_cast<size_t>(name_offset - 1) : text.size();
    const size_t end = begin < text.size() && text[begin] == '<' ? FindElementEnd(text, begin) : std::string_view::npos;
    if (end == std::string_view::npos) {  // a parser bug, not bad input
      return Status::Internal("IDOC #" + std::to_string(i + 1) + ": cannot locate it in the body");
    }
    std::string& xml = packet.idocs[i].xml;
    xml.reserve(head.size() + (end - begin) + tail.size());
    xml.append(head).append(text, begin, end - begin).append(tail);
  }
  return packet;
}

}  // namespace ferry::idoc
