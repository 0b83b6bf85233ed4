#include "tests/integration/idoc_text.h"

#include <cstdio>
#include <stdexcept>

#include "tests/integration/pipeline.h"

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

std::string DebmasIdoc(const std::string& docnum, const std::string& kunnr, const std::string& name,
                       const std::string& country) {
  std::string xml = ReadFixture("debmas05_customer.xml");
  xml = ReplaceElement(xml, "DOCNUM", docnum);
  xml = ReplaceElement(xml, "KUNNR", kunnr);
  xml = ReplaceElement(xml, "NAME1", name);
  return ReplaceElement(xml, "LAND1", country);
}

std::string CustomerIdocNumbered(uint64_t docnum, const std::string& kunnr) {
  return ReplaceElement(ReplaceElement(ReadFixture("debmas05_customer.xml"), "DOCNUM", Docnum(docnum)), "KUNNR", kunnr);
}

std::string DebmasPacket(const std::vector<CustomerIdoc>& idocs) {
  std::string packet = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DEBMAS05>\n";
  for (const CustomerIdoc& c : idocs) {
    const std::string xml = DebmasIdoc(c.docnum, c.kunnr, "Kunde " + c.kunnr, c.country);
    const size_t begin = xml.find("<IDOC");
    const size_t end = xml.find("</IDOC>");
    packet += xml.substr(begin, end + 7 - begin) + "\n";
  }
  return packet + "</DEBMAS05>\n";
}

}  // namespace ferry::testing
