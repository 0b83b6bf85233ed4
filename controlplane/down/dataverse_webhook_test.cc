// Dataverse webhooks at the inbound listener: the RemoteExecutionContext
// as a service endpoint POSTs it, what proves it comes from the
// environment, and what is refused before anything is committed.

#include <gtest/gtest.h>

#include "controlplane/down/dataverse_webhook_channel.h"
#include "controlplane/down/remote_execution_context.h"
#include "tests/support/temp_dir.h"

namespace ferry::controlplane {
namespace {

constexpr const char* kOrgId = "3f2c5a4e-0b1d-4c2e-9f6a-7d8e9f0a1b2c";
constexpr const char* kOrderId = "5B0E2A7C-1D3F-4E5A-8B9C-0D1E2F3A4B5C";
constexpr const char* kOperation = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
constexpr const char* kRequest = "0f1e2d3c-4b5a-4968-8776-655443322110";

struct Context {
  std::string message = "Update";
  std::string entity = "salesorder";
  std::string id = kOrderId;
  std::string org = kOrgId;
  std::string operation = kOperation;
  int mode = 1;

  // As Dataverse's JSON serializer writes it, '/' escaped included.
  std::string Json() const {
    return R"({"BusinessUnitId":"0a1b2c3d-0000-0000-0000-000000000001","CorrelationId":"9d8c7b6a-0000-0000-0000-000000000002",)"
           R"("Depth":1,"InitiatingUserId":"0a1b2c3d-0000-0000-0000-000000000003","InputParameters":[{"key":"Target",)"
           R"("value":{"__type":"Entity:http:\/\/schemas.microsoft.com\/xrm\/2011\/Contracts","Attributes":[)"
           R"({"key":"statecode","value":{"__type":"OptionSetValue:http:\/\/schemas.microsoft.com\/xrm\/2011\/Contracts","Value":1}},)"
           R"({"key":"salesorderid","value":")" +
           id + R"("}],"EntityState":null,"FormattedValues":[],"Id":")" + id +
           R"(","KeyAttributes":[],"LogicalName":")" + entity +
           R"(","RelatedEntities":[],"RowVersion":"1234567"}}],"IsExecutingOffline":false,"IsInTransaction":false,)"
           R"("IsOfflinePlayback":false,"IsolationMode":1,"MessageName":")" +
           message + R"(","Mode":)" + std::to_string(mode) +
           R"(,"OperationCreatedOn":"\/Date(1765000000000)\/","OperationId":")" + operation +
           R"(","OrganizationId":")" + org +
           R"(","OrganizationName":"contoso","OutputParameters":[],"OwningExtension":{"Id":"0a1b2c3d-0000-0000-0000-000000000004",)"
           R"("KeyAttributes":[],"LogicalName":"sdkmessageprocessingstep","Name":"Ferry: order to SAP","RowVersion":null},)"
           R"("ParentContext":null,"PostEntityImages":[],"PreEntityImages":[],"PrimaryEntityId":")" +
           id + R"(","PrimaryEntityName":")" + entity + R"(","RequestId":")" + kRequest +
           R"(","SecondaryEntityName":"none","SharedVariables":[],"Stage":40,"UserId":"0a1b2c3d-0000-0000-0000-000000000003"})";
  }
};

std::string Refused(const std::string& body) {
  auto c = ParseExecutionContext(body);
  return c.ok() ? std::string() : std::string(c.status().message());
}

TEST(ExecutionContextTest, TheContextNamesTheRowTheEnvironmentAndTheJob) {
  auto context = ParseExecutionContext(Context{}.Json());
  ASSERT_TRUE(context.ok()) << context.status().message();
  EXPECT_EQ(context->message_name, "Update");
  EXPECT_EQ(context->entity, "salesorder");
  EXPECT_EQ(context->record_id, "5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c") << "GUIDs compare in lower case";
  EXPECT_EQ(context->organization_id, kOrgId);
  EXPECT_EQ(context->delivery_id, kOperation) << "a system job run again keeps its OperationId";

  Context sync;
  sync.mode = 0;
  sync.operation = "00000000-0000-0000-0000-000000000000";
  auto synchronous = ParseExecutionContext(sync.Json());
  ASSERT_TRUE(synchronous.ok()) << synchronous.status().message();
  EXPECT_EQ(synchronous->delivery_id, kRequest) << "a synchronous step has no job: its request names it";
}

TEST(ExecutionContextTest, WhatDoesNotNameOneRowIsRefusedWithTheReason) {
  EXPECT_NE(Refused("").find("not JSON"), std::string::npos);
  EXPECT_NE(Refused("[1]").find("JSON object"), std::string::npos);
  EXPECT_NE(Refused("{\"MessageName\":\"Upd\xff\"}").find("UTF-8"), std::string::npos);
  Context c;
  c.id = "not-a-guid";
  EXPECT_NE(Refused(c.Json()).find("PrimaryEntityId"), std::string::npos);
  c = Context{};
  c.id = "00000000-0000-0000-0000-000000000000";
  EXPECT_NE(Refused(c.Json()).find("PrimaryEntityId"), std::string::npos);
  c = Context{};
  c.org = "contoso";
  EXPECT_NE(Refused(c.Json()).find("OrganizationId"), std::string::npos);
  c = Context{};
  c.entity = "Sales Order";
  EXPECT_NE(Refused(c.Json()).find("PrimaryEntityName"), std::string::npos);
  c = Context{};
  c.message = "";
  EXPECT_NE(Refused(c.Json()).find("MessageName"), std::string::npos);
  // Parent contexts nest: a chain deeper than any Dataverse makes is
  // refused by the parser's bound, not followed down the stack.
  std::string deep = Context{}.Json();
  for (int i = 0; i < 70; ++i) deep = "{\"ParentContext\":" + deep + "}";
  EXPECT_NE(Refused(deep).find("not JSON"), std::string::npos);
}

class DataverseWebhookChannelTest : public ::testing::Test {
 protected:
  DataverseWebhookChannelTest() { ferry::testing::WriteFile(key_, "k3y-of-the-endpoint-0123456789ab\n"); }

  DataverseWebhookChannel::Settings Settings(DataverseWebhookChannel::KeyIn in, std::string name) const {
    DataverseWebhookChannel::Settings s;
    s.organization_id = kOrgId;
    s.key_in = in;
    s.key_name = std::move(name);
    s.key_file = key_;
    s.messages = {"Create", "Update"};
    s.read = {{"salesorder", "salesorders?$select=name&$expand=order_details($select=quantity)"}};
    return s;
  }
  static http::Request Request(const std::string& target, const std::string& body) {
    http::Request req{http::beast_http::verb::post, target, 11};
    req.set(http::beast_http::field::content_type, "application/json");
    req.set("x-ms-dynamics-entity-name", "salesorder");
    req.body() = body;
    return req;
  }
  StatusCode CodeOf(const DataverseWebhookChannel& channel, const http::Request& req) const {
    return channel.Read(req, 0).status().code();
  }

  ferry::testing::TempDir dir_;
  std::filesystem::path key_ = dir_.path() / "key";
  const std::string body_ = Context{}.Json();
};

TEST_F(DataverseWebhookChannelTest, TheWebhookKeyAndTheOrganizationProveTheSender) {
  const DataverseWebhookChannel channel(Settings(DataverseWebhookChannel::KeyIn::kCodeParameter, "code"));
  auto read = channel.Read(Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab", body_), 0);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(read->read_first) << "the context does not hold the order's lines";
  EXPECT_EQ(read->delivery_id, std::string("dv:") + kOperation);
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].object, "salesorder");
  EXPECT_EQ(read->records[0].record_id, "5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c");
  EXPECT_EQ(read->records[0].record_json, R"({"salesorderid":"5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c"})");

  EXPECT_EQ(CodeOf(channel, Request("/inbound/v1/d365", body_)), StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeOf(channel, Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789aX", body_)),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeOf(channel, Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab%", body_)),
            StatusCode::kUnauthenticated);
  Context other;
  other.org = "3f2c5a4e-0b1d-4c2e-9f6a-000000000000";
  EXPECT_EQ(CodeOf(channel, Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab", other.Json())),
            StatusCode::kUnauthenticated);
  // The key file gone is the operator's to mend: Dataverse runs the job again.
  std::filesystem::remove(key_);
  EXPECT_EQ(CodeOf(channel, Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab", body_)),
            StatusCode::kUnavailable);
}

TEST_F(DataverseWebhookChannelTest, AHeaderOrAParameterOfTheAdminsChoosingCarriesTheKey) {
  const DataverseWebhookChannel header(Settings(DataverseWebhookChannel::KeyIn::kHeader, "X-Ferry-Key"));
  http::Request req = Request("/inbound/v1/d365", body_);
  EXPECT_EQ(CodeOf(header, req), StatusCode::kUnauthenticated);
  req.set("X-Ferry-Key", "k3y-of-the-endpoint-0123456789ab");
  EXPECT_TRUE(header.Read(req, 0).ok());
  // The key in the URL does not stand for the header.
  EXPECT_EQ(CodeOf(header, Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab", body_)),
            StatusCode::kUnauthenticated);

  const DataverseWebhookChannel parameter(Settings(DataverseWebhookChannel::KeyIn::kParameter, "ferrykey"));
  EXPECT_TRUE(parameter.Read(Request("/inbound/v1/d365?ferrykey=k3y-of-the-endpoint-0123456789ab", body_), 0).ok());
  EXPECT_EQ(CodeOf(parameter, Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab", body_)),
            StatusCode::kUnauthenticated);
}

TEST_F(DataverseWebhookChannelTest, AStepOnAnotherMessageOrTableIsRefusedWithWhatToCheck) {
  const DataverseWebhookChannel channel(Settings(DataverseWebhookChannel::KeyIn::kCodeParameter, "code"));
  Context deleted;
  deleted.message = "Delete";
  auto refused = channel.Read(Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab", deleted.Json()), 0);
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("takes Create, Update, not Delete"), std::string::npos)
      << refused.status().message();
  Context quote;
  quote.entity = "quote";
  refused = channel.Read(Request("/inbound/v1/d365?code=k3y-of-the-endpoint-0123456789ab", quote.Json()), 0);
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("reads no quote"), std::string::npos);
}

TEST_F(DataverseWebhookChannelTest, TheAnswerNamesTheCommittedCommands) {
  const DataverseWebhookChannel channel(Settings(DataverseWebhookChannel::KeyIn::kCodeParameter, "code"));
  const http::Response res = channel.Accepted(Request("/inbound/v1/d365", body_), {"c1"});
  EXPECT_EQ(res.result_int(), 202);
  EXPECT_EQ(res.body(), R"({"commands":["c1"]})");
}

TEST(DataverseReadQueryTest, AQueryIsAnEntitySetWithOptionsThatGoIntoAUrlAsTheyAre) {
  EXPECT_EQ(CheckDataverseReadQuery("salesorders"), "");
  EXPECT_EQ(CheckDataverseReadQuery(
                "salesorders?$select=name,_customerid_value&$expand=order_details($select=quantity;$expand="
                "productid($select=productnumber)),customerid_account($select=accountnumber)"),
            "");
  EXPECT_EQ(CheckDataverseReadQuery("salesorders?$expand=order_details($filter=quantity%20gt%200)"), "");
  EXPECT_NE(CheckDataverseReadQuery("?$select=name"), "");
  EXPECT_NE(CheckDataverseReadQuery("sales orders"), "");
  EXPECT_NE(CheckDataverseReadQuery("salesorders(00000000-0000-0000-0000-000000000001)"), "");
  EXPECT_NE(CheckDataverseReadQuery("salesorders?$select=name#x"), "");
  EXPECT_NE(CheckDataverseReadQuery("salesorders?$select=name?x"), "");
  EXPECT_NE(CheckDataverseReadQuery("salesorders?$filter=name eq \"x\""), "");
}

}  // namespace
}  // namespace ferry::controlplane
