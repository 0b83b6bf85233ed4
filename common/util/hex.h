#pragma once
// Bytes as lowercase hex, two digits a byte: digests, key ids, secrets.

#include <cstddef>
#include <string>

namespace ferry {

inline std::string ToHex(const unsigned char* data, size_t size) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

}  // namespace ferry
