// Guarantee 6: bad input gets a clear, exact error, never a crash or a hang,
// and never leaves anything behind. Each malformed request gets its precise
// 4xx and the agent's outbox is unchanged by it. The agent runs with a broker
// but without a control plane, so nothing drains the outbox: its depth moves
// only when the agent accepts (stores) something.

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const std::map<std::string, std::string> kXml = {{"Content-Type", "text/xml"}};

std::string Erase(std::string xml, const std::string& from, const std::string& to_inclusive) {
  size_t start = xml.find(from);
  size_t end = xml.find(to_inclusive, start);
  if (start == std::string::npos || end == std::string::npos) throw std::runtime_error("cannot cut " + from);
  return xml.erase(start, end + to_inclusive.size() - start);
}

class MalformedInputTest : public ::testing::Test {
 protected:
  explicit MalformedInputTest(PipelineOptions options = {}) : p_(std::move(options)) {}

  void SetUp() override {
    p_.broker().Start();
    p_.StartAgent();  // no control plane: the outbox only grows
    // One good IDoc first, so the depth checks below are against a store
    // that demonstrably counts what the agent accepts.
    auto res = p_.PostIdoc(ReadFixture("debmas05_customer.xml"));
    ASSERT_EQ(res.status, 200) << res.body;
    ASSERT_EQ(p_.AgentOutboxDepth(), 1u);
  }

  // Sends a request, checks the status and that the body names the problem,
  // and that the outbox did not change.
  HttpResponse ExpectRefused(const std::string& method, const std::string& target, const std::string& body,
                             const std::map<std::string, std::string>& headers, int status,
                             const std::vector<std::string>& body_mentions) {
    const uint64_t before = p_.AgentOutboxDepth();
    HttpResponse res = HttpRequest(method, p_.agent_port(), target, body, headers, seconds(10));
    EXPECT_EQ(res.status, status) << res.error << res.body;
    for (const auto& text : body_mentions) {
      EXPECT_NE(res.body.find(text), std::string::npos) << "answer does not mention '" << text << "': " << res.body;
    }
    EXPECT_EQ(p_.AgentOutboxDepth(), before) << "a refused request changed the outbox";
    // Still alive and serving: a bad request never takes the agent down.
    EXPECT_TRUE(p_.agent().Running());
    return res;
  }

  std::string Customer() const {
    return ReplaceElement(ReadFixture("debmas05_customer.xml"), "DOCNUM", Docnum(6100001));
  }

  Pipeline p_;
};

TEST_F(MalformedInputTest, TruncatedXmlIs400WithLineAndColumn) {
  std::string xml = Customer();
  xml.resize(xml.size() / 2);
  ExpectRefused("POST", "/sap/idoc", xml, kXml, 400, {"line", "column"});
}

TEST_F(MalformedInputTest, MissingControlRecordIs400NamingEdiDc40) {
  ExpectRefused("POST", "/sap/idoc", Erase(Customer(), "<EDI_DC40", "</EDI_DC40>"), kXml, 400, {"EDI_DC40"});
}

TEST_F(MalformedInputTest, MissingDocnumIs400NamingDocnum) {
  ExpectRefused("POST", "/sap/idoc", Erase(Customer(), "<DOCNUM>", "</DOCNUM>"), kXml, 400, {"DOCNUM"});
}

TEST_F(MalformedInputTest, ExternalEntityIs400AndFileNeverLeaks) {
  std::string passwd_line;
  std::getline(std::ifstream("/etc/passwd"), passwd_line);
  ASSERT_FALSE(passwd_line.empty()) << "need a readable /etc/passwd to detect a leak";
  std::string xml = Customer();
  xml.insert(xml.find("<DEBMAS05>"), "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n");
  xml = ReplaceElement(xml, "NAME1", "&e;");
  auto res = ExpectRefused("POST", "/sap/idoc", xml, kXml, 400, {"DTD"});
  // Not in the answer, the agent's log or its store.
  EXPECT_EQ(res.body.find(passwd_line), std::string::npos);
  EXPECT_EQ(ReadFile(p_.dir().path() / "agent.log").find(passwd_line), std::string::npos);
  EXPECT_EQ(ReadFile(p_.dir().path() / "agent" / "store" / "data.mdb").find(passwd_line), std::string::npos);
}

TEST_F(MalformedInputTest, EntityExpansionBombIsRefusedQuickly) {
  std::string dtd = "<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  std::string prev = "lol";
  for (int i = 1; i <= 9; ++i) {
    std::string name = "lol" + std::to_string(i);
    dtd += "<!ENTITY " + name + " \"";
    for (int k = 0; k < 10; ++k) dtd += "&" + prev + ";";
    dtd += "\">\n";
    prev = name;
  }
  dtd += "]>\n";
  std::string xml = Customer();
  xml.insert(xml.find("<DEBMAS05>"), dtd);
  xml = ReplaceElement(xml, "NAME1", "&lol9;");
  const auto start = std::chrono::steady_clock::now();
  ExpectRefused("POST", "/sap/idoc", xml, kXml, 400, {"DTD"});
  // A parser expanding 10^9 "lol"s would take seconds and gigabytes.
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

TEST_F(MalformedInputTest, WrongContentTypeIs415) {
  ExpectRefused("POST", "/sap/idoc", Customer(), {{"Content-Type", "application/json"}}, 415,
                {"application/json", "text/xml"});
}

TEST_F(MalformedInputTest, BodyOverMaxBodyIs413) {
  // A well-formed IDoc padded past the harness's 1 MiB limit, sent with a
  // Content-Length as SAP sends it: the agent can refuse it from the header
  // alone, and says which limit and which setting.
  std::string xml = Customer();
  xml.insert(xml.find("</DEBMAS05>"), "<!--" + std::string(1536 * 1024, 'x') + "-->");
  ExpectRefused("POST", "/sap/idoc", xml, kXml, 413, {"1048576", "sources.idoc_http.max_body"});
}

TEST_F(MalformedInputTest, GetIs405WithAllowPost) {
  auto res = ExpectRefused("GET", "/sap/idoc", "", {}, 405, {"POST"});
  EXPECT_EQ(res.headers["allow"], "POST");
}

TEST_F(MalformedInputTest, WrongPathIs404NamingTheRightOne) {
  ExpectRefused("POST", "/sap/idocs", Customer(), kXml, 404, {"/sap/idoc"});
}

// Defect: a tree builder that recursed once per level ended the agent with
// SIGSEGV on 100,000 nested elements, and SAP resent the IDoc for ever.
TEST_F(MalformedInputTest, HundredThousandNestedElementsAre400NamingTheLimitAndTheAgentLives) {
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "<Z>";
  for (int i = 0; i < 100000; ++i) nested += "</Z>";
  std::string xml = Customer();
  xml.insert(xml.find("</E1KNA1M>"), nested);
  ASSERT_LT(xml.size(), 1u << 20);  // far under max_body
  ExpectRefused("POST", "/sap/idoc", xml, kXml, 400, {"nested more than 100 levels", "line", "max_depth"});
  auto next = p_.PostIdoc(ReplaceElement(Customer(), "DOCNUM", Docnum(6100002)));
  EXPECT_EQ(next.status, 200) << next.body;
}

// Defect: a character reference to a surrogate was accepted, and the control
// plane could not parse the batch holding it, so the agent's uplink stopped.
TEST_F(MalformedInputTest, CharacterReferenceToASurrogateIs400NamingTheField) {
  ExpectRefused("POST", "/sap/idoc", ReplaceElement(Customer(), "KUNNR", "9&#xD800;13"), kXml, 400,
                {"field KUNNR of segment E1KNA1M", "U+D800"});
  ExpectRefused("POST", "/sap/idoc", ReplaceElement(Customer(), "DOCNUM", "61&#xD800;3"), kXml, 400,
                {"field DOCNUM of segment EDI_DC40", "U+D800"});
  ExpectRefused("POST", "/sap/idoc", ReplaceElement(Customer(), "NAME1", "A&#0;B"), kXml, 400,
                {"field NAME1", "U+0000"});
  ExpectRefused("POST", "/sap/idoc", ReplaceElement(Customer(), "NAME1", "A&#x110000;B"), kXml, 400,
                {"field NAME1", "U+110000"});
  auto next = p_.PostIdoc(ReplaceElement(Customer(), "DOCNUM", Docnum(6100003)));
  EXPECT_EQ(next.status, 200) << next.body;
}

// Defect: a DOCNUM holding a newline and a journald priority prefix became a
// log line of its own, at emergency priority.
TEST_F(MalformedInputTest, ValuesFromSapCannotStartALogLineOfTheirOwn) {
  auto res = p_.PostIdoc(ReplaceElement(Customer(), "DOCNUM", "61\n&lt;0&gt;forged"));
  ASSERT_EQ(res.status, 200) << res.body;  // XML allows a newline in text; the log must cope
  const std::string log = ReadFile(p_.dir().path() / "agent.log");
  EXPECT_NE(log.find("docnum=61\\x0a<0>forged"), std::string::npos) << log;
  EXPECT_EQ(log.find("\n<0>"), std::string::npos);
}

// With basic authentication configured, as an SM59 destination would use it.
class MalformedCredentialsTest : public MalformedInputTest {
 protected:
  static PipelineOptions WithAuth() {
    PipelineOptions options;
    options.basic_auth_user = "SAPIDOC";
    options.basic_auth_password = "s3cret-Pa55";
    return options;
  }
  MalformedCredentialsTest() : MalformedInputTest(WithAuth()) {}

  void SetUp() override {
    p_.broker().Start();
    p_.StartAgent();
  }
};

TEST_F(MalformedCredentialsTest, NoOrWrongCredentialsAre401RightOnesAre200) {
  // base64("SAPIDOC:s3cret-Pa55") and base64("SAPIDOC:wrong")
  const std::string right = "Basic U0FQSURPQzpzM2NyZXQtUGE1NQ==";
  const std::string wrong = "Basic U0FQSURPQzp3cm9uZw==";
  ASSERT_EQ(p_.AgentOutboxDepth(), 0u);

  auto none = ExpectRefused("POST", "/sap/idoc", Customer(), kXml, 401, {"credentials"});
  EXPECT_NE(none.headers["www-authenticate"].find("Basic"), std::string::npos) << none.headers["www-authenticate"];
  auto bad = ExpectRefused("POST", "/sap/idoc", Customer(), {{"Content-Type", "text/xml"}, {"Authorization", wrong}},
                           401, {"credentials"});
  EXPECT_NE(bad.headers["www-authenticate"].find("Basic"), std::string::npos);
  // A wrong password is not told apart from a wrong user.
  EXPECT_EQ(bad.body, none.body);

  auto ok = p_.PostIdoc(Customer(), "text/xml", {{"Authorization", right}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(p_.AgentOutboxDepth(), 1u);
}

// A bad configuration file stops the agent before it does anything, with the
// file, line and key in the message (guarantee 6 for field IT).
class AgentConfigErrorTest : public ::testing::Test {
 protected:
  // A minimal valid configuration. Line numbers matter for the checks below:
  // line 7 is `idoc_http_line`, line 10 the ack_timeout.
  std::string Config(const std::string& idoc_http_line, const std::string& ack_timeout) {
    const std::vector<std::string> lines = {
        "agent:",
        "  id: plant-07",
        "  data_dir: " + (dir_.path() / "data").string(),
        "sources:",
        "  idoc_http:",
        "    listen: 127.0.0.1:" + std::to_string(port_),
        "    " + idoc_http_line,
        "uplink:",
        "  broker: ssl://127.0.0.1:1",
        "  ack_timeout: " + ack_timeout,
    };
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
  }

  // Runs ferry-agent with `command` and returns {exit code, output}.
  std::pair<int, std::string> RunAgent(const std::string& command, const std::filesystem::path& config) {
    const auto log = dir_.path() / (command + ".out");
    std::filesystem::remove(log);
    Process proc = Process::Start({FERRY_AGENT_BIN, command, "--config", config.string()}, log);
    auto code = proc.WaitExit(seconds(10));
    return {code.value_or(-1), ReadFile(log)};
  }

  TempDir dir_;
  int port_ = FreeTcpPort();
};

TEST_F(AgentConfigErrorTest, UnknownKeyAndBadValueExitWithCode2NamingFileLineAndKey) {
  const auto good = dir_.path() / "good.yaml";
  WriteFile(good, Config("retry_after: 7s", "5s"));
  auto [good_code, good_out] = RunAgent("check-config", good);
  ASSERT_EQ(good_code, 0) << good_out;  // so the failures below are due to the edits alone

  const auto bad = dir_.path() / "bad.yaml";
  WriteFile(bad, Config("retry_afterr: 7s", "fast"));
  for (const std::string command : {"check-config", "run"}) {
    auto [code, out] = RunAgent(command, bad);
    EXPECT_EQ(code, 2) << command << ": " << out;
    EXPECT_NE(out.find(bad.string() + ":7:"), std::string::npos) << command << ": " << out;
    EXPECT_NE(out.find("sources.idoc_http.retry_afterr"), std::string::npos) << command << ": " << out;
    EXPECT_NE(out.find(bad.string() + ":10:"), std::string::npos) << command << ": " << out;
    EXPECT_NE(out.find("uplink.ack_timeout"), std::string::npos) << command << ": " << out;
    EXPECT_NE(out.find("'fast'"), std::string::npos) << command << ": " << out;
  }
  // `run` refused before touching anything: no store, no listener.
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "data" / "store"));
  EXPECT_EQ(HttpRequest("GET", port_, "/", "", {}, milliseconds(500)).status, 0);
}

TEST_F(AgentConfigErrorTest, TheFilePortsFolderAndSegmentCatalogueAreCheckedBeforeTheAgentRuns) {
  const auto port = dir_.path() / "port";
  const auto catalog = dir_.path() / "catalog";
  std::filesystem::create_directories(port);
  std::filesystem::create_directories(catalog);
  std::filesystem::copy_file(std::filesystem::path(FERRY_FIXTURE_DIR) / "idoc" / "catalog" / "DEBMAS07.xsd",
                             catalog / "DEBMAS07.xsd");
  const auto file = dir_.path() / "file-port.yaml";
  // Config() ends with the uplink section: put the source under `sources:`.
  auto config_with = [&](const std::string& section) {
    std::string text = Config("retry_after: 7s", "5s");
    text.insert(text.find("uplink:"), "  idoc_file:\n" + section);
    WriteFile(file, text);
    return RunAgent("check-config", file);
  };
  auto [code, out] =
      config_with("    directory: " + port.string() + "\n    segment_catalog: " + catalog.string() + "\n");
  ASSERT_EQ(code, 0) << out;

  std::tie(code, out) = config_with("    directory: " + (dir_.path() / "nowhere").string() + "\n");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("sources.idoc_file.directory"), std::string::npos) << out;
  EXPECT_NE(out.find("is not a directory"), std::string::npos) << out;

  // A schema that cannot place a field is refused with its file and field.
  std::ofstream(catalog / "ZBROKEN.xsd")
      << "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"><xsd:element name=\"ZBROKEN\"><xsd:complexType>"
         "<xsd:sequence><xsd:element name=\"Z1SEG\"><xsd:complexType><xsd:sequence><xsd:element name=\"F\" "
         "type=\"xsd:string\"/></xsd:sequence><xsd:attribute name=\"SEGMENT\"/></xsd:complexType></xsd:element>"
         "</xsd:sequence></xsd:complexType></xsd:element></xsd:schema>";
  std::tie(code, out) =
      config_with("    directory: " + port.string() + "\n    segment_catalog: " + catalog.string() + "\n");
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("sources.idoc_file.segment_catalog"), std::string::npos) << out;
  EXPECT_NE(out.find("ZBROKEN.xsd: field F of segment Z1SEG has no length"), std::string::npos) << out;

  std::tie(code, out) = config_with("    directory: " + port.string() +
                                    "\n    ready: whenever\n    after: shred\n    encoding: ebcdic\n");
  EXPECT_EQ(code, 2) << out;
  for (const char* expected : {"must be settled or marker, got 'whenever'", "must be archive or delete, got 'shred'",
                               "must be utf-8 or iso-8859-1, got 'ebcdic'"}) {
    EXPECT_NE(out.find(expected), std::string::npos) << expected << "\n" << out;
  }
}

TEST_F(AgentConfigErrorTest, AnS4LookupThatCouldLeaveItsServiceOrBeSteeredByDataIsRefused) {
  const auto file = dir_.path() / "s4.yaml";
  WriteFile(dir_.path() / "s4.password", "s4-secret\n");
  auto config_with = [&](const std::string& lookup) {
    std::string text = Config("retry_after: 7s", "5s");
    text.insert(text.find("uplink:"),
                "  s4_odata:\n    url: https://s4.plant.local:44300\n    user: FERRY_COMM\n    password_file: " +
                    (dir_.path() / "s4.password").string() +
                    "\n    entities:\n      - name: bp\n        service: API_BUSINESS_PARTNER\n"
                    "        entity_set: A_BusinessPartner\n        key: [BusinessPartner]\n"
                    "        changed_date: LastChangeDate\n        lookups:\n" +
                    lookup);
    WriteFile(file, text);
    return RunAgent("check-config", file);
  };
  auto [code, out] = config_with(
      "          - at: to_BusinessPartnerContact\n            read: A_BusinessPartner('{BusinessPartnerPerson}')\n"
      "            as: to_Person\n            when: RelationshipCategory eq 'BUR001'\n");
  ASSERT_EQ(code, 0) << out;
  for (const auto& [lookup, why] : std::vector<std::pair<std::string, std::string>>{
           {"read: A_BusinessPartner({BusinessPartnerPerson})", "must quote each field"},
           {"read: /sap/opu/odata/sap/OTHER/A_X('{F}')", "must be a resource of the entity's own service"},
           {"read: A_BusinessPartner('1000746')", "names no field of the item"},
           {"read: A_X('{F}')\n            when: F = 1", "must read Field eq 'value'"}}) {
    std::tie(code, out) = config_with("          - " + lookup + "\n            as: to_X\n");
    EXPECT_EQ(code, 2) << lookup << ": " << out;
    EXPECT_NE(out.find("sources.s4_odata.entities"), std::string::npos) << out;
    EXPECT_NE(out.find(why), std::string::npos) << lookup << ": " << out;
  }
}

TEST_F(AgentConfigErrorTest, ReceiptsNeedAnSapHostAndTheIdocServicesPath) {
  const auto file = dir_.path() / "receipts.yaml";
  WriteFile(dir_.path() / "ecc.password", "secret\n");
  auto config_with = [&](const std::string& receipts) {
    WriteFile(file, Config("retry_after: 7s", "5s") + "receipts:\n" + receipts);
    return RunAgent("check-config", file);
  };
  const std::string logon = "  user: FERRY_ALE\n  password_file: " + (dir_.path() / "ecc.password").string() + "\n";
  auto [code, out] = config_with("  url: https://ecc.plant.local:44300\n  client: \"100\"\n" + logon);
  ASSERT_EQ(code, 0) << out;
  std::tie(code, out) = config_with("  url: https://ecc.plant.local:44300/sap/bc/idoc_xml\n" + logon);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("receipts.url"), std::string::npos) << out;
  std::tie(code, out) = config_with("  url: https://ecc.plant.local:44300\n  path: sap/bc/idoc_xml?x=1\n" + logon);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("receipts.path"), std::string::npos) << out;
  std::tie(code, out) = config_with("  url: http://ecc.plant.local:8000\n" + logon);
  EXPECT_EQ(code, 2) << out;  // plain http only when asked for
  EXPECT_NE(out.find("insecure"), std::string::npos) << out;
}

TEST_F(AgentConfigErrorTest, MetricsStayOnLoopbackUnlessAllowedElsewhere) {
  const auto file = dir_.path() / "metrics.yaml";
  WriteFile(file, Config("retry_after: 7s", "5s") + "metrics:\n  listen: 0.0.0.0:9469\n");
  auto [code, out] = RunAgent("check-config", file);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("metrics.listen"), std::string::npos) << out;
  EXPECT_NE(out.find("must be a loopback address"), std::string::npos) << out;
  WriteFile(file, Config("retry_after: 7s", "5s") + "metrics:\n  listen: 0.0.0.0:9469\n  allow_remote: true\n");
  std::tie(code, out) = RunAgent("check-config", file);
  EXPECT_EQ(code, 0) << out;
  WriteFile(file, Config("retry_after: 7s", "5s") + "metrics:\n  listen: localhost:9469\n");
  std::tie(code, out) = RunAgent("check-config", file);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("must be an IP address"), std::string::npos) << out;
}

}  // namespace
}  // namespace ferry::testing

namespace ferry::testing {
namespace {

TEST_F(AgentConfigErrorTest, TheDownSectionNeedsAnSapTargetWithAHostAndLogon) {
  const auto file = dir_.path() / "down.yaml";
  WriteFile(dir_.path() / "s4.password", "secret\n");
  auto config_with = [&](const std::string& down) {
    WriteFile(file, Config("retry_after: 7s", "5s") + "down:\n" + down);
    return RunAgent("check-config", file);
  };
  const std::string logon =
      "    user: FERRY_ORDERS\n    password_file: " + (dir_.path() / "s4.password").string() + "\n";
  auto [code, out] = config_with("  s4_odata:\n    url: https://s4.plant.local:44300\n    client: \"100\"\n" + logon);
  EXPECT_EQ(code, 0) << out;
  for (const auto& [down, why] : std::vector<std::pair<std::string, std::string>>{
           {"  idoc_xml:\n    url: https://ecc:1\n", "down.idoc_xml"},
           {"  s4_odata:\n" + logon, "url"},
           {"  s4_odata:\n    url: http://s4.plant.local:8000\n" + logon, "insecure"},
           {"  s4_odata: {}\n", "s4_odata"}}) {
    std::tie(code, out) = config_with(down);
    EXPECT_EQ(code, 2) << down << ": " << out;
    EXPECT_NE(out.find(why), std::string::npos) << down << ": " << out;
  }
}

}  // namespace
}  // namespace ferry::testing
