#include "tests/integration/idoc_text.h"

#include <cstdio>
#include <stdexcept>

namespace ferry::testing {

std::string ReplaceElement(const std::string& xml, const std::string& tag, const std::string& value) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t start = xml.find(open);
  size_t end = start == std::string::npos ? start : xml.find(close, start);
  if (end == std::string::npos) throw std::runtime_error("no <" + tag + "> in IDoc");
  return xml.substr(0, start + open.size()) + value + xml.substr(end);
}

std::string Docnum(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace ferry::testing
