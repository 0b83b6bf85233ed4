// ferry-s4-sim's write side as SAP Gateway's contract has it: a write needs
// the CSRF token fetched in its session and the session's cookies; a
// create takes a deep insert and answers 201 with the entity.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/http/basic_auth.h"
#include "tests/support/crm_sim.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

namespace ferry::testing {
namespace {

// "name=value" of each Set-Cookie (the test client joins repeats with ", ").
std::string CookieHeader(const std::string& set_cookies) {
  std::string out;
  size_t start = 0;
  while (start < set_cookies.size()) {
    size_t end = set_cookies.find(", ", start);
    if (end == std::string::npos) end = set_cookies.size();
    const std::string cookie = set_cookies.substr(start, end - start);
    out += (out.empty() ? "" : "; ") + cookie.substr(0, cookie.find(';'));
    start = end + 2;
  }
  return out;
}

TEST(S4SimTest, WritesNeedTheCsrfTokenOfTheirSessionAndCreatesTakeDeepInserts) {
  TempDir dir;
  CrmSim s4{dir.path(), FERRY_S4_SIM_BIN, {}};
  s4.Control("seed", {{"vendor", "s4"},
                      {"object", "API_SALES_ORDER_SRV/A_SalesOrder"},
                      {"id", "1"},
                      {"fields", {{"SalesOrder", "1"}}}});
  const std::string root = "/sap/opu/odata/sap/API_SALES_ORDER_SRV/";
  const std::string logon = http::BasicAuthorization("FERRY_COMM", "s4-secret");
  const std::string order = R"({"SalesOrderType":"OR","SoldToParty":"10100001","PurchaseOrderByCustomer":"PO-1",
    "to_Item":{"results":[{"SalesOrderItem":"10","Material":"TG11","RequestedQuantity":"2"}]}})";
  std::map<std::string, std::string> write{
      {"Authorization", logon}, {"Content-Type", "application/json"}, {"Accept", "application/json"}};

  auto res = HttpRequest("POST", s4.port(), root + "A_SalesOrder", order, write);
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.headers["x-csrf-token"], "Required");

  res = HttpRequest("GET", s4.port(), root + "A_SalesOrder?$top=1&$format=json", "",
                    {{"Authorization", logon}, {"X-CSRF-Token", "Fetch"}});
  ASSERT_EQ(res.status, 200) << res.body;
  const std::string token = res.headers["x-csrf-token"];
  ASSERT_EQ(token.size(), 24u);
  const std::string cookies = CookieHeader(res.headers["set-cookie"]);
  EXPECT_NE(cookies.find("SAP_SESSIONID_S4H_100="), std::string::npos) << cookies;
  EXPECT_NE(cookies.find("sap-XSRF_S4H_100="), std::string::npos) << cookies;

  write["X-CSRF-Token"] = token;  // without the session's cookies: refused
  EXPECT_EQ(HttpRequest("POST", s4.port(), root + "A_SalesOrder", order, write).status, 403);

  write["Cookie"] = cookies;
  res = HttpRequest("POST", s4.port(), root + "A_SalesOrder", order, write);
  ASSERT_EQ(res.status, 201) << res.body;
  const auto created = nlohmann::json::parse(res.body)["d"];
  EXPECT_EQ(created["SoldToParty"], "10100001");
  EXPECT_EQ(created["to_Item"]["results"][0]["Material"], "TG11");
  EXPECT_NE(res.headers["location"].find("/A_SalesOrder('"), std::string::npos);
  EXPECT_EQ(s4.Stats()["s4"]["records"]["API_SALES_ORDER_SRV/A_SalesOrder"], 2);

  // The session times out: the token is refused, and fetched again.
  s4.Control("config", {{"vendor", "s4"}, {"expire_csrf_tokens", true}});
  EXPECT_EQ(HttpRequest("POST", s4.port(), root + "A_SalesOrder", order, write).status, 403);
  EXPECT_EQ(s4.Stats()["s4"]["writes_refused_csrf"], 3);
}

TEST(S4SimTest, ATypedKeyWrittenAsTextIsRefusedAsGatewayRefusesIt) {
  TempDir dir;
  CrmSim s4{dir.path(), FERRY_S4_SIM_BIN, {}};
  const std::string uuid = "0050568f-3a1c-1eda-b5e6-9f1c2d3e4f50";
  s4.Control(
      "config",
      {{"vendor", "s4"},
       {"key_types", {{"API_X_SRV/A_Thing", {{"ThingUUID", "guid"}}}, {"API_X_SRV/A_Count", {{"Number", "int64"}}}}}});
  s4.Control("seed",
             {{"vendor", "s4"}, {"object", "API_X_SRV/A_Thing"}, {"id", uuid}, {"fields", {{"ThingUUID", uuid}}}});
  s4.Control("seed", {{"vendor", "s4"}, {"object", "API_X_SRV/A_Count"}, {"id", "42"}, {"fields", {{"Number", "42"}}}});
  const std::string root = "/sap/opu/odata/sap/API_X_SRV/";
  const std::map<std::string, std::string> logon{{"Authorization", http::BasicAuthorization("FERRY_COMM", "s4-secret")},
                                                 {"Accept", "application/json"}};
  auto get = [&](const std::string& path) { return HttpRequest("GET", s4.port(), root + path, "", logon); };

  EXPECT_EQ(get("A_Thing(guid'" + uuid + "')?$format=json").status, 200);
  auto res = get("A_Thing('" + uuid + "')?$format=json");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("Edm.Guid"), std::string::npos) << res.body;
  EXPECT_EQ(get("A_Count?$format=json&$filter=Number%20eq%2042L").status, 200);
  EXPECT_EQ(get("A_Count(42L)?$format=json").status, 200);
  res = get("A_Count?$format=json&$filter=Number%20eq%20'42'");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("Edm.Int64"), std::string::npos) << res.body;
  EXPECT_EQ(get("A_Thing?$format=json&$filter=ThingUUID%20gt%20guid'00000000-0000-0000-0000-000000000000'").status,
            200);
}

}  // namespace
}  // namespace ferry::testing
