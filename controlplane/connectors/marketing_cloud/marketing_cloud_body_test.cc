// How mapped records become Marketing Cloud rowset and token bodies.

#include <gtest/gtest.h>

#include "controlplane/connectors/marketing_cloud/marketing_cloud_connector.h"

namespace ferry::controlplane {
namespace {

ferry::v1::MappedRecord OrderEvent() {
  ferry::v1::MappedRecord r;
  r.set_record("order_event");
  r.set_object("SAP_Order_Events");
  r.set_action("upsert");
  r.set_external_id("4711-order_created");
  r.set_key_field("EventKey");
  r.set_fields_json(R"({"EventKey":"4711-order_created","ContactKey":"100001","NetValue":1234.50,)"
                    R"("ItemCount":3,"Note":"say \"hi\", {ok}","ShipToCity":null})");
  return r;
}

TEST(MarketingCloudBody, RowPutsTheKeyInKeysAndKeepsDecimalsExact) {
  EXPECT_EQ(MarketingCloudConnector::RowBody(OrderEvent()),
            R"({"keys":{"EventKey":"4711-order_created"},"values":{"ContactKey":"100001","NetValue":1234.50,)"
            R"("ItemCount":3,"Note":"say \"hi\", {ok}","ShipToCity":null}})");
}

TEST(MarketingCloudBody, KeyComesFromTheExternalIdEvenWhenNotAField) {
  ferry::v1::MappedRecord r;
  r.set_object("SAP_Customer_Credit_Status");
  r.set_key_field("CustomerNumber");
  r.set_external_id("10\"01");
  r.set_fields_json(R"({"Blocked":true})");
  EXPECT_EQ(MarketingCloudConnector::RowBody(r), R"({"keys":{"CustomerNumber":"10\"01"},"values":{"Blocked":true}})");
  r.set_fields_json("{}");
  EXPECT_EQ(MarketingCloudConnector::RowBody(r), R"({"keys":{"CustomerNumber":"10\"01"},"values":{}})");
}

TEST(MarketingCloudBody, LinksBecomeColumnsWithTheParentsExternalId) {
  ferry::v1::MappedRecord r = OrderEvent();
  r.set_fields_json(R"({"EventKey":"4711-order_created"})");
  auto* link = r.add_links();
  link->set_field("SoldTo");
  link->set_object("SAP_Customer_Credit_Status");
  link->set_key_field("CustomerNumber");
  link->set_external_id("100001");
  EXPECT_EQ(MarketingCloudConnector::RowBody(r),
            R"({"keys":{"EventKey":"4711-order_created"},"values":{"SoldTo":"100001"}})");
}

TEST(MarketingCloudBody, RowsetIsAnArrayOfRowsInOrder) {
  ferry::v1::MappedRecord a = OrderEvent();
  ferry::v1::MappedRecord b = OrderEvent();
  b.set_external_id("4711-order_confirmed");
  b.set_fields_json(R"({"EventKey":"4711-order_confirmed","NetValue":0.10})");
  EXPECT_EQ(MarketingCloudConnector::RowsetBody({&a, &b}),
            "[" + MarketingCloudConnector::RowBody(a) + "," +
                R"({"keys":{"EventKey":"4711-order_confirmed"},"values":{"NetValue":0.10}}])");
  EXPECT_EQ(MarketingCloudConnector::RowsetBody({}), "[]");
}

TEST(MarketingCloudBody, TokenBodyNamesTheAccountOnlyWhenSet) {
  EXPECT_EQ(MarketingCloudConnector::TokenBody("id", "s\"ecret", ""),
            R"({"grant_type":"client_credentials","client_id":"id","client_secret":"s\"ecret"})");
  EXPECT_EQ(
      MarketingCloudConnector::TokenBody("id", "secret", "514000123"),
      R"({"grant_type":"client_credentials","client_id":"id","client_secret":"secret","account_id":"514000123"})");
}

}  // namespace
}  // namespace ferry::controlplane
