#include "common/xml/untrusted_xml.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/util/utf8.h"

namespace ferry::xml {
namespace {

size_t LineAt(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + std::count(text.begin(), text.begin() + offset, '\n');
}

}  // namespace

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Trimmed(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsXmlSpace(s[b])) ++b;
  while (e > b && IsXmlSpace(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
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

Status XmlError(std::string_view text, size_t offset, std::string_view what) {
  offset = std::min(offset, text.size());
  const size_t newline = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  const size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
  return Status::InvalidArgument("XML error at line " + std::to_string(LineAt(text, offset)) + ", column " +
                                 std::to_string(offset - line_start + 1) + ": " + std::string(what));
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

size_t OffsetOf(pugi::xml_node element) {
  return static_cast<size_t>(std::max<ptrdiff_t>(element.offset_debug() - 1, 0));
}

namespace {

// Encodings a sender may declare (SAP's XML-HTTP port: docs/protocols.md
// §A.1). Names compare case-insensitively. Anything else is refused rather
// than guessed.
constexpr std::string_view kUtf8Names[] = {"UTF-8"};
constexpr std::string_view kLatin1Names[] = {"ISO-8859-1", "latin1", "iso8859-1", "ISO_8859-1"};

// Only what we read: CDATA sections and the predefined/numeric references.
// No parse_doctype (DTDs are refused before parsing anyway), no EOL
// normalisation (payload bytes come from the original text, and field values
// are trimmed), no comments or PIs.
constexpr unsigned kParseOptions = pugi::parse_cdata | pugi::parse_escapes;

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

std::string HexByte(unsigned char c) {
  constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[c >> 4] + kDigits[c & 0xF];
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
    if (node.type() == pugi::node_cdata) {
      // A CDATA section holds no references: only its raw bytes can be wrong.
      const std::string_view value = node.value();
      for (size_t i = 0; i < value.size(); ++i) {
        const auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') continue;
        const size_t at = static_cast<size_t>(std::max<ptrdiff_t>(node.offset_debug(), 0)) + i;
        return XmlError(text, at,
                        "field " + ForMessage(node.parent().name()) + " holds control character " + HexByte(c) +
                            " in a CDATA section, which is not XML text");
      }
      continue;
    }
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

}  // namespace

Result<std::unique_ptr<UntrustedXml>> ParseUntrustedXml(std::string_view body, std::string_view expected) {
  if (body.empty()) return Status::InvalidArgument("request body is empty (expected " + std::string(expected) + ")");
  Result<std::string> decoded = DecodeBody(body);
  if (!decoded.ok()) return decoded.status();
  auto xml = std::make_unique<UntrustedXml>();
  xml->text = std::move(decoded).value();
  const std::string& text = xml->text;
  if (Status prolog = CheckProlog(text); !prolog.ok()) return prolog;
  // pugixml parses in place and rewrites its buffer: a copy, so `text`
  // stays pristine (payloads are the original bytes). With UTF-8 in and no
  // conversion, offset_debug() offsets are offsets into `text` too.
  xml->buffer = text;
  const pugi::xml_parse_result parsed =
      xml->doc.load_buffer_inplace(xml->buffer.data(), xml->buffer.size(), kParseOptions, pugi::encoding_utf8);
  if (!parsed) return XmlError(text, static_cast<size_t>(parsed.offset), parsed.description());
  if (Status values = CheckText(xml->doc, text); !values.ok()) return values;
  for (pugi::xml_node node : xml->doc.children()) {
    if (node.type() != pugi::node_element) continue;
    if (xml->root) {
      return XmlError(text, OffsetOf(node),
                      "second root element <" + ForMessage(node.name()) + "> after <" + ForMessage(xml->root.name()) +
                          "> (one root element is allowed)");
    }
    xml->root = node;
  }
  if (!xml->root) return XmlError(text, text.size(), "no root element");
  return xml;
}

}  // namespace ferry::xml
