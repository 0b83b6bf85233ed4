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

namespace ferry::idoc {
namespace {

// Encodings SAP's XML-HTTP port may declare (docs/protocols.md §A.1). Names
// compare case-insensitively. Anything else is refused rather than guessed.
constexpr std::string_view kUtf8Names[] = {"UTF-8"};
constexpr std::string_view kLatin1Names[] = {"ISO-8859-1", "latin1", "iso8859-1", "ISO_8859-1"};

// Only what we read: CDATA sections and the predefined/numeric references.
// No parse_doctype (DTDs are refused before parsing anyway), no EOL
// normalisation (payload bytes come from the original text, and field values
// are trimmed), no comments or PIs.
constexpr unsigned kParseOptions = pugi::parse_cdata | pugi::parse_escapes;

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

template <size_t N>
bool IsOneOf(std::string_view name, const std::string_view (&names)[N]) {
  return std::any_of(names, names + N, [&](std::string_view n) { return EqualsIgnoreCase(name, n); });
}

std::string Trimmed(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsXmlSpace(s[b])) ++b;
  while (e > b && IsXmlSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::string HexByte(unsigned char c) {
  constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[c >> 4] + kDigits[c & 0xF];
}

// Names and values copied into messages stay on one line and short: they come
// from untrusted input and end up in HTTP answers and logs.
std::string ForMessage(std::string_view s) {
  constexpr size_t kMax = 64;
  size_t n = std::min(s.size(), kMax);
  while (n < s.size() && n > 0 && (s[n] & 0xC0) == 0x80) --n;  // cut between characters
  std::string out(s.substr(0, n));
  std::replace_if(
      out.begin(), out.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; }, '?');
  return n < s.size() ? out + "..." : out;
}

size_t LineAt(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + std::count(text.begin(), text.begin() + offset, '\n');
}

Status XmlError(std::string_view text, size_t offset, std::string_view what) {
  offset = std::min(offset, text.size());
  const size_t newline = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  const size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
  return Status::InvalidArgument("XML error at line " + std::to_string(LineAt(text, offset)) + ", column " +
                                 std::to_string(offset - line_start + 1) + ": " + std::string(what));
}

// Where the encoding value of the XML declaration sits, if there is one.
struct DeclaredEncoding {
  bool present = false;
  size_t begin = 0;  // offset of the value, quotes excluded
  size_t end = 0;
};

Result<DeclaredEncoding> FindDeclaredEncoding(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsXmlSpace(text[i])) ++i;  // tolerated, as pugixml does
  if (text.substr(i, 5) != "<?xml" || i + 5 >= text.size() || !IsXmlSpace(text[i + 5])) {
    return DeclaredEncoding{};
  }
  const size_t close = text.find("?>", i + 5);
  if (close == std::string_view::npos) return XmlError(text, i, "unterminated XML declaration");
  DeclaredEncoding found;
  i += 5;
  for (;;) {
    while (i < close && IsXmlSpace(text[i])) ++i;
    if (i == close) return found;
    const size_t name_begin = i;
    while (i < close && text[i] != '=' && !IsXmlSpace(text[i])) ++i;
    const std::string_view name = text.substr(name_begin, i - name_begin);
    while (i < close && IsXmlSpace(text[i])) ++i;
    if (i < close && text[i] == '=') ++i;
    while (i < close && IsXmlSpace(text[i])) ++i;
    const size_t quote_end =
        (i < close && (text[i] == '"' || text[i] == '\'')) ? text.find(text[i], i + 1) : std::string_view::npos;
    if (name.empty() || quote_end == std::string_view::npos || quote_end > close) {
      return XmlError(text, i, "malformed XML declaration (expected name=\"value\" pairs)");
    }
    if (name == "encoding") found = {true, i + 1, quote_end};
    i = quote_end + 1;
  }
}

// Returns the body as UTF-8 text: BOM removed, Latin-1 transcoded with the
// declaration rewritten to say UTF-8, UTF-8 validated.
Result<std::string> DecodeBody(std::string_view body) {
  if (body.starts_with("\xFE\xFF") || body.starts_with("\xFF\xFE")) {
    return Status::InvalidArgument("unsupported XML encoding 'UTF-16' (use UTF-8 or ISO-8859-1)");
  }
  if (size_t nul = body.find('\0'); nul != std::string_view::npos) {
    return Status::InvalidArgument("NUL byte at byte offset " + std::to_string(nul) +
                                   " (the body must be UTF-8 or ISO-8859-1 text)");
  }
  const bool has_bom = body.starts_with(kUtf8Bom);
  const size_t skipped = has_bom ? kUtf8Bom.size() : 0;
  std::string_view text = body.substr(skipped);

  Result<DeclaredEncoding> declared = FindDeclaredEncoding(text);
  if (!declared.ok()) return declared.status();
  const std::string_view name =
      declared->present ? text.substr(declared->begin, declared->end - declared->begin) : "UTF-8";

  if (IsOneOf(name, kLatin1Names)) {
    if (has_bom) {
      return Status::InvalidArgument("a UTF-8 byte order mark contradicts the declared encoding '" + ForMessage(name) +
                                     "'");
    }
    std::string rewritten;
    rewritten.reserve(text.size());
    rewritten.append(text.substr(0, declared->begin)).append("UTF-8").append(text.substr(declared->end));
    return Latin1ToUtf8(rewritten);
  }
  if (!IsOneOf(name, kUtf8Names)) {
    return Status::InvalidArgument("unsupported XML encoding '" + ForMessage(name) + "' (use UTF-8 or ISO-8859-1)");
  }
  if (size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Status::InvalidArgument("invalid UTF-8 at byte offset " + std::to_string(bad + skipped) + " (byte " +
                                   HexByte(static_cast<unsigned char>(text[bad])) + ")");
  }
  return std::string(text);
}

// Walks the prolog (declaration, comments, PIs) up to the root element and
// refuses a DOCTYPE there: no DTD means no external entity (XXE) and no
// entity-expansion bomb, whatever the parser would do with one. Also refuses
// stray text, which pugixml would silently skip.
Status CheckProlog(std::string_view text) {
  size_t i = 0;
  for (;;) {
    while (i < text.size() && IsXmlSpace(text[i])) ++i;
    const std::string_view rest = text.substr(i);
    if (rest.empty()) return Status::Ok();  // the parser reports the missing root
    if (rest.starts_with("<?") || rest.starts_with("<!--")) {
      const std::string_view close = rest[1] == '?' ? "?>" : "-->";
      const size_t end = text.find(close, i + 2);
      if (end == std::string_view::npos) return Status::Ok();  // the parser reports it
      i = end + close.size();
      continue;
    }
    if (rest.size() >= 9 && rest.starts_with("<!") && EqualsIgnoreCase(rest.substr(2, 7), "DOCTYPE")) {
      return Status::InvalidArgument("DTDs are not accepted (DOCTYPE at line " + std::to_string(LineAt(text, i)) + ")");
    }
    if (rest.size() >= 2 && rest[0] == '<' && rest[1] != '!' && rest[1] != '/') return Status::Ok();
    return XmlError(text, i, "unexpected content before the root element");
  }
}

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
      if (value.empty()) value = Trimmed(field.text().get());
      break;
    }
  }
  return control;
}

bool IsElement(pugi::xml_node n) { return n.type() == pugi::node_element; }

// The next node of a depth-first, document-order walk of `top`'s subtree
// (null after the last): the tree is walked with parent links, never with
// recursion, so its shape cannot exhaust the stack.
pugi::xml_node NextInWalk(pugi::xml_node node, pugi::xml_node top) {
  if (pugi::xml_node child = node.first_child()) return child;
  while (node != top) {
    if (pugi::xml_node sibling = node.next_sibling()) return sibling;
    node = node.parent();
  }
  return {};
}

// XML 1.0's Char production: what a character reference may name.
bool IsXmlChar(uint64_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

std::string CodePointName(uint64_t c) {
  constexpr char kDigits[] = "0123456789ABCDEF";
  std::string hex;
  for (; c != 0 || hex.size() < 4; c >>= 4) hex.insert(hex.begin(), kDigits[c & 0xF]);
  return "U+" + hex;
}

// Offset in `raw` of the first character that is not XML text once
// decoded: a raw control character, or a numeric character reference to a
// surrogate, past U+10FFFF, to NUL or to another control character. pugixml
// would decode those into bytes that are not valid UTF-8 (or cut the value
// at a NUL), and nothing downstream may see them. `what` names it.
size_t FindNonXmlChar(std::string_view raw, std::string& what) {
  for (size_t i = 0; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      what = "control character " + HexByte(c);
      return i;
    }
    if (c != '&' || i + 2 >= raw.size() || raw[i + 1] != '#') continue;
    const bool hex = raw[i + 2] == 'x';
    uint64_t code = 0;
    size_t j = i + (hex ? 3 : 2);
    for (; j < raw.size() && raw[j] != ';'; ++j) {
      const char d = raw[j];
      int v = -1;
      if (d >= '0' && d <= '9')
        v = d - '0';
      else if (hex && d >= 'a' && d <= 'f')
        v = d - 'a' + 10;
      else if (hex && d >= 'A' && d <= 'F')
        v = d - 'A' + 10;
      if (v < 0) break;
      code = std::min<uint64_t>(code * (hex ? 16 : 10) + v, 0x7FFFFFFF);  // saturate: no overflow
    }
    if (j < raw.size() && raw[j] == ';' && !IsXmlChar(code)) {
      what = "character reference " + std::string(raw.substr(i, j + 1 - i).substr(0, 16)) + " (" +
             (code >= 0x7FFFFFFF ? std::string("past U+10FFFF") : CodePointName(code)) + ")";
      return i;
    }
  }
  return std::string_view::npos;
}

// The text of a value node as it stands in the body: from its offset up to
// the next markup.
std::string_view RawTextAt(std::string_view text, pugi::xml_node value) {
  const ptrdiff_t offset = value.offset_debug();
  if (offset < 0 || static_cast<size_t>(offset) >= text.size()) return {};
  const size_t end = text.find('<', static_cast<size_t>(offset));
  return text.substr(static_cast<size_t>(offset), end == std::string_view::npos ? end : end - offset);
}

// Whether the body holds anything FindNonXmlChar could refuse: a raw control
// character or a numeric character reference. Real IDocs hold neither, so
// one pass over the bytes spares walking every value of the tree.
bool MayHoldNonXmlChars(std::string_view text) {
  for (size_t amp = text.find('&'); amp != std::string_view::npos; amp = text.find('&', amp + 1)) {
    if (amp + 1 < text.size() && text[amp + 1] == '#') return true;
  }
  // Eight bytes at a time: a word with no byte below 0x20 is skipped at
  // once; only words with one (a line end, mostly) are looked at closely.
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (((word - kOnes * 0x20) & ~word & kOnes * 0x80) == 0) continue;
    for (size_t k = i; k < i + 8; ++k) {
      if (p[k] < 0x20 && p[k] != '\t' && p[k] != '\n' && p[k] != '\r') return true;
    }
  }
  for (; i < n; ++i) {
    if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') return true;
  }
  return false;
}

// Checks every text value of the parsed tree, once its references are
// decoded, before anything reads it; the error names the field, its
// segment and the line.
Status CheckText(const pugi::xml_document& doc, std::string_view text) {
  if (!MayHoldNonXmlChars(text)) return Status::Ok();
  for (pugi::xml_node node = doc.first_child(); node; node = NextInWalk(node, doc)) {
    if (node.type() != pugi::node_pcdata) continue;
    const std::string_view raw = RawTextAt(text, node);
    std::string what;
    const size_t bad = FindNonXmlChar(raw, what);
    if (bad == std::string_view::npos) continue;
    const pugi::xml_node field = node.parent();
    const pugi::xml_node segment = field.parent();
    std::string where = "field " + ForMessage(field.name());
    if (IsElement(segment)) where += " of segment " + ForMessage(segment.name());
    return XmlError(text, (raw.data() - text.data()) + bad, where + " holds " + what + ", which is not XML text");
  }
  return Status::Ok();
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
  if (body.empty()) return Status::InvalidArgument("request body is empty (expected IDoc-XML)");
  Result<std::string> decoded = DecodeBody(body);
  if (!decoded.ok()) return decoded.status();
  std::string text = std::move(decoded).value();
  if (Status prolog = CheckProlog(text); !prolog.ok()) return prolog;

  // pugixml parses in place and rewrites its buffer; `text` stays pristine so
  // that payloads are the original bytes. With UTF-8 in and no conversion,
  // offset_debug() offsets are offsets into `text` too.
  std::string buffer = text;
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer_inplace(buffer.data(), buffer.size(), kParseOptions, pugi::encoding_utf8);
  if (!parsed) return XmlError(text, static_cast<size_t>(parsed.offset), parsed.description());
  if (Status values = CheckText(doc, text); !values.ok()) return values;

  pugi::xml_node root;
  for (pugi::xml_node node : doc.children()) {
    if (node.type() != pugi::node_element) continue;
    if (root) {
      return XmlError(text, static_cast<size_t>(node.offset_debug() - 1),
                      "second root element <" + ForMessage(node.name()) + "> after <" + ForMessage(root.name()) +
                          "> (one root element is allowed)");
    }
    root = node;
  }

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
