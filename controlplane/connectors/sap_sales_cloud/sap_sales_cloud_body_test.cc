// How a mapped record becomes SAP Sales Cloud V2 requests.

#include <gtest/gtest.h>

#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_wire.h"

namespace ferry::controlplane::sap_sales_cloud {
namespace {

ferry::v1::MappedRecord ContactPerson() {
  ferry::v1::MappedRecord r;
  r.set_record("contact_person");
  r.set_object("contactPersons");
  r.set_action("upsert");
  r.set_external_id("31001");
  r.set_key_field("externalId");
  r.set_fields_json(R"({"familyName":"Holm","externalId":"31001","credit":2500.10,"note":"say \"hi\", {ok}"})");
  return r;
}

const std::vector<LinkId> kAccount = {{"accountId", "11111111-2222-7333-8444-555555555555"}};

TEST(SapSalesCloudBody, CreateCarriesTheExternalIdFieldsAndLinkedIds) {
  EXPECT_EQ(CreateBody(ContactPerson(), kAccount),
            R"({"externalId":"31001","familyName":"Holm","credit":2500.10,"note":"say \"hi\", {ok}",)"
            R"("accountId":"11111111-2222-7333-8444-555555555555"})");
}

TEST(SapSalesCloudBody, MergePatchLeavesTheExternalIdAlone) {
  EXPECT_EQ(PatchBody(ContactPerson(), kAccount), R"({"familyName":"Holm","credit":2500.10,"note":"say \"hi\", {ok}",)"
                                                  R"("accountId":"11111111-2222-7333-8444-555555555555"})");
  ferry::v1::MappedRecord bare = ContactPerson();
  bare.set_fields_json("{}");
  EXPECT_EQ(PatchBody(bare, {}), "{}");
}

TEST(SapSalesCloudBody, FilterDoublesQuotesAndEncodesTheOption) {
  EXPECT_EQ(FilterTarget("/sap/c4c/api/v1", "account-service/accounts", "externalId", "O'Brien & Co"),
            "/sap/c4c/api/v1/account-service/accounts?$filter=externalId%20eq%20%27O%27%27Brien%20%26%20Co%27");
}

TEST(SapSalesCloudBody, ObjectsMapToTheirServices) {
  EXPECT_EQ(ServicePath("accounts"), "account-service/accounts");
  EXPECT_EQ(ServicePath("contactPersons"), "contact-person-service/contactPersons");
  EXPECT_EQ(ServicePath("registeredProducts"), "registered-product-service/registeredProducts");
  EXPECT_FALSE(ServicePath("Account").has_value());
}

TEST(SapSalesCloudBody, AnswersAreRead) {
  EXPECT_EQ(CollectionIds(R"({"value":[{"id":"a"},{"id":"b"}],"count":2})"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(CollectionIds(R"({"value":[],"count":0})"), std::vector<std::string>{});
  EXPECT_FALSE(CollectionIds(R"({"d":{"results":[]}})").has_value());
  EXPECT_EQ(EntityId(R"({"value":{"id":"x","externalId":"1"}})"), "x");
  EXPECT_EQ(ErrorText(R"({"error":{"code":"REQUIRED","message":"Name missing","target":"formattedName"}})"),
            "REQUIRED: Name missing (target formattedName)");
  EXPECT_EQ(BasicAuthorization("SAPIDOC", "s3cret-Pa55"), "Basic U0FQSURPQzpzM2NyZXQtUGE1NQ==");
}

}  // namespace
}  // namespace ferry::controlplane::sap_sales_cloud
