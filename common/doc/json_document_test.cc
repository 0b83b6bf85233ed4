#include "common/doc/json_document.h"

#include <gtest/gtest.h>

#include "common/flows/flow_set.h"

namespace ferry::doc {
namespace {

// A CloudEvents business partner event in the shape S/4HANA sends.
constexpr std::string_view kEvent = R"({
  "type": "sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1",
  "specversion": "1.0",
  "data": {"BusinessPartner": "1000042", "Roles": [{"Role": "FLCU00"}, {"Role": "FLCU01"}],
           "Blocked": false, "Credit": 2500.50, "Note": null}
})";

TEST(JsonDocument, MembersArraysAndScalarsBecomeNodes) {
  auto doc = FromJson(kEvent, "event");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  const Document& d = **doc;
  EXPECT_EQ(d.name(d.root()), "event");
  NodeId type = d.first_child(d.root());
  EXPECT_EQ(d.name(type), "type");
  EXPECT_EQ(d.value(type), "sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1");
  NodeId data = d.next_sibling(d.next_sibling(type));
  ASSERT_EQ(d.name(data), "data");
  NodeId bp = d.first_child(data);
  EXPECT_EQ(d.value(bp), "1000042");
  NodeId role1 = d.next_sibling(bp);
  NodeId role2 = d.next_sibling(role1);
  EXPECT_EQ(d.name(role1), "Roles");
  EXPECT_EQ(d.name(role2), "Roles");
  EXPECT_EQ(d.value(d.first_child(role2)), "FLCU01");
  EXPECT_EQ(d.PathOf(d.first_child(role2)), "/data[1]/Roles[2]/Role[1]");
}

TEST(JsonDocument, FlowsMapJsonDocumentsLikeIdocs) {
  auto flows = flows::FlowSet::Compile({{"bp.yaml", R"(flow: bp
match: { message_type: BusinessPartner }
target: { connector: webhook }
records:
  - name: account
    object: Account
    external_id: data/BusinessPartner
    key_field: SAP_BP__c
    fields:
      Roles: join(data/Roles/Role, ';')
      Credit: decimal(data/Credit) * 2
      Blocked: data/Blocked = 'true'
      Note: data/Note
)"}});
  ASSERT_TRUE(flows.ok()) << flows.status().message();
  auto doc = FromJson(kEvent, "event");
  ASSERT_TRUE(doc.ok());
  auto result = (*flows)->Run(**doc, {"odata", "BusinessPartner", "", ""});
  ASSERT_EQ(result.outcomes.size(), 1u);
  ASSERT_EQ(result.outcomes[0].by_connector.size(), 1u);
  const auto& record = result.outcomes[0].by_connector[0].second.at(0);
  EXPECT_EQ(record.external_id(), "1000042");
  EXPECT_EQ(record.fields_json(), R"({"Roles":"FLCU00;FLCU01","Credit":5001.00,"Blocked":false,"Note":null})");
}

TEST(JsonDocument, MalformedAndTooDeepInputIsRefused) {
  EXPECT_FALSE(FromJson("{\"a\": ").ok());
  std::string deep(100, '[');
  deep += std::string(100, ']');
  auto r = FromJson(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("JSON error"), std::string::npos);
}

}  // namespace
}  // namespace ferry::doc
