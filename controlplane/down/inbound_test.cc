// What the inbound listener takes from a CRM before it commits anything:
// the record's checks, the signed webhook's headers, and the `inbound:`
// configuration's mistakes.

#include <gtest/gtest.h>

#include "common/util/clock.h"

#include "common/crypto/webhook_signature.h"
#include "controlplane/cp_config.h"
#include "controlplane/down/inbound_record.h"
#include "controlplane/down/signed_webhook_channel.h"
#include "tests/support/temp_dir.h"

namespace ferry::controlplane {
namespace {

TEST(InboundRecordTest, ARecordIsAJsonObjectKeptAsSentUnderSafeNames) {
  const std::string body = R"({"Id":"006","Amount":4810.10,"Lines":[{"Quantity":1.50}]})";
  auto record = ReadInboundRecord("Opportunity", "0065g00000FERRYAAA", body);
  ASSERT_TRUE(record.ok()) << record.status().message();
  EXPECT_EQ(record->record_json, body) << "numbers keep their digits";

  EXPECT_FALSE(ReadInboundRecord("Opportunity", "006", "[1]").ok());
  EXPECT_FALSE(ReadInboundRecord("Opportunity", "006", "{").ok());
  EXPECT_FALSE(ReadInboundRecord("Opportunity", "006", "{\"a\":\"\xff\"}").ok()) << "not UTF-8";
  EXPECT_FALSE(ReadInboundRecord("Opp ortunity", "006", "{}").ok());
  EXPECT_FALSE(ReadInboundRecord("Opportunity", "006\r\nX-Injected: 1", "{}").ok());
  EXPECT_FALSE(ReadInboundRecord("", "006", "{}").ok());
  EXPECT_FALSE(ReadInboundRecord("Opportunity", std::string(129, 'a'), "{}").ok());
  std::string deep = "{\"a\":";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";
  const auto too_deep = ReadInboundRecord("Opportunity", "006", deep);
  ASSERT_FALSE(too_deep.ok());
  EXPECT_NE(too_deep.status().message().find("not JSON"), std::string::npos) << too_deep.status().message();
}

class SignedWebhookChannelTest : public ::testing::Test {
 protected:
  SignedWebhookChannelTest() { ferry::testing::WriteFile(secret_, "s3cret\n"); }
  static std::string Sign(const std::string& secret, int64_t t, const std::string& body,
                          const std::string& object = "Opportunity") {
    return crypto::SignWebhook(secret, t, body, object + "\n006A\nn-1\n");
  }
  http::Request Request(const std::string& body, const std::string& signature,
                        const std::string& object = "Opportunity") {
    http::Request req{http::beast_http::verb::post, "/inbound/v1/orders", 11};
    req.set("X-Ferry-Object", object);
    req.set("X-Ferry-Record-Id", "006A");
    req.set("X-Ferry-Delivery", "n-1");
    if (!signature.empty()) req.set("X-Ferry-Signature", signature);
    req.body() = body;
    return req;
  }
  ferry::testing::TempDir dir_;
  std::filesystem::path secret_ = dir_.path() / "secret";
  SignedWebhookChannel channel_{secret_, std::chrono::seconds(300)};
  const int64_t now_ms_ = 1'800'000'000'000;
};

TEST_F(SignedWebhookChannelTest, TakesARecordSignedWithTheChannelsSecretAndNothingElse) {
  const std::string body = R"({"Id":"006A"})";
  auto read = channel_.Read(Request(body, Sign("s3cret", now_ms_ / 1000, body)), now_ms_);
  ASSERT_TRUE(read.ok()) << read.status().message();
  ASSERT_EQ(read->records.size(), 1u);
  EXPECT_EQ(read->records[0].object, "Opportunity");
  EXPECT_EQ(read->records[0].record_id, "006A");

  EXPECT_EQ(channel_.Read(Request(body, ""), now_ms_).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(channel_.Read(Request(body, crypto::SignWebhook("other", now_ms_ / 1000, body)), now_ms_).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(
      channel_.Read(Request(body, crypto::SignWebhook("s3cret", now_ms_ / 1000 - 301, body)), now_ms_).status().code(),
      StatusCode::kUnauthenticated)
      << "a replay of an old notification";
  std::filesystem::remove(secret_);
  EXPECT_EQ(channel_.Read(Request(body, Sign("s3cret", now_ms_ / 1000, body)), now_ms_).status().code(),
            StatusCode::kUnavailable)
      << "the operator's mistake: the CRM is asked to send it again";
}

class InboundConfigTest : public ::testing::Test {
 protected:
  // `connectors`: more under connectors:, after the webhook.
  Result<ControlPlaneConfig> Load(const std::string& inbound, const std::string& connectors = "") {
    const auto file = dir_.path() / "controlplane.yaml";
    ferry::testing::WriteFile(file, "controlplane:\n  data_dir: " + (dir_.path() / "cp").string() +
                                        "\nmqtt:\n  broker: ssl://broker.example.com:8883\n" + inbound +
                                        "connectors:\n  webhook:\n    url: https://crm.example.com/hook\n" +
                                        connectors);
    return LoadControlPlaneConfig(file);
  }
  ferry::testing::TempDir dir_;
};

TEST_F(InboundConfigTest, APolledChannelNeedsNoListenerAndItsReadQueriesAreChecked) {
  const auto password = dir_.path() / "sap.password";
  ferry::testing::WriteFile(password, "pw\n");
  const std::string connector =
      "  sap_sales_cloud:\n    base_url: https://t.example.com\n    user: u\n"
      "    password_file: " +
      password.string() + "\n";
  const std::string channel =
      "inbound:\n  channels:\n    - name: quotes\n      kind: modified_since_poll\n      crm: sap_sales_cloud\n"
      "      agents: {sap: S4P}\n      start: 2026-12-01T00:00:00Z\n      objects:\n        salesQuotes:\n"
      "          filter: progressStatus eq 'WON'\n          read: ";
  auto good = Load(channel + "sales-quote-service/salesQuotes; with account/partyId from account-service/accounts\n",
                   connector);
  ASSERT_TRUE(good.ok()) << good.status().message();
  ASSERT_EQ(good->inbound.channels.size(), 1u);
  EXPECT_TRUE(good->inbound.host.empty()) << "no listener";
  const PollSettings* poll = good->inbound.channels[0].channel->poll();
  ASSERT_NE(poll, nullptr);
  EXPECT_EQ(poll->start_unix_ms, ParseIsoTimeMs("2026-12-01T00:00:00Z"));
  EXPECT_EQ(poll->objects.at(0).filter, "progressStatus eq 'WON'");
  auto forgetful =
      Load("store:\n  dedup_retention: 1h\n" + channel + "sales-quote-service/salesQuotes\n" + "      lookback: 2h\n",
           connector);
  ASSERT_FALSE(forgetful.ok());
  EXPECT_NE(forgetful.status().message().find("lookback must be shorter than store.dedup_retention"), std::string::npos)
      << forgetful.status().message();
  auto bad = Load(channel + "salesQuotes; with partyId from account-service/accounts\n", connector);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(
      bad.status().message().find("object salesQuotes: the read query: 'salesQuotes' is not <service>/<collection>"),
      std::string::npos)
      << bad.status().message();
}

TEST_F(InboundConfigTest, ChannelsNeedAKnownKindAndTheAgentsTheyGoTo) {
  auto good = Load(
      "inbound:\n  listen: 0.0.0.0:8445\n  hosts: [crm-in.example.com]\n  channels:\n"
      "    - {name: orders, kind: webhook, crm: salesforce, secret_file: /etc/ferry/s, agents: {sap: S4P}}\n");
  ASSERT_TRUE(good.ok()) << good.status().message();
  ASSERT_EQ(good->inbound.channels.size(), 1u);
  EXPECT_EQ(good->inbound.channels[0].options.agents.at("sap"), "S4P");
  EXPECT_NE(good->inbound.Find("orders"), nullptr);

  auto error = [&](const std::string& channel) {
    auto c = Load("inbound:\n  listen: 0.0.0.0:8445\n  hosts: [h]\n  channels:\n    - " + channel + "\n");
    return c.ok() ? std::string("loaded") : std::string(c.status().message());
  };
  EXPECT_NE(
      error("{name: o, kind: carrier-pigeon, crm: x, agents: {a: b}}")
          .find("not a channel kind (webhook, salesforce_outbound_message, salesforce_flow_callout, dataverse_webhook, "
                "modified_since_poll, sap_cloud_v2_events)"),
      std::string::npos);
  EXPECT_NE(error("{name: o, kind: webhook, crm: x, secret_file: /s}").find("name the labels of the agents"),
            std::string::npos);
  EXPECT_NE(error("{name: Orders/1, kind: webhook, crm: x, secret_file: /s, agents: {a: b}}").find("part of the URL"),
            std::string::npos);
  EXPECT_NE(error("{name: o, kind: webhook, crm: x, agents: {a: b}}").find("secret_file"), std::string::npos);
  EXPECT_NE(error("{name: o, kind: webhook, crm: x, secret_file: /s, tolerance: 1s, agents: {a: b}}")
                .find("between 10s and 1h"),
            std::string::npos);
  // A Dataverse webhook's own keys.
  const std::string dataverse =
      "{name: o, kind: dataverse_webhook, crm: dataverse, key_file: /k, agents: {a: b}, read: {salesorder: "
      "salesorders}, ";
  EXPECT_NE(error(dataverse + "organization_id: contoso}").find("Organization ID, a GUID"), std::string::npos);
  const std::string environment = "organization_id: 3f2c5a4e-0b1d-4c2e-9f6a-7d8e9f0a1b2c";
  EXPECT_NE(error(dataverse + environment + ", auth: sas}").find("webhook_key, http_header, http_query_string"),
            std::string::npos);
  EXPECT_NE(error(dataverse + environment + ", auth: http_header}").find("header"), std::string::npos);
  EXPECT_NE(error(dataverse + environment + ", messages: [Delete]}").find("'Delete': a row goes down on Create"),
            std::string::npos);
  EXPECT_NE(error("{name: o, kind: dataverse_webhook, crm: dataverse, key_file: /k, agents: {a: b}, " + environment +
                  ", read: {salesorder: \"salesorders?$select=name#x\"}}")
                .find("salesorder: the query must be query options"),
            std::string::npos);
  // Its rows are read with the connector `crm` names, which must read.
  EXPECT_NE(error(dataverse + environment + "}")
                .find("must be configured under connectors: (dataverse, salesforce, sap_sales_cloud read)"),
            std::string::npos);
  // A polled channel lists with a connector that can, and its read queries
  // are checked at start.
  const std::string polled = "{name: q, kind: modified_since_poll, crm: webhook, agents: {a: b}, ";
  EXPECT_NE(error(polled + "objects: {salesQuotes: {read: s-service/salesQuotes}}}")
                .find("polls with connector 'webhook', which cannot list changes (sap_sales_cloud can)"),
            std::string::npos);
  EXPECT_NE(error(polled + "objects: {}}").find("name at least one object to poll"), std::string::npos);
  EXPECT_NE(error(polled + "start: yesterday, objects: {salesQuotes: {read: s-service/salesQuotes}}}")
                .find("'now' or an ISO time"),
            std::string::npos);
  EXPECT_NE(error(polled + "interval: 10ms, objects: {salesQuotes: {read: s-service/salesQuotes}}}")
                .find("must be 100ms to 24h"),
            std::string::npos);
  // A Flow's HTTP callout: the keys an Outbound Message channel has.
  EXPECT_NE(error("{name: f, kind: salesforce_flow_callout, crm: salesforce, agents: {a: b}, organization_id: "
                  "00D000000000001, token_file: /t, read: {Opportunity: 'SELECT Id FROM Account'}}")
                .find("Opportunity: the query must end with FROM Opportunity"),
            std::string::npos);
  EXPECT_NE(error("{name: f, kind: salesforce_flow_callout, crm: salesforce, agents: {a: b}, organization_id: acme, "
                  "token_file: /t, read: {Opportunity: 'SELECT Id FROM Opportunity'}}")
                .find("a Salesforce organization id"),
            std::string::npos);
  // SAP Cloud V2 events: each object's types, once, and a read query the
  // V2 connector takes.
  const std::string events =
      "{name: e, kind: sap_cloud_v2_events, crm: sap_sales_cloud, user: ferry, password_file: /p, agents: {a: b}, ";
  EXPECT_NE(error(events + "objects: {}}").find("name each object the events announce"), std::string::npos);
  EXPECT_NE(
      error(events + "objects: {salesQuotes: {read: sales-quote-service/salesQuotes}}}").find("list the event types"),
      std::string::npos);
  EXPECT_NE(error(events + "objects: {salesQuotes: {types: [t.won], read: sales-quote-service/salesQuotes}, "
                           "cases: {types: [t.won], read: case-service/cases}}}")
                .find("'t.won' already announces another object"),
            std::string::npos);
  EXPECT_NE(error(events + "objects: {salesQuotes: {types: [t.won], read: \"SELECT Id FROM Quote\"}}}")
                .find("salesQuotes.read': the read query"),
            std::string::npos);
  EXPECT_NE(error("{name: e, kind: sap_cloud_v2_events, crm: salesforce, user: ferry, password_file: /p, "
                  "agents: {a: b}, objects: {salesQuotes: {types: [t], read: sales-quote-service/salesQuotes}}}")
                .find("sap_sales_cloud: the connector that reads"),
            std::string::npos);
  EXPECT_NE(error("{name: e, kind: sap_cloud_v2_events, crm: sap_sales_cloud, user: 'a:b', password_file: /p, "
                  "agents: {a: b}, objects: {salesQuotes: {types: [t], read: sales-quote-service/salesQuotes}}}")
                .find("a Basic user name has no ':'"),
            std::string::npos);
  auto none = Load("inbound:\n  listen: 0.0.0.0:8445\n  hosts: [h]\n");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("at least one channel"), std::string::npos);
}

}  // namespace
}  // namespace ferry::controlplane
