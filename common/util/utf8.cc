#include "common/util/utf8.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace ferry {
namespace {

// Length of the well-formed sequence at p[0..n), or 0. The range of the
// second byte rules out overlong forms, the surrogates (ED A0..BF) and code
// points past U+10FFFF (F4 90..).
size_t SequenceLength(const unsigned char* p, size_t n) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2 || c > 0xF4) return 0;  // continuation, overlong lead, or past U+10FFFF
  size_t len = 2;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xF0) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else if (c >= 0xE0) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  }
  if (len > n || p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
  }
  return len;
}

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

}  // namespace

size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Our text is nearly all ASCII: skip it eight bytes at a time.
    if (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    const size_t len = SequenceLength(p + i, n - i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string Utf8Prefix(std::string_view s, size_t max_bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  for (size_t i = 0; i < s.size();) {
    const size_t len = SequenceLength(p + i, s.size() - i);
    const std::string_view piece = len == 0 ? std::string_view("\xEF\xBF\xBD") : s.substr(i, len);
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += len == 0 ? 1 : len;
  }
  return out;
}

bool AppendEscapedForLog(std::string_view s, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  bool escaped = false;
  size_t i = 0;
  while (i < n) {
    const size_t len = IsControl(p[i]) ? 0 : SequenceLength(p + i, n - i);
    if (len > 0) {
      out.append(s.data() + i, len);
      i += len;
      continue;
    }
    constexpr char kDigits[] = "0123456789abcdef";
    out += "\\x";
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xF];
    escaped = true;
    ++i;
  }
  return escaped;
}

std::string EscapeForLog(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendEscapedForLog(s, out);
  return out;
}

std::string Latin1ToUtf8(std::string_view s) {
  size_t high = 0;
  for (char c : s) high += (c & 0x80) != 0;
  std::string out;
  out.reserve(s.size() + high);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

}  // namespace ferry
