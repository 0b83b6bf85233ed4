// Every way in from SAP, end to end to a CRM through the standard flows,
// with real processes: an IDoc from the file port and one in a SOAP
// envelope become Salesforce Accounts by debmas-account-salesforce, and an
// S/4 business event becomes an Account and its Contact by
// bp-account-salesforce (the OData poller's way is s4_contacts_test.cc).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/integration/crm_pipeline.h"
#include "tests/integration/idoc_text.h"
#include "tests/support/crm_sim.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class SourcesToCrmTest : public CrmPipelineTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(port_);
    s4_ = StartS4Sim("s4");
    options_.sources_extra_yaml =
        "  idoc_file:\n    directory: " + port_.string() + "\n    settle: 200ms\n    poll_interval: 100ms\n" +
        "  s4_events:\n    listen: 127.0.0.1:" + std::to_string(events_port_) +
        "\n    path: /sap/events\n    fetch:\n      url: http://127.0.0.1:" + std::to_string(s4_->port()) +
        "\n      insecure: true\n      client: \"100\"\n      user: FERRY_COMM\n      password_file: " +
        SecretFile("s4.password", "s4-secret") +
        "\n      timeout: 5s\n      entities:\n"
        "        - type_prefix: sap.s4.beh.businesspartner.v1.BusinessPartner.\n"
        "          service: API_BUSINESS_PARTNER\n          entity_set: A_BusinessPartner\n"
        "          key: [BusinessPartner]\n"
        "          expand: [to_Customer, to_BusinessPartnerAddress, to_BusinessPartnerContact/to_ContactRelationship]\n"
        "          lookups:\n            - at: to_BusinessPartnerContact\n"
        "              read: A_BusinessPartner('{BusinessPartnerPerson}')\n              as: to_Person\n";
    setup_.Apply(options_);
    options_.connectors_extra_yaml = SalesforceConnector();
    pipeline_ = std::make_unique<Pipeline>(options_);
    pipeline_->StartAll();
    // One bundle, two flows: customers from IDocs, partners from S/4.
    const auto bundle = dir_.path() / "bundle";
    std::filesystem::create_directories(bundle);
    WriteFile(bundle / "customers.yaml", "flow: customers\nextends: debmas-account-salesforce\n");
    WriteFile(bundle / "partners.yaml", "flow: partners\nextends: bp-account-salesforce\n");
    FlowSetup::DeployAndWait(p(), bundle, options_.agent_id);
  }

  json Account(const std::string& number) {
    json record = sim().Find("salesforce", "Account", "SAP_Customer_Number__c", number);
    return record.is_null() ? record : record["fields"];
  }

  std::filesystem::path port_ = dir_.path() / "port";
  int events_port_ = FreeTcpPort();
  std::unique_ptr<CrmSim> s4_;
};

TEST_F(SourcesToCrmTest, TheFilePortSoapAndBusinessEventsEachReachSalesforceThroughTheStandardFlows) {
  // SAP's file port writes, then renames.
  const auto partial = port_ / ".O_750101.partial";
  std::ofstream(partial) << DebmasIdoc(Docnum(750101), "0000750101", "Hafenkontor Nord", "DE");
  std::filesystem::rename(partial, port_ / "O_750101.xml");

  auto soap = p().PostIdoc(InSoap11(DebmasIdoc(Docnum(750102), "0000750102", "Werft Süd", "DE")),
                           "text/xml; charset=utf-8", {{"SOAPAction", "\"\""}});
  ASSERT_EQ(soap.status, 200) << soap.body;

  s4_->Control("seed", {{"vendor", "s4"},
                        {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"},
                        {"id", "2000001"},
                        {"fields", {{"BusinessPartner", "2000001"}, {"FirstName", "Jana"}, {"LastName", "Holm"}}}});
  s4_->Control("seed",
               {{"vendor", "s4"},
                {"object", "API_BUSINESS_PARTNER/A_BusinessPartner"},
                {"id", "100001"},
                {"fields",
                 {{"BusinessPartner", "100001"},
                  {"BusinessPartnerCategory", "2"},
                  {"OrganizationBPName1", "Nordwind Maschinenbau GmbH"},
                  {"to_Customer", {{"Customer", "0000100001"}, {"CustomerAccountGroup", "0001"}}},
                  {"to_BusinessPartnerAddress", json::array({{{"CityName", "Hamburg"}, {"Country", "DE"}}})},
                  {"to_BusinessPartnerContact",
                   json::array({{{"BusinessPartnerCompany", "100001"},
                                 {"BusinessPartnerPerson", "2000001"},
                                 {"ValidityEndDate", "/Date(253402214400000)/"},
                                 {"RelationshipCategory", "BUR001"},
                                 {"to_ContactRelationship", {{"EmailAddress", "jana.holm@nordwind.example"}}}}})}}}});
  const json event = {{"type", "sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1"},
                      {"specversion", "1.0"},
                      {"source", "/default/sap.s4.beh/S4HCLNT100"},
                      {"id", "e2e-1"},
                      {"datacontenttype", "application/json"},
                      {"data", {{"BusinessPartner", "100001"}}}};
  auto pushed = HttpRequest("POST", events_port_, "/sap/events", event.dump(),
                            {{"Content-Type", "application/cloudevents+json"}});
  ASSERT_EQ(pushed.status, 204) << pushed.body;

  ASSERT_TRUE(WaitUntil(
      [&] { return !Account("750101").is_null() && !Account("750102").is_null() && !Account("100001").is_null(); },
      30s));
  EXPECT_EQ(Account("750101")["Name"], "Hafenkontor Nord Werk Hafen");  // NAME1 to NAME4
  EXPECT_EQ(Account("750102")["Name"], "Werft Süd Werk Hafen");
  EXPECT_EQ(Account("100001")["Name"], "Nordwind Maschinenbau GmbH");
  ASSERT_TRUE(WaitUntil(
      [&] { return !sim().Find("salesforce", "Contact", "SAP_Contact_Number__c", "100001-2000001").is_null(); }, 30s));
  const json contact = sim().Find("salesforce", "Contact", "SAP_Contact_Number__c", "100001-2000001")["fields"];
  EXPECT_EQ(contact["LastName"], "Holm");
  EXPECT_EQ(contact["Email"], "jana.holm@nordwind.example");
  EXPECT_TRUE(WaitUntil([&] { return Drained(); }, 20s));
  EXPECT_EQ(p().DeadLetterCount(), 0u);
  EXPECT_FALSE(std::filesystem::exists(port_ / "O_750101.xml"));  // archived once committed
}

}  // namespace
}  // namespace ferry::testing
