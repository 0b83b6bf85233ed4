#pragma once
// UTF-8 checks for text that comes from outside: SAP bodies, event fields
// from the network, values written to logs.

#include <cstddef>
#include <string>
#include <string_view>

namespace ferry {

// The UTF-8 byte order mark, which SAP writes in front of some files.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Offset of the first byte that does not start a well-formed UTF-8 sequence
// (overlong forms, surrogates and code points past U+10FFFF included), or
// npos when all of `s` is well-formed.
size_t FindInvalidUtf8(std::string_view s);

inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

// The characters (code points) of valid UTF-8 `s`: its bytes that do not
// continue a sequence.
inline size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// `s` made safe for one log line: control characters (C0, DEL) and bytes
// that are not well-formed UTF-8 become "\xNN", so a value from outside can
// neither start a line of its own (with a forged journald priority prefix)
// nor carry bytes a log reader chokes on. Everything else is kept.
std::string EscapeForLog(std::string_view s);
// Appends the same to `out`; returns false when nothing needed escaping (and
// `out` got `s` as is).
bool AppendEscapedForLog(std::string_view s, std::string& out);

// At most `max_bytes` of `s` as well-formed UTF-8, for text from outside
// that goes into a protobuf string field (which must be UTF-8, or the
// message no longer parses): each byte that starts no well-formed sequence
// becomes U+FFFD, and the cut falls between characters.
std::string Utf8Prefix(std::string_view s, size_t max_bytes);

// ISO-8859-1 text as UTF-8. ISO-8859-1 maps byte for byte onto
// U+0000..U+00FF; bytes 0x80-0x9F are the C1 controls, not Windows-1252
// characters.
std::string Latin1ToUtf8(std::string_view s);

}  // namespace ferry
