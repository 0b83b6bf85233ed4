// How a mapped record becomes SAP Sales Cloud V2 requests.

#include <gtest/gtest.h>

#include "common/util/clock.h"
#include "controlplane/connectors/sap_sales_cloud/sap_sales_cloud_query.h"
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
  EXPECT_EQ(ServicePath("salesQuotes"), "sales-quote-service/salesQuotes");
  EXPECT_EQ(ServicePath("cases"), "case-service/cases");
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

TEST(SapSalesCloudBody, ExtensionFieldsAreWrittenInsideTheirMember) {
  ferry::v1::MappedRecord quote;
  quote.set_object("salesQuotes");
  quote.set_key_field("id");
  quote.set_external_id("6f1c");
  quote.set_fields_json(
      R"({"extensions/FerrySAPOrderNumber":"4711","name":"Q","extensions/FerrySAPOrderMessage":null})");
  EXPECT_EQ(PatchBody(quote, {}),
            R"({"name":"Q","extensions":{"FerrySAPOrderNumber":"4711","FerrySAPOrderMessage":null}})");
}

TEST(SapSalesCloudBody, APatchThatChangesNothingIsKnown) {
  const std::string entity =
      R"({"value":{"id":"q","name":"Q","n":2.5,"extensions":{"FerrySAPOrderNumber":"4711","Other":1}}})";
  EXPECT_TRUE(PatchChangesNothing(entity, R"({"extensions":{"FerrySAPOrderNumber":"4711","Msg":null}})"));
  EXPECT_TRUE(PatchChangesNothing(entity, R"({"name":"Q","n":2.5,"gone":null})"));
  EXPECT_FALSE(PatchChangesNothing(entity, R"({"extensions":{"FerrySAPOrderNumber":"4712"}})"));
  EXPECT_FALSE(PatchChangesNothing(entity, R"({"extensions":{"Other":null}})"));
  EXPECT_FALSE(PatchChangesNothing(entity, R"({"name":"R"})"));
  EXPECT_FALSE(PatchChangesNothing(R"({"value":{"id":"q"}})", R"({"extensions":{"FerrySAPOrderNumber":"4711"}})"));
  EXPECT_FALSE(PatchChangesNothing("not json", "{}"));
}

TEST(SapSalesCloudQuery, ReadQueriesNameTheServiceOptionsAndLookups) {
  std::string error;
  auto spec = ParseReadQuery(
      " sales-quote-service/salesQuotes?$exclude=notes ;with account/partyId from account-service/accounts;"
      " with  shipTo/partyId  from account-service/accounts ",
      &error);
  ASSERT_TRUE(spec.has_value()) << error;
  EXPECT_EQ(spec->collection, "sales-quote-service/salesQuotes");
  EXPECT_EQ(spec->options, "$exclude=notes");
  ASSERT_EQ(spec->lookups.size(), 2u);
  EXPECT_EQ(spec->lookups[0].id_path, (std::vector<std::string>{"account", "partyId"}));
  EXPECT_EQ(spec->lookups[1].collection, "account-service/accounts");
  EXPECT_EQ(CheckReadQuery("case-service/cases"), "");
  for (const char* bad : {"", "salesQuotes", "Sales-Quote/salesQuotes", "sales-quote-service/salesQuotes?$a=b c",
                          "sales-quote-service/salesQuotes?$a=#", "x-service/xs; account/partyId",
                          "x-service/xs; with partyId from account-service/accounts",
                          "x-service/xs; with a/b from ../accounts", "x-service/../xs",
                          "x-service/xs;with a/b from s/c;with a/b from s/c;with a/b from s/c;with a/b from s/c;"
                          "with a/b from s/c"}) {
    EXPECT_NE(CheckReadQuery(bad), "") << bad;
  }
}

TEST(SapSalesCloudQuery, ChangesAreAskedOldestFirstSinceATime) {
  ChangesQuery q;
  q.object = "salesQuotes";
  q.filter = "progressStatus eq 'WON' or x eq 1";
  q.since_unix_ms = ParseIsoTimeMs("2026-12-07T01:02:03.004Z").value();
  q.skip = 2;
  q.limit = 50;
  EXPECT_EQ(ChangesTarget("/sap/c4c/api/v1", "sales-quote-service/salesQuotes", q),
            "/sap/c4c/api/v1/sales-quote-service/salesQuotes?$filter=adminData%2FupdatedOn%20ge%20"
            "2026-12-07T01%3A02%3A03.004Z%20and%20%28progressStatus%20eq%20%27WON%27%20or%20x%20eq%201%29"
            "&$orderby=adminData%2FupdatedOn%20asc%2Cid%20asc&$top=50&$skip=2&$select=id%2CadminData");
  auto listed = ChangedRecords(R"({"count":2,"value":[{"id":"a","adminData":{"updatedOn":"2026-12-07T01:02:03.004Z"}},)"
                               R"({"id":"b","adminData":{"createdOn":"x","updatedOn":"2026-12-07T01:02:04Z"}}]})");
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].record_id, "a");
  EXPECT_EQ((*listed)[0].modified_unix_ms, q.since_unix_ms);
  EXPECT_EQ((*listed)[1].modified_unix_ms, q.since_unix_ms + 996);
  EXPECT_TRUE(ChangedRecords(R"({"value":[]})").value().empty());
  for (const char* bad :
       {R"({"value":[{"id":"a"}]})", R"({"value":[{"adminData":{"updatedOn":"2026-12-07T01:02:04Z"}}]})",
        R"({"value":[{"id":"a","adminData":{"updatedOn":"yesterday"}}]})", R"({"value":{}})",
        R"({"value":[{"id":"../a","adminData":{"updatedOn":"2026-12-07T01:02:04Z"}}]})", "not json"}) {
    EXPECT_FALSE(ChangedRecords(bad).has_value()) << bad;
  }
}

TEST(SapSalesCloudQuery, APartyIsCompletedWithItsEntityAsWritten) {
  const std::string quote =
      R"({"id":"q1","account":{"partyId":"a1","partyName":"Ours"},"totalValues":{"netAmount":{"content":2500.50}}})";
  EXPECT_EQ(TextAt(quote, {"account", "partyId"}), "a1");
  EXPECT_EQ(TextAt(quote, {"account", "missing"}), "");
  EXPECT_EQ(TextAt(quote, {"totalValues", "netAmount", "content"}), "") << "only text is taken";
  auto completed =
      CompletedAt(quote, {"account"}, R"( {"id":"a1", "partyName":"Theirs", "externalId":"17100001", "credit":2.0} )");
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(*completed, R"({"id":"q1","account":{"partyId":"a1","partyName":"Ours","id":"a1","externalId":"17100001",)"
                        R"("credit":2.0},"totalValues":{"netAmount":{"content":2500.50}}})");
  EXPECT_EQ(CompletedAt(R"({"account":{}})", {"account"}, R"({"x":1})").value_or(""), R"({"account":{"x":1}})");
  EXPECT_FALSE(CompletedAt(quote, {"missing"}, "{}").has_value());
  EXPECT_FALSE(CompletedAt(quote, {"account"}, "[1]").has_value());
}

}  // namespace
}  // namespace ferry::controlplane::sap_sales_cloud
