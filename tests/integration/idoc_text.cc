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

std::string FixtureCustomerIdoc(uint64_t docnum) {
  return ReplaceElement(ReadFixture("debmas05_customer.xml"), "DOCNUM", Docnum(docnum));
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

std::string InSoap11(const std::string& xml) {
  std::string packet = xml.substr(xml.find("?>") + 2);
  const size_t open = packet.find('<') + 1;
  packet.insert(open, "idoc:");
  const size_t space_or_close = packet.find_first_of(" >", open);
  packet.insert(space_or_close, " xmlns:idoc=\"urn:sap-com:document:sap:idoc:messages\"");
  const size_t close = packet.rfind("</") + 2;
  packet.insert(close, "idoc:");
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap-env:Header/>"
         "<soap-env:Body>" +
         packet + "</soap-env:Body></soap-env:Envelope>\n";
}

}  // namespace ferry::testing
