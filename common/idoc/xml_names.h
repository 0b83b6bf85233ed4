#pragma once
// XML names as the IDoc readers compare them: without a namespace prefix.

#include <string_view>

namespace ferry::idoc {

// "xsd:element" → "element", "soap-env:Envelope" → "Envelope", "IDOC" → "IDOC".
inline std::string_view LocalName(std::string_view qualified) {
  const size_t colon = qualified.find(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

}  // namespace ferry::idoc
