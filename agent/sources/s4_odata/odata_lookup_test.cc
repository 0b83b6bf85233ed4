#include "agent/sources/s4_odata/odata_lookup.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

namespace ferry::agent {
namespace {

namespace json = boost::json;

TEST(ODataLookupTest, TemplatesMustQuoteEachFieldAndStayInTheService) {
  EXPECT_EQ(CheckLookupTemplate("A_BusinessPartner('{BusinessPartnerPerson}')"), "");
  EXPECT_EQ(CheckLookupTemplate("A_BusinessPartnerContact?$filter=BusinessPartnerPerson eq '{BusinessPartner}'"
                                "&$expand=to_ContactRelationship"),
            "");
  EXPECT_NE(CheckLookupTemplate("A_BusinessPartner({BusinessPartnerPerson})"), "");  // unquoted
  EXPECT_NE(CheckLookupTemplate("A_BusinessPartner('1000746')"), "");                // no field
  EXPECT_NE(CheckLookupTemplate("/sap/opu/odata/sap/OTHER/A_X('{F}')"), "");
  EXPECT_NE(CheckLookupTemplate("A_X('{F}')/../../OTHER"), "");
  EXPECT_NE(CheckLookupTemplate("A_X('{F}')?sap-client=200"), "");
  EXPECT_NE(CheckLookupTemplate("A_X('{F}')#x"), "");
  EXPECT_NE(CheckLookupTemplate("A_X('{F')"), "");
  EXPECT_NE(CheckLookupTemplate("A_X('{F-G}')"), "");
  EXPECT_NE(CheckLookupTemplate("https://evil/A_X('{F}')"), "");
  EXPECT_NE(CheckLookupTemplate("A_X(''{F}'')"), "");  // the value outside the literal
  EXPECT_NE(CheckLookupTemplate("A_X('{F}')?SAP-Client=200"), "");
}

TEST(ODataLookupTest, AFieldValueCannotChangeTheRequestsShape) {
  const std::string read = "A_BusinessPartnerContact?$filter=BusinessPartnerPerson eq '{BusinessPartner}'";
  json::object item{{"BusinessPartner", "1' or BusinessPartnerPerson ne '&$top=1/../x"}};
  auto path = LookupPath(read, item);
  ASSERT_TRUE(path);
  EXPECT_EQ(
      *path,
      "A_BusinessPartnerContact?$filter=BusinessPartnerPerson%20eq%20'1%27%27%20or%20BusinessPartnerPerson%20ne%20"
      "%27%27%26%24top%3D1%2F..%2Fx'");
  json::object number{{"BusinessPartner", 17}};
  EXPECT_EQ(*LookupPath(read, number), "A_BusinessPartnerContact?$filter=BusinessPartnerPerson%20eq%20'17'");
  // Absent, blank, null or structured: no read.
  EXPECT_FALSE(LookupPath(read, json::object{}));
  EXPECT_FALSE(LookupPath(read, json::object{{"BusinessPartner", ""}}));
  EXPECT_FALSE(LookupPath(read, json::object{{"BusinessPartner", nullptr}}));
  EXPECT_FALSE(LookupPath(read, json::object{{"BusinessPartner", json::object{}}}));
}

// Runs Attach against canned S/4 answers, recording the URLs asked for.
struct Canned {
  std::map<std::string, http::ClientResponse> answers;  // path after the service root, up to '?'
  std::vector<std::string> asked;
  std::vector<std::string> refusals;  // of the last run

  Status Run(const std::vector<ODataLookup>& lookups, std::string& payload) {
    S4Connection connection;
    connection.url = "https://s4:44300";
    connection.client = "100";
    boost::asio::io_context io;
    LookupRunner runner(lookups, connection, "/sap/opu/odata/sap/API_BUSINESS_PARTNER",
                        [this](const std::string& url) -> boost::asio::awaitable<std::optional<http::ClientResponse>> {
                          asked.push_back(url);
                          const std::string root = "https://s4:44300/sap/opu/odata/sap/API_BUSINESS_PARTNER/";
                          std::string path = url.substr(root.size());
                          path = path.substr(0, path.find('?'));
                          auto it = answers.find(path);
                          if (it == answers.end()) co_return std::nullopt;
                          co_return it->second;
                        });
    auto done = boost::asio::co_spawn(io, runner.Attach(payload), boost::asio::use_future);
    io.run();
    refusals = runner.TakeRefusals();
    return done.get();
  }
};

http::ClientResponse Ok(std::string body) { return {200, {}, std::move(body)}; }

std::vector<ODataLookup> PersonLookup() {
  return {{{"to_BusinessPartnerContact"}, "to_Person", "A_BusinessPartner('{BusinessPartnerPerson}')"}};
}

TEST(ODataLookupTest, EachItemGetsItsAnswerAndAResourceIsReadOncePerRunner) {
  Canned s4;
  s4.answers["A_BusinessPartner('2000001')"] =
      Ok(R"({"d":{"__metadata":{"uri":"x"},"BusinessPartner":"2000001","FirstName":"Ada","LastName":"Kühn",)"
         R"("to_BusinessPartnerAddress":{"__deferred":{"uri":"y"}}}})");
  std::string payload = R"({"BusinessPartner":"1","to_BusinessPartnerContact":[{"BusinessPartnerPerson":"2000001"},)"
                        R"({"BusinessPartnerPerson":"2000001"},{"BusinessPartnerPerson":""}]})";
  ASSERT_TRUE(s4.Run(PersonLookup(), payload).ok());
  EXPECT_EQ(s4.asked.size(), 1u);
  EXPECT_EQ(s4.asked[0],
            "https://s4:44300/sap/opu/odata/sap/API_BUSINESS_PARTNER/"
            "A_BusinessPartner('2000001')?$format=json&sap-client=100");
  const json::value v = json::parse(payload);
  const json::array& contacts = v.at("to_BusinessPartnerContact").as_array();
  EXPECT_EQ(contacts[0].at("to_Person").at("LastName").as_string(), "Kühn");
  EXPECT_FALSE(contacts[0].at("to_Person").as_object().contains("__metadata"));
  EXPECT_FALSE(contacts[0].at("to_Person").as_object().contains("to_BusinessPartnerAddress"));
  EXPECT_EQ(contacts[1].at("to_Person"), contacts[0].at("to_Person"));
  EXPECT_TRUE(contacts[2].at("to_Person").is_null());
}

TEST(ODataLookupTest, AWhenConditionLimitsTheItemsLookedUpFor) {
  Canned s4;
  s4.answers["A_BusinessPartner('2000001')"] = Ok(R"({"d":{"BusinessPartner":"2000001","LastName":"Holm"}})");
  std::vector<ODataLookup> lookups = PersonLookup();
  lookups[0].when_field = "RelationshipCategory";
  lookups[0].when_value = "BUR001";
  std::string payload =
      R"({"to_BusinessPartnerContact":[{"BusinessPartnerPerson":"2000001","RelationshipCategory":"BUR001"},)"
      R"({"BusinessPartnerPerson":"2000002","RelationshipCategory":"BUR011"}]})";
  ASSERT_TRUE(s4.Run(lookups, payload).ok());
  EXPECT_EQ(s4.asked.size(), 1u);
  const json::value v = json::parse(payload);
  EXPECT_EQ(v.at("to_BusinessPartnerContact").at(0).at("to_Person").at("LastName").as_string(), "Holm");
  EXPECT_FALSE(v.at("to_BusinessPartnerContact").at(1).as_object().contains("to_Person"));
}

TEST(ODataLookupTest, CollectionsAreFollowedOverTheirPagesAndChainedLookupsSeeEarlierOnes) {
  Canned s4;
  s4.answers["A_BusinessPartnerContact"] =
      Ok(R"({"d":{"results":[{"BusinessPartnerCompany":"1000746","RelationshipNumber":"7"}],)"
         R"("__next":"/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartnerContactPage2?$skiptoken=1"}})");
  s4.answers["A_BusinessPartnerContactPage2"] =
      Ok(R"({"d":{"results":[{"BusinessPartnerCompany":"1000747","RelationshipNumber":"8"}]}})");
  s4.answers["A_BusinessPartner('1000746')"] =
      Ok(R"({"d":{"BusinessPartner":"1000746","to_Customer":{"Customer":"C1"}}})");
  s4.answers["A_BusinessPartner('1000747')"] = Ok(R"({"value":"not a collection","BusinessPartner":"1000747"})");
  std::vector<ODataLookup> lookups{
      {{}, "to_ContactOf", "A_BusinessPartnerContact?$filter=BusinessPartnerPerson eq '{BusinessPartner}'"},
      {{"to_ContactOf"}, "to_Company", "A_BusinessPartner('{BusinessPartnerCompany}')?$expand=to_Customer"}};
  std::string payload = R"({"BusinessPartner":"2000001","FirstName":"Ada"})";
  ASSERT_TRUE(s4.Run(lookups, payload).ok());
  const json::value v = json::parse(payload);
  const json::array& of = v.at("to_ContactOf").as_array();
  ASSERT_EQ(of.size(), 2u);
  EXPECT_EQ(of[0].at("to_Company").at("to_Customer").at("Customer").as_string(), "C1");
  EXPECT_EQ(of[1].at("to_Company").at("value").as_string(), "not a collection");  // a V4 entity, not a collection
  EXPECT_EQ(s4.asked[1],
            "https://s4:44300/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartnerContactPage2?$skiptoken=1"
            "&sap-client=100");
}

TEST(ODataLookupTest, AGoneEntityIsNullARefusalIsNullAndReportedAndNoAnswerFailsTheEntity) {
  Canned s4;
  s4.answers["A_BusinessPartner('2000001')"] = {
      404, {}, R"({"error":{"code":"/IWBEP/CM_MGW_RT/020","message":{"lang":"en","value":"Resource not found"}}})"};
  std::string payload = R"({"to_BusinessPartnerContact":{"BusinessPartnerPerson":"2000001"}})";
  ASSERT_TRUE(s4.Run(PersonLookup(), payload).ok());
  EXPECT_TRUE(json::parse(payload).at("to_BusinessPartnerContact").at("to_Person").is_null());
  EXPECT_TRUE(s4.refusals.empty());

  // Refusals asking again would not change: null, reported, the entity goes on.
  const std::string before = R"({"to_BusinessPartnerContact":{"BusinessPartnerPerson":"2000001"}})";
  for (const http::ClientResponse& refusal :
       {http::ClientResponse{404, {}, R"({"error":{"code":"/IWFND/MED/170","message":{"value":"No service"}}})"},
        http::ClientResponse{403, {}, R"({"error":{"code":"X","message":{"value":"No authorization"}}})"}}) {
    s4.answers["A_BusinessPartner('2000001')"] = refusal;
    payload = before;
    ASSERT_TRUE(s4.Run(PersonLookup(), payload).ok()) << refusal.body;
    EXPECT_TRUE(json::parse(payload).at("to_BusinessPartnerContact").at("to_Person").is_null());
    ASSERT_EQ(s4.refusals.size(), 1u);
    EXPECT_NE(s4.refusals[0].find("S/4 answered " + std::to_string(refusal.status)), std::string::npos)
        << s4.refusals[0];
  }
  // No answer, or none that is OData: Unavailable, the page is read again later.
  for (const http::ClientResponse& unanswered :
       {http::ClientResponse{503, {}, "busy"}, http::ClientResponse{429, {}, "later"},
        http::ClientResponse{200, {}, "<html>"}}) {
    s4.answers["A_BusinessPartner('2000001')"] = unanswered;
    payload = before;
    EXPECT_EQ(s4.Run(PersonLookup(), payload).code(), StatusCode::kUnavailable) << unanswered.body;
    EXPECT_EQ(payload, before);
  }
  s4.answers.clear();
  payload = before;
  EXPECT_EQ(s4.Run(PersonLookup(), payload).code(), StatusCode::kUnavailable);
}

TEST(ODataLookupTest, ALinkOffTheHostTooManyItemsAndTooMuchToAttachAreRefused) {
  Canned s4;
  s4.answers["A_BusinessPartnerContact"] =
      Ok(R"({"d":{"results":[{"A":"1"}],"__next":"https://elsewhere/sap/opu/odata/sap/X?$skiptoken=1"}})");
  std::vector<ODataLookup> lookups{{{}, "to_ContactOf", "A_BusinessPartnerContact?$filter=P eq '{BusinessPartner}'"}};
  std::string payload = R"({"BusinessPartner":"2000001"})";
  ASSERT_TRUE(s4.Run(lookups, payload).ok());
  EXPECT_EQ(s4.asked.size(), 1u);
  EXPECT_TRUE(json::parse(payload).at("to_ContactOf").is_null());
  ASSERT_EQ(s4.refusals.size(), 1u);
  EXPECT_NE(s4.refusals[0].find("leaves the S/4 host"), std::string::npos);

  json::array many;
  for (size_t i = 0; i <= kMaxLookupItems; ++i) many.push_back(json::object{{"BusinessPartnerPerson", "1"}});
  payload = json::serialize(json::object{{"to_BusinessPartnerContact", many}});
  s4.answers["A_BusinessPartner('1')"] = Ok(R"({"d":{"BusinessPartner":"1"}})");
  ASSERT_TRUE(s4.Run(PersonLookup(), payload).ok());
  ASSERT_EQ(s4.refusals.size(), 1u);
  EXPECT_NE(s4.refusals[0].find("more than 1000 items"), std::string::npos);

  // Three contacts naming one person of 3 MiB: read once, but attached
  // three times would be 9 MiB: the third is refused.
  s4.answers["A_BusinessPartner('2')"] =
      Ok(R"({"d":{"BusinessPartner":"2","Note":")" + std::string(3u << 20, 'x') + R"("}})");
  payload = R"({"to_BusinessPartnerContact":[{"BusinessPartnerPerson":"2"},{"BusinessPartnerPerson":"2"},)"
            R"({"BusinessPartnerPerson":"2"}]})";
  s4.asked.clear();
  ASSERT_TRUE(s4.Run(PersonLookup(), payload).ok());
  EXPECT_EQ(s4.asked.size(), 1u);
  const json::value v = json::parse(payload);
  EXPECT_TRUE(v.at("to_BusinessPartnerContact").at(1).at("to_Person").is_object());
  EXPECT_TRUE(v.at("to_BusinessPartnerContact").at(2).at("to_Person").is_null());
  ASSERT_EQ(s4.refusals.size(), 1u);
  EXPECT_NE(s4.refusals[0].find("more than 8 MiB"), std::string::npos);
}

}  // namespace
}  // namespace ferry::agent
