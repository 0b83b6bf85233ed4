// The flow tools field IT and integration teams run by hand:
// `ferry-agent flow test` and `ferry-controlplane flows diff`, as processes,
// on the shipped standard flows and fixtures.

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {
namespace {

const std::string kFixtures = FERRY_FIXTURE_DIR;
const std::string kStandard = FERRY_STANDARD_FLOWS_DIR;

using CliRun = ShellRun;  // out: standard output and error

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

CliRun Shell(const std::string& command) { return RunShell(command + " 2>&1"); }

CliRun FlowTest(const std::string& bundle, const std::string& input, const std::string& extra = "") {
  return Shell(std::string(FERRY_AGENT_BIN) + " flow test --bundle " + bundle + " --standard " + kStandard +
               " --input " + kFixtures + "/idoc/" + input + " " + extra);
}

// A customer's flow: the standard DEBMAS -> Salesforce flow, with a delta.
constexpr const char* kAcmeFlow = R"(flow: acme-accounts
extends: debmas-account-salesforce
target:
  connector: webhook
value_maps:
  country:
    values: { XI: GB }
records:
  - name: account
    fields:
      Name: NAME1
      Acme_Region__c: REGIO
      Phone: ~
)";

class FlowCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "bundle");
    WriteFile(dir_.path() / "bundle" / "accounts.yaml", kAcmeFlow);
  }
  std::string bundle() const { return (dir_.path() / "bundle").string(); }
  TempDir dir_;
};

TEST_F(FlowCliTest, FlowTestPrintsTheRecordsOfAnExtendedStandardFlow) {
  CliRun r = FlowTest(bundle(), "debmas07_unmapped_country.xml", "--json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["docnum"], "0000000000420013");
  ASSERT_EQ(doc["flows"].size(), 1u) << r.out;
  const nlohmann::json& account = doc["flows"][0]["records"][0];
  EXPECT_EQ(account["record"], "account");
  EXPECT_EQ(account["external_id"], "100020");
  // The delta: a value map entry added, a field replaced, a field added.
  EXPECT_EQ(account["fields"]["BillingCountryCode"], "GB");
  EXPECT_EQ(account["fields"]["Name"], "Lough Erne Instruments Ltd");
  EXPECT_TRUE(account["fields"].contains("Acme_Region__c"));
  EXPECT_FALSE(account["fields"].contains("Phone"));
  // The rest comes from the standard, untouched.
  EXPECT_EQ(account["fields"]["SAP_Sold_To__c"], "100020");
}

TEST_F(FlowCliTest, FlowTestMapsS4EntitiesAndOdataAnswers) {
  // One entity as the sources store it, and an OData V2 answer with two.
  const std::string entity = std::string(kFixtures) + "/s4/bp_organization.json";
  WriteFile(dir_.path() / "answer.json", "{\"d\":{\"results\":[" + ReadFileText(entity) + "," +
                                             ReadFileText(std::string(kFixtures) + "/s4/bp_person_contact.json") +
                                             "]}}");
  const std::string command = std::string(FERRY_AGENT_BIN) + " flow test --bundle " + kStandard +
                              "/bp-account-salesforce.yaml --standard " + kStandard +
                              " --s4 API_BUSINESS_PARTNER/A_BusinessPartner --json --input ";
  CliRun r = Shell(command + entity);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json one = nlohmann::json::parse(r.out);
  EXPECT_EQ(one["message_type"], "A_BusinessPartner");
  EXPECT_EQ(one["flows"][0]["records"][0]["external_id"], "100001");

  r = Shell(command + (dir_.path() / "answer.json").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::istringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(nlohmann::json::parse(first)["flows"][0]["records"][0]["fields"]["Name"],
            "Nordwind Maschinenbau GmbH Werk Hafen");
  // The person's Contact, from what the poller's lookups attach.
  EXPECT_EQ(nlohmann::json::parse(second)["flows"][0]["records"][0]["external_id"], "100001-2000001");

  r = Shell(std::string(FERRY_AGENT_BIN) + " flow test --bundle " + bundle() + " --s4 A_BusinessPartner --input " +
            entity);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--s4 takes SERVICE/EntitySet"), std::string::npos) << r.out;
}

TEST_F(FlowCliTest, FlowTestMapsCrmRecordsWithDownFlowsAndShowsTheWriteBack) {
  const std::string command = std::string(FERRY_AGENT_BIN) + " flow test --bundle " + kStandard +
                              "/opportunity-salesorder-s4.yaml --standard " + kStandard +
                              " --crm salesforce/Opportunity --input " + kFixtures + "/crm/";
  CliRun r = Shell(command + "salesforce_opportunity_won.json --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json won = nlohmann::json::parse(r.out);
  const nlohmann::json& order = won["flows"][0]["records"][0];
  EXPECT_EQ(order["object"], "API_SALES_ORDER_SRV/A_SalesOrder");
  EXPECT_EQ(order["fields"]["SoldToParty"], "100001");
  EXPECT_EQ(order["fields"]["to_Item"]["results"].size(), 2u) << order.dump();
  EXPECT_EQ(won["flows"][0]["write_back"]["connector"], "salesforce");
  EXPECT_EQ(won["flows"][0]["write_back"]["number_field"], "SAP_Sales_Order__c");
  EXPECT_EQ(won["flows"][0]["write_back"]["external_id"], "0065g00000FERRYAAA");

  // In words, and an opportunity still open matches no flow: exit 1.
  r = Shell(command + "salesforce_opportunity_won.json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("goes back to salesforce Opportunity Id=0065g00000FERRYAAA"), std::string::npos) << r.out;
  r = Shell(command + "salesforce_opportunity_open.json");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("not matched"), std::string::npos) << r.out;

  r = Shell(command + "salesforce_opportunity_won.json --s4 API_SALES_ORDER_SRV/A_SalesOrder");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--crm takes CRM/Object"), std::string::npos) << r.out;
}

TEST_F(FlowCliTest, FlowTestExplainsWhyNothingMatchedAndExitsOne) {
  CliRun r = FlowTest(bundle(), "orders05_order.xml");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("not matched: flow acme-accounts: message type ORDERS is not DEBMAS"), std::string::npos)
      << r.out;
}

TEST_F(FlowCliTest, FlowTestShowsARecordErrorAndExitsOne) {
  // The standard flow itself refuses a country Salesforce has no code for.
  WriteFile(dir_.path() / "plain.yaml", "flow: plain\nextends: debmas-account-salesforce\n");
  CliRun r = FlowTest((dir_.path() / "plain.yaml").string(), "debmas07_unmapped_country.xml");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("ERROR flow plain record account /E1KNA1M[1] field BillingCountryCode: value map 'country' "
                       "has no entry for 'XI'"),
            std::string::npos)
      << r.out;
}

TEST_F(FlowCliTest, FlowTestRefusesABundleThatDoesNotCompileWithExitTwo) {
  WriteFile(dir_.path() / "bad.yaml",
            "flow: bad\nmatch:\n  message_type: DEBMAS\ntarget:\n  connector: webhook\nrecords:\n"
            "  - name: account\n    object: Account\n    external_id: KUNNR\n    key_field: K\n"
            "    fields:\n      Name: concatt(NAME1)\n");
  CliRun r = FlowTest((dir_.path() / "bad.yaml").string(), "debmas05_customer.xml");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("bad.yaml:12: records[0].fields.Name: column 1: unknown function 'concatt'"), std::string::npos)
      << r.out;
}

TEST_F(FlowCliTest, FlowsDiffShowsExactlyTheDeltaFromTheStandard) {
  CliRun r =
      Shell(std::string(FERRY_CONTROLPLANE_BIN) + " flows diff --bundle " + bundle() + " --standard " + kStandard);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "flow acme-accounts extends debmas-account-salesforce:\n"
            "  ~ target.connector: salesforce → webhook\n"
            "  + value_maps.country.values.XI: GB\n"
            "  ~ records.account.fields.Name: concat_ws(' ', NAME1, NAME2, NAME3, NAME4) (required) → NAME1\n"
            "  - records.account.fields.Phone\n"
            "  + records.account.fields.Acme_Region__c: REGIO\n");
}

TEST_F(FlowCliTest, RemovingAFieldTheStandardDoesNotHaveIsACompileError) {
  WriteFile(dir_.path() / "typo.yaml",
            "flow: typo\nextends: debmas-account-salesforce\nrecords:\n  - name: account\n    fields:\n"
            "      Phnoe: ~\n");
  CliRun r = FlowTest((dir_.path() / "typo.yaml").string(), "debmas05_customer.xml");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("typo.yaml:6: records[0].fields.Phnoe: '~' removes nothing: 'debmas-account-salesforce' has "
                       "no such field in record 'account'"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace ferry::testing
