// How mapped records become Dataverse Web API requests, and how $batch
// answers become per-event outcomes.

#include <gtest/gtest.h>

#include <initializer_list>

#include "controlplane/connectors/dataverse/dataverse_connector.h"

namespace ferry::controlplane {
namespace {

using Kind = DeliveryResult::Kind;

constexpr char kRoot[] = "https://org.crm.dynamics.com/api/data/v9.2";

ferry::v1::MappedRecord Account(const std::string& number, const std::string& action = "upsert") {
  ferry::v1::MappedRecord r;
  r.set_record("account");
  r.set_object("accounts");
  r.set_action(action);
  r.set_external_id(number);
  r.set_key_field("accountnumber");
  r.set_fields_json(action == "delete" ? "{}" : R"({"accountnumber":")" + number + R"(","name":"Nordwind GmbH"})");
  return r;
}

ferry::v1::MappedRecord DataverseContact(const std::string& number, const std::string& account,
                                         const std::string& action = "upsert") {
  ferry::v1::MappedRecord r;
  r.set_record("contact");
  r.set_object("contacts");
  r.set_action(action);
  r.set_external_id(number);
  r.set_key_field("ferry_sapcontactnumber");
  r.set_fields_json(action == "delete" ? "{}" : R"({"lastname":"Holm"})");
  if (action != "delete") {
    auto* link = r.add_links();
    link->set_field("parentcustomerid_account");
    link->set_object("accounts");
    link->set_key_field("accountnumber");
    link->set_external_id(account);
  }
  return r;
}

// Lines joined with CRLF, as multipart is written.
std::string Crlf(std::initializer_list<const char*> lines) {
  std::string out;
  for (const char* line : lines) out.append(line).append("\r\n");
  return out;
}

TEST(DataverseRequest, KeyValueQuotesAreDoubledThenPercentEncoded) {
  EXPECT_EQ(DataverseConnector::RecordPath(Account("O'Brien")), "accounts(accountnumber='O%27%27Brien')");
  EXPECT_EQ(DataverseConnector::RecordPath(Account("A/B C?#")), "accounts(accountnumber='A%2FB%20C%3F%23')");
  EXPECT_EQ(DataverseConnector::RecordPath(Account("100001")), "accounts(accountnumber='100001')");
}

TEST(DataverseRequest, BodyLeavesTheKeyToTheUrlBindsLinksAndKeepsDecimalsExact) {
  ferry::v1::MappedRecord r = DataverseContact("31001", "100001");
  r.set_fields_json(
      R"({"firstname":"Ann","lastname":"O'Brien","ferry_sapcontactnumber":"31001","ferry_credit":2500.10,)"
      R"("description":"say \"hi\", {ok}","ferry_rate":1E-7})");
  auto* other = r.add_links();
  other->set_field("ferry_site");
  other->set_object("ferry_sites");
  other->set_key_field("ferry_code");
  other->set_external_id("K'1");
  EXPECT_EQ(DataverseConnector::RecordBody(r),
            R"({"firstname":"Ann","lastname":"O'Brien","ferry_credit":2500.10,"description":"say \"hi\", {ok}",)"
            R"j("ferry_rate":1E-7,"parentcustomerid_account@odata.bind":"/accounts(accountnumber='100001')",)j"
            R"j("ferry_site@odata.bind":"/ferry_sites(ferry_code='K%27%271')"})j");
}

TEST(DataverseRequest, RecordWithoutFieldsStillHasABody) {
  ferry::v1::MappedRecord r = Account("100001");
  r.set_fields_json(R"({"accountnumber":"100001"})");
  EXPECT_EQ(DataverseConnector::RecordBody(r), "{}");
}

TEST(DataverseBatch, OneChangeSetPerEventWithContentIdsAcrossTheBatch) {
  const ferry::v1::MappedRecord account = Account("100001");
  const ferry::v1::MappedRecord contact = DataverseContact("31001", "100001");
  const ferry::v1::MappedRecord gone = Account("100002", "delete");
  const std::vector<DataverseConnector::ChangeSet> sets = {{0, {&account, &contact}}, {1, {&gone}}};
  const std::set<std::string> update_only = {"contacts"};
  EXPECT_EQ(DataverseConnector::BatchBody(kRoot, sets, update_only, "B1"),
            Crlf({"--batch_B1",
                  "Content-Type: multipart/mixed; boundary=changeset_B1_1",
                  "",
                  "--changeset_B1_1",
                  "Content-Type: application/http",
                  "Content-Transfer-Encoding: binary",
                  "Content-ID: 1",
                  "",
                  "PATCH https://org.crm.dynamics.com/api/data/v9.2/accounts(accountnumber='100001') HTTP/1.1",
                  "Content-Type: application/json; charset=utf-8",
                  "",
                  R"({"name":"Nordwind GmbH"})",
                  "--changeset_B1_1",
                  "Content-Type: application/http",
                  "Content-Transfer-Encoding: binary",
                  "Content-ID: 2",
                  "",
                  "PATCH https://org.crm.dynamics.com/api/data/v9.2/contacts(ferry_sapcontactnumber='31001') HTTP/1.1",
                  "Content-Type: application/json; charset=utf-8",
                  "If-Match: *",
                  "",
                  R"j({"lastname":"Holm","parentcustomerid_account@odata.bind":"/accounts(accountnumber='100001')"})j",
                  "--changeset_B1_1--",
                  "",
                  "--batch_B1",
                  "Content-Type: multipart/mixed; boundary=changeset_B1_2",
                  "",
                  "--changeset_B1_2",
                  "Content-Type: application/http",
                  "Content-Transfer-Encoding: binary",
                  "Content-ID: 3",
                  "",
                  "DELETE https://org.crm.dynamics.com/api/data/v9.2/accounts(accountnumber='100002') HTTP/1.1",
                  "",
                  "",
                  "--changeset_B1_2--",
                  "",
                  "--batch_B1--"}));
}

TEST(DataverseBatch, AnswerMapsBackToEachEventsChangeSet) {
  const ferry::v1::MappedRecord a1 = Account("100001"), c1 = DataverseContact("31001", "100001");
  const ferry::v1::MappedRecord a2 = Account("100002"), c2 = DataverseContact("31002", "100002");
  const ferry::v1::MappedRecord a3 = Account("100003", "delete"), c3 = DataverseContact("31003", "", "delete");
  const ferry::v1::MappedRecord a4 = Account("100004");
  const ferry::v1::MappedRecord a5 = Account("100005");
  // Content-IDs: 1-2, 3-4, 5-6, 7, 8.
  const std::vector<DataverseConnector::ChangeSet> sets = {
      {0, {&a1, &c1}}, {1, {&a2, &c2}}, {2, {&a3, &c3}}, {3, {&a4}}, {4, {&a5}}};
  http::ClientResponse answer;
  answer.status = 200;
  answer.headers["content-type"] = "multipart/mixed; boundary=batchresponse_9";
  answer.body = Crlf({
      "--batchresponse_9",
      "Content-Type: multipart/mixed; boundary=changesetresponse_1",
      "",
      "--changesetresponse_1",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 1",
      "",
      "HTTP/1.1 204 No Content",
      "OData-Version: 4.0",
      "OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/accounts(0a1b2c3d-0000-0000-0000-000000000001)",
      "",
      "",
      "--changesetresponse_1",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 2",
      "",
      "HTTP/1.1 204 No Content",
      "OData-EntityId: https://org.crm.dynamics.com/api/data/v9.2/contacts(0a1b2c3d-0000-0000-0000-000000000002)",
      "",
      "",
      "--changesetresponse_1--",
      "",
      "--batchresponse_9",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 4",
      "",
      "HTTP/1.1 400 Bad Request",
      "Content-Type: application/json; odata.metadata=minimal",
      "",
      R"({"error":{"code":"0x80040217","message":"A record with the specified key values does not exist in account entity"}})",
      "--batchresponse_9",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 6",
      "",
      "HTTP/1.1 404 Not Found",
      "Content-Type: application/json; odata.metadata=minimal",
      "",
      R"({"error":{"code":"0x80040217","message":"A record with the specified key values does not exist in contact entity"}})",
      "--batchresponse_9",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 7",
      "",
      "HTTP/1.1 429 Too Many Requests",
      "Retry-After: 30",
      "",
      R"({"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}})",
      "--batchresponse_9--",
  });
  const auto results = DataverseConnector::BatchResults(answer, sets, {});
  ASSERT_EQ(results.size(), 5u);

  EXPECT_EQ(results[0].result.kind, Kind::kDelivered);
  EXPECT_EQ(results[0].result.record_id, "0a1b2c3d-0000-0000-0000-000000000001");
  EXPECT_FALSE(results[0].already_gone);

  EXPECT_EQ(results[1].result.kind, Kind::kRejected);
  EXPECT_EQ(results[1].result.reason,
            "contacts ferry_sapcontactnumber=31002: 0x80040217: A record with the specified key values does not "
            "exist in account entity");

  // The contact was deleted already: the set rolled back and goes again
  // without it.
  ASSERT_TRUE(results[2].already_gone);
  EXPECT_EQ(*results[2].already_gone, 1u);

  EXPECT_EQ(results[3].result.kind, Kind::kRetry);
  EXPECT_EQ(results[3].result.retry_after, std::chrono::milliseconds(30000));
  EXPECT_NE(results[3].result.reason.find("accounts accountnumber=100004: HTTP 429 0x80072322"), std::string::npos);

  EXPECT_EQ(results[4].result.kind, Kind::kRetry);
  EXPECT_NE(results[4].result.reason.find("not processed"), std::string::npos);
}

TEST(DataverseBatch, RolledBackChangeSetIsNeverDelivered) {
  // The 404 of a delete, without a Content-ID to say which operation failed:
  // the account's upsert was rolled back with it.
  const ferry::v1::MappedRecord gone = Account("100001", "delete"), upsert = Account("100002");
  const std::vector<DataverseConnector::ChangeSet> sets = {{0, {&gone, &upsert}}};
  http::ClientResponse answer;
  answer.status = 200;
  answer.headers["content-type"] = "multipart/mixed; boundary=b";
  answer.body = Crlf({"--b", "Content-Type: application/http", "", "HTTP/1.1 404 Not Found", "",
                      R"({"error":{"code":"0x80040217","message":"Does Not Exist"}})", "--b--"});
  const auto results = DataverseConnector::BatchResults(answer, sets, {});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].result.kind, Kind::kRetry);
  EXPECT_FALSE(results[0].already_gone);
}

TEST(DataverseBatch, AnswerWithoutPartsAppliesToEveryEvent) {
  const ferry::v1::MappedRecord a1 = Account("100001"), a2 = Account("100002");
  const std::vector<DataverseConnector::ChangeSet> sets = {{0, {&a1}}, {1, {&a2}}};

  http::ClientResponse throttled;
  throttled.status = 429;
  throttled.headers["content-type"] = "application/json";
  throttled.headers["retry-after"] = "20";
  throttled.body = R"({"error":{"code":"0x80072322","message":"Number of requests exceeded the limit."}})";
  for (const auto& r : DataverseConnector::BatchResults(throttled, sets, {})) {
    EXPECT_EQ(r.result.kind, Kind::kRetry);
    EXPECT_EQ(r.result.retry_after, std::chrono::milliseconds(20000));
  }

  http::ClientResponse busy;
  busy.status = 503;
  busy.body = "Service Unavailable";
  for (const auto& r : DataverseConnector::BatchResults(busy, sets, {})) EXPECT_EQ(r.result.kind, Kind::kRetry);

  http::ClientResponse refused;
  refused.status = 400;
  refused.headers["content-type"] = "application/json";
  refused.body = R"({"error":{"code":"0x8006088a","message":"The batch request is malformed."}})";
  const auto rejected = DataverseConnector::BatchResults(refused, sets, {});
  EXPECT_EQ(rejected[0].result.kind, Kind::kRejected);
  EXPECT_EQ(rejected[1].result.reason,
            "accounts accountnumber=100002: $batch: HTTP 400 0x8006088a: The batch request is malformed.");

  http::ClientResponse garbled;
  garbled.status = 200;
  garbled.headers["content-type"] = "multipart/mixed; boundary=batchresponse_1";
  garbled.body = "--batchresponse_1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n";  // truncated
  for (const auto& r : DataverseConnector::BatchResults(garbled, sets, {})) EXPECT_EQ(r.result.kind, Kind::kRetry);
}

TEST(DataverseOutcome, SingleAnswersAreClassifiedAndNameTheRecord) {
  const ferry::v1::MappedRecord account = Account("100001");
  const ferry::v1::MappedRecord removal = Account("100001", "delete");
  const std::string entity = std::string(kRoot) + "/accounts(0a1b2c3d-0000-0000-0000-000000000001)";

  DeliveryResult done = DataverseConnector::Classify(account, false, 204, "", entity, std::nullopt);
  EXPECT_EQ(done.kind, Kind::kDelivered);
  EXPECT_EQ(done.record_id, "0a1b2c3d-0000-0000-0000-000000000001");

  DeliveryResult required = DataverseConnector::Classify(
      account, false, 400,
      R"({"error":{"code":"0x80040203","message":"A value for the required column 'name' was not provided."}})", "",
      std::nullopt);
  EXPECT_EQ(required.kind, Kind::kRejected);
  EXPECT_EQ(required.reason,
            "accounts accountnumber=100001: 0x80040203: A value for the required column 'name' was not provided.");

  const std::string missing =
      R"({"error":{"code":"0x80040217","message":"A record with the specified key values does not exist in account entity"}})";
  DeliveryResult update_only = DataverseConnector::Classify(account, true, 404, missing, "", std::nullopt);
  EXPECT_EQ(update_only.kind, Kind::kRejected);
  EXPECT_NE(update_only.reason.find("0x80040217"), std::string::npos);
  EXPECT_NE(update_only.reason.find("update only"), std::string::npos);

  EXPECT_EQ(DataverseConnector::Classify(removal, false, 404, missing, "", std::nullopt).kind, Kind::kDelivered);
  const std::string unknown_set =
      R"({"error":{"code":"0x8006088a","message":"Resource not found for the segment 'acounts'."}})";
  EXPECT_EQ(DataverseConnector::Classify(removal, false, 404, unknown_set, "", std::nullopt).kind, Kind::kRejected);

  DeliveryResult exists = DataverseConnector::Classify(
      account, false, 412,
      R"({"error":{"code":"0x80040237","message":"A record with matching key values already exists."}})", "",
      std::nullopt);
  EXPECT_EQ(exists.kind, Kind::kRejected);

  DeliveryResult throttled = DataverseConnector::Classify(account, false, 429, "", "", std::chrono::seconds(5));
  EXPECT_EQ(throttled.kind, Kind::kRetry);
  EXPECT_EQ(throttled.retry_after, std::chrono::milliseconds(5000));
  EXPECT_EQ(DataverseConnector::Classify(account, false, 503, "busy", "", std::nullopt).kind, Kind::kRetry);
  EXPECT_EQ(DataverseConnector::Classify(account, false, 408, "", "", std::nullopt).kind, Kind::kRetry);

  DeliveryResult html = DataverseConnector::Classify(account, false, 400, "<html>Bad</html>", "", std::nullopt);
  EXPECT_EQ(html.kind, Kind::kRejected);
  EXPECT_EQ(html.reason, "accounts accountnumber=100001: HTTP 400 <html>Bad</html>");
}

// A down flow writes SAP's answer back to the row the CRM sent, named by
// its GUID: addressed as set(<guid>) and only ever updated.
TEST(DataverseRequest, ARowNamedByItsPrimaryKeyIsAddressedByItsGuidAndOnlyUpdated) {
  ferry::v1::MappedRecord order;
  order.set_object("salesorders");
  order.set_action("upsert");
  order.set_key_field("salesorderid");
  order.set_external_id("5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c");
  order.set_fields_json(R"({"ferry_sapordernumber":"4711"})");
  EXPECT_TRUE(DataverseConnector::ByPrimaryKey(order));
  EXPECT_EQ(DataverseConnector::RecordPath(order), "salesorders(5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c)");
  EXPECT_TRUE(DataverseConnector::UpdateOnly(order, {})) << "a write-back never makes a row";
  EXPECT_EQ(DataverseConnector::RecordBody(order), R"({"ferry_sapordernumber":"4711"})");
  const DeliveryResult gone = DataverseConnector::Classify(
      order, true, 404, R"({"error":{"code":"0x80040217","message":"salesorder With Id = 5b0e… Does Not Exist"}})", "",
      std::nullopt);
  EXPECT_EQ(gone.kind, Kind::kRejected);
  EXPECT_NE(gone.reason.find("update only"), std::string::npos);

  ferry::v1::MappedRecord opportunity = order;
  opportunity.set_object("opportunities");
  opportunity.set_key_field("opportunityid");
  EXPECT_EQ(DataverseConnector::RecordPath(opportunity), "opportunities(5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c)");

  // Not a primary key: a lookup in an alternate key, or a key that is not a GUID.
  ferry::v1::MappedRecord contact = order;
  contact.set_object("contacts");
  contact.set_key_field("parentcustomerid");
  EXPECT_FALSE(DataverseConnector::ByPrimaryKey(contact));
  EXPECT_EQ(DataverseConnector::RecordPath(contact),
            "contacts(parentcustomerid='5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c')");
  EXPECT_FALSE(DataverseConnector::UpdateOnly(contact, {}));
  ferry::v1::MappedRecord line = order;
  line.set_object("salesorderdetails");  // salesorderid is a lookup there
  EXPECT_FALSE(DataverseConnector::ByPrimaryKey(line));
  ferry::v1::MappedRecord numbered = order;
  numbered.set_external_id("SO-1001");
  EXPECT_FALSE(DataverseConnector::ByPrimaryKey(numbered));
  EXPECT_EQ(DataverseConnector::RecordPath(numbered), "salesorders(salesorderid='SO-1001')");
}

TEST(DataverseRead, TheRowsGuidGoesAfterTheEntitySetBeforeTheQueryOptions) {
  EXPECT_EQ(DataverseConnector::ReadPath("salesorders?$select=name&$expand=order_details($select=quantity)",
                                         "5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c"),
            "salesorders(5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c)?$select=name&$expand=order_details($select=quantity)");
  EXPECT_EQ(DataverseConnector::ReadPath("salesorders", "5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c"),
            "salesorders(5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c)");
  EXPECT_EQ(DataverseConnector::ReadPath("salesorders", "5b0e2a7c')or(1"), "");
  EXPECT_EQ(DataverseConnector::ReadPath("sales/orders?$select=name", "5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c"), "");
}

TEST(DataverseRead, TheRowIsTakenAsWrittenAndWhatCannotBeReadWholeIsSaid) {
  const std::string row =
      R"({"@odata.context":"x","@odata.etag":"W/\"1\"","salesorderid":"5b0e2a7c-1d3f-4e5a-8b9c-0d1e2f3a4b5c",)"
      R"("totalamount":2.50,"order_details":[{"quantity":2.0,"productid":{"productnumber":"TG11"}}]})";
  RecordRead found = DataverseConnector::ReadAnswer("reading salesorder x", 200, row, std::nullopt);
  ASSERT_EQ(found.kind, RecordRead::Kind::kFound) << found.reason;
  EXPECT_EQ(found.record_json, row) << "2.0 stays 2.0";

  // A page of lines is not the order: refused, not ordered short.
  const std::string paged =
      R"({"salesorderid":"x","order_details":[{"quantity":1}],"order_details@odata.nextLink":"https://org/next"})";
  RecordRead short_read = DataverseConnector::ReadAnswer("reading salesorder x", 200, paged, std::nullopt);
  EXPECT_EQ(short_read.kind, RecordRead::Kind::kRejected);
  EXPECT_NE(short_read.reason.find("order_details has more rows"), std::string::npos) << short_read.reason;
  const std::string nested_paged =
      R"({"salesorderid":"x","customerid_account":{"contact_customer_accounts":[],"contact_customer_accounts@odata.nextLink":"n"}})";
  EXPECT_EQ(DataverseConnector::ReadAnswer("r", 200, nested_paged, std::nullopt).kind, RecordRead::Kind::kRejected);

  RecordRead gone = DataverseConnector::ReadAnswer(
      "reading salesorder x", 404,
      R"({"error":{"code":"0x80040217","message":"salesorder With Id = x Does Not Exist"}})", std::nullopt);
  EXPECT_EQ(gone.kind, RecordRead::Kind::kRejected);
  EXPECT_NE(gone.reason.find("0x80040217: salesorder With Id = x Does Not Exist"), std::string::npos);
  EXPECT_EQ(
      DataverseConnector::ReadAnswer("r", 400, R"({"error":{"code":"0x80060888","message":"m"}})", std::nullopt).kind,
      RecordRead::Kind::kRejected);
  RecordRead throttled = DataverseConnector::ReadAnswer("r", 429, "{}", std::chrono::milliseconds(3000));
  EXPECT_EQ(throttled.kind, RecordRead::Kind::kRetry);
  EXPECT_EQ(throttled.retry_after, std::chrono::milliseconds(3000));
  EXPECT_EQ(DataverseConnector::ReadAnswer("r", 503, "busy", std::nullopt).kind, RecordRead::Kind::kRetry);
  EXPECT_EQ(DataverseConnector::ReadAnswer("r", 200, "<html>", std::nullopt).kind, RecordRead::Kind::kRetry);
}

}  // namespace
}  // namespace ferry::controlplane
