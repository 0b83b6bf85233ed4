// How a mapped record becomes a Salesforce request body.

#include <gtest/gtest.h>

#include "common/flows/json_text.h"
#include "controlplane/connectors/salesforce/salesforce_connector.h"

namespace ferry::controlplane {
namespace {

ferry::v1::MappedRecord SalesforceContact() {
  ferry::v1::MappedRecord r;
  r.set_record("contact");
  r.set_object("Contact");
  r.set_action("upsert");
  r.set_external_id("31001");
  r.set_key_field("SAP_Contact_Number__c");
  r.set_fields_json(
      R"({"LastName":"Holm","SAP_Contact_Number__c":"31001","Credit__c":2500.10,"Tags":["a","b,c"],"Note":"say \"hi\", {ok}"})");
  auto* link = r.add_links();
  link->set_field("AccountId");
  link->set_object("Account");
  link->set_key_field("SAP_Customer_Number__c");
  link->set_external_id("100001");
  auto* custom = r.add_links();
  custom->set_field("Site__c");
  custom->set_object("Site__c");
  custom->set_key_field("Code__c");
  custom->set_external_id("HH");
  return r;
}

TEST(SalesforceBody, SingleUpsertLeavesTheExternalIdToTheUrlAndKeepsDecimalsExact) {
  EXPECT_EQ(SalesforceConnector::RecordBody(SalesforceContact(), false),
            R"({"LastName":"Holm","Credit__c":2500.10,"Tags":["a","b,c"],"Note":"say \"hi\", {ok}",)"
            R"("Account":{"SAP_Customer_Number__c":"100001"},"Site__r":{"Code__c":"HH"}})");
}

TEST(SalesforceBody, CollectionEntryCarriesTypeAndExternalId) {
  EXPECT_EQ(SalesforceConnector::RecordBody(SalesforceContact(), true),
            R"({"attributes":{"type":"Contact"},"SAP_Contact_Number__c":"31001","LastName":"Holm","Credit__c":2500.10,)"
            R"("Tags":["a","b,c"],"Note":"say \"hi\", {ok}","Account":{"SAP_Customer_Number__c":"100001"},)"
            R"("Site__r":{"Code__c":"HH"}})");
}

TEST(JsonTextMembers, SplitsTopLevelMembersExactly) {
  auto members = flows::TopLevelMembers(R"({"a":1.50,"b":"x,}\"y","c":[1,{"d":2}],"e":null})");
  ASSERT_EQ(members.size(), 4u);
  EXPECT_EQ(members[0].key, "a");
  EXPECT_EQ(members[0].value, "1.50");
  EXPECT_EQ(members[1].value, R"("x,}\"y")");
  EXPECT_EQ(members[2].value, R"([1,{"d":2}])");
  EXPECT_EQ(members[3].value, "null");
  EXPECT_TRUE(flows::TopLevelMembers("{}").empty());
  EXPECT_TRUE(flows::TopLevelMembers("[1]").empty());
  EXPECT_TRUE(flows::TopLevelMembers(R"({"a":"unterminated})").empty());
}

}  // namespace
}  // namespace ferry::controlplane
