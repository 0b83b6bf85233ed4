#pragma once
// Helpers that derive test IDocs from the fixtures: a fixture with another
// IDoc number or customer number is a distinct IDoc for the agent.

#include <string>
#include <vector>

namespace ferry::testing {

// Replaces the text of the first <TAG>...</TAG> element.
std::string ReplaceElement(const std::string& xml, const std::string& tag, const std::string& value);
// 16-digit zero-padded IDoc number.
std::string Docnum(uint64_t n);

// The customer fixture (debmas05_customer.xml) as another IDoc for another
// customer, name and country.
std::string DebmasIdoc(const std::string& docnum, const std::string& kunnr, const std::string& name,
                       const std::string& country);
// The customer fixture as IDoc number Docnum(`docnum`) for customer `kunnr`.
std::string CustomerIdocNumbered(uint64_t docnum, const std::string& kunnr);
// The customer fixture as IDoc number Docnum(`docnum`), its customer kept.
std::string FixtureCustomerIdoc(uint64_t docnum);
struct CustomerIdoc {
  std::string docnum, kunnr, country;
};
// One packet of several such IDocs.
std::string DebmasPacket(const std::vector<CustomerIdoc>& idocs);
// The packet `xml` (an XML declaration, then the root) in a SOAP 1.1
// envelope, its root qualified as SAP's IDoc SOAP messages are.
std::string InSoap11(const std::string& xml);

}  // namespace ferry::testing
