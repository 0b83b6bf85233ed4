// S/4 business partners to Salesforce Accounts and Contacts through the
// standard flow bp-account-salesforce, with real processes: the poller
// reads the contact persons' own partners with its lookups
// (docs/sources.md#lookups), a change to either partner reaches the
// Contact, a lookup S/4 does not answer holds the page back rather than
// committing it without what the flow needs, and one S/4 refuses for good
// stops only the record that needs it.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "tests/integration/crm_pipeline.h"
#include "tests/integration/s4_dates.h"
#include "tests/support/crm_sim.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kForever = "/Date(253402214400000)/";  // 9999-12-31

// The poller as docs/sources.md configures it for the business-partner
// flows: the customer and the contact relationships expanded, the persons
// and organisations read by lookups.
std::string ContactsPollerYaml(int port, const std::string& password_file) {
  return "  s4_odata:\n    url: http://127.0.0.1:" + std::to_string(port) +
         "\n    insecure: true\n    client: \"100\"\n    user: FERRY_COMM\n    password_file: " + password_file +
         "\n    interval: 200ms\n    page_size: 50\n    timeout: 5s\n    entities:\n"
         "      - name: business_partner\n        service: API_BUSINESS_PARTNER\n"
         "        entity_set: A_BusinessPartner\n        key: [BusinessPartner]\n"
         "        changed_date: LastChangeDate\n        changed_time: LastChangeTime\n"
         "        expand: [to_Customer, to_BusinessPartnerAddress, to_BusinessPartnerContact/to_ContactRelationship]\n"
         "        deleted_when: IsMarkedForArchiving\n"
         "        lookups:\n"
         "          - at: to_BusinessPartnerContact\n"
         "            read: A_BusinessPartner('{BusinessPartnerPerson}')\n"
         "            as: to_Person\n"
         "          - when: BusinessPartnerCategory eq '1'\n"
         "            read: A_BusinessPartnerContact?$filter=BusinessPartnerPerson eq '{BusinessPartner}'"
         "&$expand=to_ContactRelationship\n"
         "            as: to_ContactOf\n"
         "          - at: to_ContactOf\n"
         "            read: A_BusinessPartner('{BusinessPartnerCompany}')?$expand=to_Customer\n"
         "            as: to_Company\n";
}

json Relationship(const std::string& company, const std::string& person, const std::string& number,
                  const std::string& valid_to, const std::string& email) {
  return {{"RelationshipNumber", number},
          {"BusinessPartnerCompany", company},
          {"BusinessPartnerPerson", person},
          {"ValidityEndDate", valid_to},
          {"RelationshipCategory", "BUR001"},
          {"to_ContactRelationship",
           {{"RelationshipNumber", number},
            {"ContactPersonFunction", "05"},
            {"ContactPersonDepartment", "0003"},
            {"PhoneNumber", "+49 40 555 0101"},
            {"EmailAddress", email}}}};
}

json Organization(const std::string& id, int day, const json& contacts) {
  return {{"BusinessPartner", id},
          {"BusinessPartnerCategory", "2"},
          {"OrganizationBPName1", "Nordwind Maschinenbau GmbH"},
          {"LastChangeDate", ODataDate(day)},
          {"LastChangeTime", "PT09H00M00S"},
          {"IsMarkedForArchiving", false},
          {"to_Customer", {{"Customer", "0000" + id}, {"CustomerAccountGroup", "0001"}, {"DeletionIndicator", false}}},
          {"to_BusinessPartnerAddress", json::array({{{"CityName", "Hamburg"}, {"Country", "DE"}}})},
          {"to_BusinessPartnerContact", contacts}};
}

json Person(const std::string& id, int day, const std::string& last_name) {
  return {{"BusinessPartner", id},        {"BusinessPartnerCategory", "1"},   {"FirstName", "Jana"},
          {"LastName", last_name},        {"LastChangeDate", ODataDate(day)}, {"LastChangeTime", "PT10H00M00S"},
          {"IsMarkedForArchiving", false}};
}

class S4ContactsTest : public CrmPipelineTest {
 protected:
  void SetUp() override {
    s4_ = StartS4Sim("s4");
    options_.sources_extra_yaml = ContactsPollerYaml(s4_->port(), SecretFile("s4.password", "s4-secret"));
    StartPipeline(SalesforceConnector(), "flow: partners\nextends: bp-account-salesforce\n");
  }

  void Seed(const std::string& object, const std::string& id, const json& fields) {
    s4_->Control("seed",
                 {{"vendor", "s4"}, {"object", "API_BUSINESS_PARTNER/" + object}, {"id", id}, {"fields", fields}});
  }
  // The simulated Contact's fields (null when there is none).
  json Contact(const std::string& key) {
    json record = sim().Find("salesforce", "Contact", "SAP_Contact_Number__c", key);
    return record.is_null() ? record : record["fields"];
  }
  // How many versions of `key` the agent has stored.
  size_t StoredVersions(const std::string& key) {
    int code = 0;
    std::string error;
    const std::string out = p().RunAgentCli("queue show " + key + " --json", &code, &error);
    const json shown = json::parse(out, nullptr, false);
    if (code != 0 || !shown.is_array()) ADD_FAILURE() << "queue show " << key << ": " << error << out;
    return code == 0 && shown.is_array() ? shown.size() : 0;
  }
  bool LogHas(const std::string& text) {
    std::ifstream in(p().agent().log_file());
    std::stringstream log;
    log << in.rdbuf();
    return log.str().find(text) != std::string::npos;
  }

  std::unique_ptr<CrmSim> s4_;
};

TEST_F(S4ContactsTest, ContactsCarryTheirPersonsNameAndFollowChangesToEitherPartner) {
  // S/4 holds the relationship twice over, as its API shows it: in the
  // organisation's to_BusinessPartnerContact and as an A_BusinessPartnerContact.
  const json jana = Relationship("100001", "2000001", "000000004711", kForever, "jana.holm@nordwind.example");
  Seed("A_BusinessPartner", "2000001", Person("2000001", 1, "Holm"));
  Seed("A_BusinessPartnerContact", "000000004711", jana);
  Seed("A_BusinessPartner", "100001", Organization("100001", 1, json::array({jana})));

  json account, contact;
  ASSERT_TRUE(WaitUntil(
      [&] {
        account = sim().Find("salesforce", "Account", "SAP_Customer_Number__c", "100001");
        contact = Contact("100001-2000001");
        return !account.is_null() && !contact.is_null();
      },
      30s));
  EXPECT_EQ(contact["LastName"], "Holm");  // from the person's own partner, a lookup
  EXPECT_EQ(contact["FirstName"], "Jana");
  EXPECT_EQ(contact["Email"], "jana.holm@nordwind.example");
  EXPECT_EQ(contact["Title"], "Sales Manager");
  EXPECT_EQ(contact["AccountId"], account["id"]);

  // The person marries: only her own partner changes. The person's side
  // of the flow brings it to the Contact.
  Seed("A_BusinessPartner", "2000001", Person("2000001", 2, "Holm-Berg"));
  ASSERT_TRUE(WaitUntil([&] { return Contact("100001-2000001")["LastName"] == "Holm-Berg"; }, 30s))
      << Contact("100001-2000001").dump();

  // The relationship ends: the organisation changes with it, and the
  // Contact is deleted.
  const json ended = Relationship("100001", "2000001", "000000004711", ODataDate(3), "jana.holm@nordwind.example");
  Seed("A_BusinessPartnerContact", "000000004711", ended);
  Seed("A_BusinessPartner", "100001", Organization("100001", 3, json::array({ended})));
  ASSERT_TRUE(WaitUntil([&] { return Contact("100001-2000001").is_null(); }, 30s));
  EXPECT_TRUE(WaitUntil([&] { return Drained(); }, 20s));
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(S4ContactsTest, ALookupS4DoesNotAnswerHoldsThePageBackUntilItDoes) {
  const json jana = Relationship("100001", "2000001", "000000004711", kForever, "jana.holm@nordwind.example");
  Seed("A_BusinessPartner", "2000001", Person("2000001", 1, "Holm"));
  Seed("A_BusinessPartnerContact", "000000004711", jana);
  Seed("A_BusinessPartner", "100001", Organization("100001", 1, json::array({jana})));
  ASSERT_TRUE(WaitUntil([&] { return !Contact("100001-2000001").is_null(); }, 30s));
  ASSERT_EQ(StoredVersions("A_BusinessPartner:2000001"), 1u);

  // The person's relationships cannot be read (S/4 busy): the renamed
  // person is not committed until they can, so its Contact is not left
  // without its organisation.
  s4_->Control("faults",
               {{"vendor", "s4"}, {"status", 503}, {"count", 1000}, {"path_contains", "A_BusinessPartnerContact"}});
  Seed("A_BusinessPartner", "2000001", Person("2000001", 2, "Holm-Berg"));
  ASSERT_TRUE(WaitUntil([&] { return s4_->Stats()["s4"]["by_status"].value("503", 0) >= 3; }, 20s));
  EXPECT_EQ(StoredVersions("A_BusinessPartner:2000001"), 1u);
  EXPECT_EQ(Contact("100001-2000001")["LastName"], "Holm");

  s4_->Control("clear-faults", {{"vendor", "s4"}});
  ASSERT_TRUE(WaitUntil([&] { return Contact("100001-2000001")["LastName"] == "Holm-Berg"; }, 30s));
  EXPECT_EQ(StoredVersions("A_BusinessPartner:2000001"), 2u);
  EXPECT_EQ(sim().Count("salesforce", "Contact"), 1u);
  EXPECT_EQ(p().DeadLetterCount(), 0u);
}

TEST_F(S4ContactsTest, APersonS4RefusesToShowStopsOnlyItsOwnContact) {
  // Person 2000002 is in an authorization group the communication user
  // may not read: its lookup is refused (403) for good, and logged. The
  // organisation, its other contact and the entity set go on; the contact
  // whose person could not be read is left out.
  const json jana = Relationship("100001", "2000001", "000000004711", kForever, "jana.holm@nordwind.example");
  const json ole = Relationship("100001", "2000002", "000000004712", kForever, "ole.brandt@nordwind.example");
  s4_->Control("faults",
               {{"vendor", "s4"}, {"status", 403}, {"count", 1000}, {"path_contains", "A_BusinessPartner('2000002')"}});
  Seed("A_BusinessPartner", "2000001", Person("2000001", 1, "Holm"));
  Seed("A_BusinessPartnerContact", "000000004711", jana);
  Seed("A_BusinessPartner", "100001", Organization("100001", 1, json::array({jana, ole})));
  ASSERT_TRUE(WaitUntil([&] { return !Contact("100001-2000001").is_null(); }, 30s));
  EXPECT_FALSE(sim().Find("salesforce", "Account", "SAP_Customer_Number__c", "100001").is_null());
  EXPECT_TRUE(WaitUntil([&] { return LogHas("event=s4_odata_lookup_refused"); }, 10s));
  EXPECT_TRUE(LogHas("A_BusinessPartner('2000002'): S/4 answered 403"));
  EXPECT_TRUE(WaitUntil([&] { return Drained(); }, 20s));
  EXPECT_TRUE(Contact("100001-2000002").is_null());
  EXPECT_EQ(p().DeadLetterCount(), 0u);

  // Later changes still arrive: the set is not stuck on the refused one.
  Seed("A_BusinessPartner", "2000001", Person("2000001", 2, "Holm-Berg"));
  ASSERT_TRUE(WaitUntil([&] { return Contact("100001-2000001")["LastName"] == "Holm-Berg"; }, 30s));
}

}  // namespace
}  // namespace ferry::testing
