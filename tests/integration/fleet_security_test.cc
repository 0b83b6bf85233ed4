// The fleet's identities with real processes, real TLS and the broker as
// Ferry ships it (packaging/mosquitto/ferry.conf and ferry.acl): enrollment
// with the real commands and each of its refusals, what the broker lets an
// enrolled agent do and not do, and revocation.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>

#include "common/crypto/x509.h"
#include "common/http/http_server.h"
#include "common/util/files.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/mqtt_test_client.h"
#include "tests/integration/pipeline.h"
#include "tests/support/ports.h"
#include "tests/support/shell.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

mode_t ModeOf(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

// The token `agents add` prints alone on a line of its output.
std::string TokenIn(const std::string& text) {
  const size_t start =
      text.rfind("\nferry1:") != std::string::npos ? text.rfind("\nferry1:") + 1 : text.find("ferry1:");
  if (start == std::string::npos) return text;
  return text.substr(start, text.find('\n', start) - start);
}

// The status of an empty JSON POST over HTTPS with Debian's curl (the
// certificate is not checked: these requests are about the listener's limits).
int HttpsPostStatus(int port, const std::string& target, const std::string& from = "127.0.0.1") {
  return Curl("-k --interface " + from + " -X POST -d '{}' https://127.0.0.1:" + std::to_string(port) + target).status;
}

class FleetSecurityTest : public ::testing::Test {
 protected:
  // An agent configuration that names only its data folder and its
  // listener: id, broker and keys come from enrollment.
  std::filesystem::path WriteBareAgentConfig(const std::string& name, int port) {
    const auto config = p_.dir().path() / (name + ".yaml");
    WriteFile(config, "agent:\n  data_dir: " + (p_.dir().path() / name).string() +
                          "\nsources:\n  idoc_http:\n    listen: 127.0.0.1:" + std::to_string(port) +
                          "\nuplink:\n  reconnect_min: 50ms\n  reconnect_max: 1s\n  heartbeat_interval: 1s\n");
    std::filesystem::create_directories(p_.dir().path() / name);
    return config;
  }

  // `ferry-agent enroll`; its exit code, output in `out`.
  int Enroll(const std::filesystem::path& config, const std::string& token, const std::string& url,
             std::string* out = nullptr) {
    const auto log = p_.dir().path() / "enroll.out";
    std::filesystem::remove(log);
    Process enroll =
        Process::Start({FERRY_AGENT_BIN, "enroll", "--config", config.string(), "--token", token, "--url", url}, log);
    const int code = enroll.WaitExit(30s).value_or(-1);
    if (out) *out = ReadFile(log);
    return code;
  }

  std::string EnrollmentUrl() { return "https://127.0.0.1:" + std::to_string(p_.enrollment_port()); }

  MqttIdentity AgentIdentity(const std::string& name) {
    const auto dir = p_.dir().path() / name / "identity";
    return {dir / "ca.crt", dir / "agent.pem"};
  }
  MqttIdentity ControlPlaneIdentity() {
    const auto pki = p_.dir().path() / "cp" / "pki";
    return {pki / "ca.crt", pki / "controlplane.pem"};
  }

  Pipeline p_;
};

TEST_F(FleetSecurityTest, AnAgentEnrollsWithTheRealCommandsAndDeliversOverItsOwnCertificate) {
  p_.StartAll();
  int rc = -1;
  const std::string token = TokenIn(p_.RunControlPlaneCli("agents add plant-09 --labels site=hh", &rc));
  ASSERT_EQ(rc, 0) << token;
  ASSERT_EQ(token.rfind("ferry1:plant-09:", 0), 0u) << token;

  const int port = FreeTcpPort();
  const auto config = WriteBareAgentConfig("plant-09", port);
  std::string out;
  ASSERT_EQ(Enroll(config, token, EnrollmentUrl(), &out), 0) << out;
  EXPECT_NE(out.find("enrolled as agent plant-09"), std::string::npos) << out;
  const auto identity = p_.dir().path() / "plant-09" / "identity";
  EXPECT_EQ(ModeOf(identity), 0700u);
  EXPECT_EQ(ModeOf(identity / "agent.pem"), 0600u);
  auto cert = crypto::Certificate::FromPem(ReadFile(identity / "agent.pem"));
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(cert->CommonName(), "plant-09");

  auto listed = nlohmann::json::parse(p_.RunControlPlaneCli("agents ls --json"));
  bool found = false;
  for (const auto& a : listed) {
    if (a["agent_id"] != "plant-09") continue;
    found = true;
    EXPECT_EQ(a["state"], "enrolled");
    EXPECT_EQ(a["serial"], cert->SerialHex());
    EXPECT_EQ(a["labels"]["site"], "hh");
  }
  EXPECT_TRUE(found) << listed.dump();

  // The configuration names no id, broker or key: enrollment supplies them.
  const auto log = p_.dir().path() / "plant-09.log";
  Process agent = Process::Start({FERRY_AGENT_BIN, "run", "--config", config.string()}, log);
  ASSERT_TRUE(WaitUntil([&] { return HttpRequest("GET", port, "/ready-probe", "", {}, 500ms).status != 0; }, 15s))
      << ReadFile(log);
  const HttpResponse posted =
      HttpRequest("POST", port, "/sap/idoc", DebmasIdoc(Docnum(9001), "0000009001", "Enrolled GmbH", "DE"),
                  {{"Content-Type", "text/xml"}}, 10s);
  ASSERT_EQ(posted.status, 200) << posted.body;
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p_.sink()).count(Docnum(9001)) == 1; }, 20s)) << ReadFile(log);
  // Its status names its identity.
  const auto status_log = p_.dir().path() / "plant-09-status.out";
  Process status = Process::Start({FERRY_AGENT_BIN, "status", "--config", config.string()}, status_log);
  EXPECT_EQ(status.WaitExit(10s).value_or(-1), 0);
  EXPECT_NE(ReadFile(status_log).find("identity     certificate " + cert->SerialHex()), std::string::npos)
      << ReadFile(status_log);
  agent.Kill9();
}

TEST_F(FleetSecurityTest, EachRefusalOfEnrollmentHasItsOwnExitCodeAndWritesNothing) {
  p_.StartAll();
  const auto config = WriteBareAgentConfig("plant-10", FreeTcpPort());
  const std::string token = TokenIn(p_.RunControlPlaneCli("agents add plant-10"));
  auto parts = [&](int field, const std::string& value) {  // the token with one part replaced
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t colon; (colon = token.find(':', start)) != std::string::npos; start = colon + 1) {
      fields.push_back(token.substr(start, colon - start));
    }
    fields.push_back(token.substr(start));
    fields[field] = value;
    return fields[0] + ":" + fields[1] + ":" + fields[2] + ":" + fields[3];
  };
  std::string out;
  // Not the control plane that made the token: its CA does not match.
  EXPECT_EQ(Enroll(config, parts(3, std::string(64, 'a')), EnrollmentUrl(), &out), 13) << out;
  // Nobody listening.
  EXPECT_EQ(Enroll(config, token, "https://127.0.0.1:" + std::to_string(FreeTcpPort()), &out), 14) << out;
  // A wrong secret, and a token for an agent never invited.
  EXPECT_EQ(Enroll(config, parts(2, std::string(64, '0')), EnrollmentUrl(), &out), 12) << out;
  EXPECT_EQ(Enroll(config, parts(1, "plant-99"), EnrollmentUrl(), &out), 12) << out;
  // Malformed, missing, or in a file that is not there.
  EXPECT_EQ(Enroll(config, "ferry1:plant-10:abc", EnrollmentUrl(), &out), 2) << out;
  EXPECT_EQ(Enroll(config, "", EnrollmentUrl(), &out), 2) << out;
  EXPECT_NE(out.find("--token or --token-file"), std::string::npos) << out;
  {
    const auto log = p_.dir().path() / "enroll-file.out";
    Process enroll = Process::Start({FERRY_AGENT_BIN, "enroll", "--config", config.string(), "--token-file",
                                     (p_.dir().path() / "no-such-token").string(), "--url", EnrollmentUrl()},
                                    log);
    EXPECT_EQ(enroll.WaitExit(30s).value_or(-1), 2) << ReadFile(log);
    EXPECT_NE(ReadFile(log).find("--token-file"), std::string::npos) << ReadFile(log);
  }
  EXPECT_FALSE(std::filesystem::exists(p_.dir().path() / "plant-10" / "identity" / "agent.pem"));
  // The wrong guesses did not burn the right token; once used, it is spent.
  EXPECT_EQ(Enroll(config, token, EnrollmentUrl(), &out), 0) << out;
  EXPECT_EQ(Enroll(config, token, EnrollmentUrl(), &out), 10) << out;
  EXPECT_NE(out.find("used already"), std::string::npos) << out;
  // An expired one (invited with no time to run).
  const std::string expired = p_.InviteDirectly("plant-11", std::chrono::seconds(0));
  const auto config11 = WriteBareAgentConfig("plant-11", FreeTcpPort());
  EXPECT_EQ(Enroll(config11, expired, EnrollmentUrl(), &out), 11) << out;
  EXPECT_NE(out.find("expired"), std::string::npos) << out;
  // A configuration that names another agent (plant-01).
  const std::string for_12 = TokenIn(p_.RunControlPlaneCli("agents add plant-12"));
  EXPECT_EQ(Enroll(p_.agent_config(), for_12, EnrollmentUrl(), &out), 2) << out;
  EXPECT_NE(out.find("names agent plant-01"), std::string::npos) << out;
  // Every attempt is in the control plane's log, never the secret.
  const std::string cp_log = ReadFile(p_.dir().path() / "controlplane.log");
  EXPECT_NE(cp_log.find("event=enroll_attempt agent_id=plant-10 outcome=enrolled"), std::string::npos);
  EXPECT_NE(cp_log.find("event=enroll_attempt agent_id=plant-99 outcome=refused"), std::string::npos);
  EXPECT_EQ(cp_log.find(token.substr(16, 64)), std::string::npos);
}

TEST_F(FleetSecurityTest, AnImpostorShowingTheRightRootWithItsOwnCaInFrontGetsNoToken) {
  p_.StartAll();
  const std::string token = TokenIn(p_.RunControlPlaneCli("agents add plant-13"));
  // The impostor serves the control plane's real root (it is public) behind
  // a CA of its own, and a server certificate from that CA: the chain's
  // root matches the token, so only pinning that root alone keeps the
  // impostor's certificate from being trusted for the request.
  auto own_ca = crypto::CertificateIssuer::CreateRoot("Impostor CA", 24h);
  auto key = crypto::PrivateKey::Generate();
  auto cert = own_ca->Issue(*key, crypto::IssueRequest::Server("impostor", {"127.0.0.1"}, 24h));
  ASSERT_TRUE(cert.ok());
  const auto pem = p_.dir().path() / "impostor.pem";
  ASSERT_TRUE(WriteFileAtomically(pem, key->ToPem() + cert->ToPem() + own_ca->certificate().ToPem(), 0600).ok());
  const std::string shown_chain = own_ca->certificate().ToPem() + ReadFile(p_.dir().path() / "cp" / "pki" / "ca.crt");
  std::atomic<int> posts{0};
  boost::asio::io_context io;
  http::HttpServerOptions options;
  options.tls = http::MakeServerTlsContext(pem.string(), pem.string()).value();
  auto impostor =
      http::HttpServer::Create(io.get_executor(), options, [&](http::Request& req, const boost::asio::ip::address&) {
        if (req.method() == boost::beast::http::verb::post) ++posts;
        return [](http::Request& r, std::string body) -> boost::asio::awaitable<http::Response> {
          co_return http::TextResponse(r, boost::beast::http::status::ok, std::move(body));
        }(req, shown_chain);
      });
  ASSERT_TRUE(impostor->Listen().ok());
  std::thread loop([&] { io.run(); });

  const auto config = WriteBareAgentConfig("plant-13", FreeTcpPort());
  std::string out;
  EXPECT_EQ(Enroll(config, token, "https://127.0.0.1:" + std::to_string(impostor->port()), &out), 14) << out;
  EXPECT_EQ(posts.load(), 0) << "the token went to the impostor";
  EXPECT_FALSE(std::filesystem::exists(p_.dir().path() / "plant-13" / "identity" / "agent.pem"));
  boost::asio::post(io, [&] { impostor->Stop(); });
  io.stop();
  loop.join();
  // The token was not spent: the real control plane still takes it.
  EXPECT_EQ(Enroll(config, token, EnrollmentUrl(), &out), 0) << out;
}

TEST(FleetEnrollmentLimitTest, EnrollmentAttemptsAreRateLimitedForAllClientsTogether) {
  PipelineOptions options;
  options.enrollment_per_minute = 3;
  Pipeline p(options);
  p.StartAll();
  int answered = 0, limited = 0;
  for (int i = 0; i < 6; ++i) {
    const int status = HttpsPostStatus(p.enrollment_port(), "/v1/enroll");
    answered += status == 400;  // looked at, and refused: no token
    limited += status == 429;
  }
  // The bucket holds three and refills one every 20 s.
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(limited, 3);
  EXPECT_NE(ReadFile(p.dir().path() / "controlplane.log").find("event=enroll_attempt outcome=rate_limited"),
            std::string::npos);
}

TEST(FleetEnrollmentLimitTest, OneClientCannotUseUpTheOtherClientsAttempts) {
  PipelineOptions options;
  options.enrollment_per_minute = 100;
  options.enrollment_per_minute_per_client = 2;
  Pipeline p(options);
  p.StartAll();
  // Two from 127.0.0.1 are looked at (and refused: no token); the third is
  // over that client's share.
  EXPECT_EQ(HttpsPostStatus(p.enrollment_port(), "/v1/enroll"), 400);
  EXPECT_EQ(HttpsPostStatus(p.enrollment_port(), "/v1/enroll"), 400);
  EXPECT_EQ(HttpsPostStatus(p.enrollment_port(), "/v1/enroll"), 429);
  // Another address (any of 127.0.0.0/8 reaches the loopback listener) is
  // still heard.
  EXPECT_EQ(HttpsPostStatus(p.enrollment_port(), "/v1/enroll", "127.0.0.2"), 400);
  EXPECT_NE(
      ReadFile(p.dir().path() / "controlplane.log").find("event=enroll_attempt outcome=rate_limited client=127.0.0.1"),
      std::string::npos);
}

TEST_F(FleetSecurityTest, TheShippedBrokerKeepsEachAgentInsideItsOwnTopics) {
  p_.StartAll();
  p_.EnsureEnrolled("plant-02", p_.dir().path() / "plant-02");
  // The attacker: a plant of its own, enrolled like any other.
  p_.EnsureEnrolled("plant-03", p_.dir().path() / "plant-03");
  const std::string url = p_.broker().url();

  // Client ids are the certificates' names: plant-03 asking for the ids the
  // control plane and plant-01 ask for, or for their names, takes nobody's
  // session and pushes nobody off the broker.
  const auto connections_lost = [&] {
    return ReadFile(p_.dir().path() / "controlplane.log").find("event=mqtt_connection_lost") != std::string::npos ||
           ReadFile(p_.dir().path() / "agent.log").find("event=mqtt_connection_lost") != std::string::npos;
  };
  for (const char* id : {"ferry-controlplane-cp-test", "ferry-controlplane", "ferry-agent-plant-01", "plant-01"}) {
    MqttTestClient thief(url, id, AgentIdentity("plant-03"));
    ASSERT_EQ(thief.Connect(), "") << id;
    EXPECT_NE(thief.Publish("ferry/v1/agents/plant-01/up/heartbeat", "as plant-01?"), "") << id;
    thief.Disconnect();
  }

  // A client in the control plane's shared subscription group takes a share
  // of the batches (the broker drops those it may not read), so the group's
  // name is derived from the CA key: a joins the groups it could guess, and
  // every IDoc still arrives at once, without the agent waiting for an ack.
  MqttTestClient a(url, "test-plant-03", AgentIdentity("plant-03"));
  ASSERT_EQ(a.Connect(), "");
  for (const char* group : {"ferry-cp", "ferry", "cp"}) {
    a.Subscribe(std::string("$share/") + group + "/ferry/v1/agents/+/up/events");
  }
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(p_.PostIdoc(DebmasIdoc(Docnum(7000 + i), "000000700" + std::to_string(i), "Kunde", "DE")).status, 200);
  }
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p_.sink()).size() == 10; }, 20s));
  EXPECT_EQ(ReadFile(p_.dir().path() / "agent.log").find("no ack for batch"), std::string::npos);
  EXPECT_FALSE(a.Receive(100ms));
  EXPECT_FALSE(connections_lost()) << "a client id was taken over";

  // From here the test holds the control plane's identity, which is one
  // client at a time: the control plane itself stops.
  p_.controlplane().Terminate();
  MqttTestClient cp(url, "test-controlplane", ControlPlaneIdentity());
  MqttTestClient b(url, "test-plant-02", AgentIdentity("plant-02"));
  ASSERT_EQ(cp.Connect(), "");
  ASSERT_EQ(b.Connect(), "");

  // Reading: the broker grants any subscription but checks every message
  // against the ACL on delivery, so what matters is what arrives. a asks
  // for another agent's down/ and every up/ topic; b and the control plane
  // publish there, then the control plane sends a barrier to a's own topic.
  // Each publish is acknowledged before the next is sent, and the broker
  // routes a message before it acknowledges it, so anything a may read
  // would reach it before the barrier.
  ASSERT_EQ(a.Subscribe("ferry/v1/agents/plant-03/down/probe"), "");
  a.Subscribe("ferry/v1/agents/plant-02/down/#");
  a.Subscribe("ferry/v1/agents/+/up/#");
  ASSERT_EQ(b.Publish("ferry/v1/agents/plant-02/up/events", "b's batch"), "");
  ASSERT_EQ(cp.Publish("ferry/v1/agents/plant-02/down/acks", "b's ack"), "");
  ASSERT_EQ(cp.Publish("ferry/v1/agents/plant-03/down/probe", "barrier"), "");
  auto first = a.Receive(10s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->first, "ferry/v1/agents/plant-03/down/probe") << first->second;

  // Writing: refused (MQTT 5 reason code 135, not authorized), and nothing
  // travels: the control plane's identity sees the probe a sends after its
  // forged messages, and nothing before it; b never sees the forged ack.
  ASSERT_EQ(cp.Subscribe("ferry/v1/agents/plant-02/up/#"), "");
  ASSERT_EQ(cp.Subscribe("ferry/v1/agents/plant-03/up/#"), "");
  EXPECT_NE(a.Publish("ferry/v1/agents/plant-02/up/events", "forged batch"), "");
  EXPECT_NE(a.Publish("ferry/v1/agents/plant-02/up/heartbeat", "forged heartbeat"), "");
  EXPECT_NE(a.Publish("ferry/v1/agents/plant-03/down/acks", "forged ack"), "");
  EXPECT_NE(a.Publish("ferry/v1/agents/plant-02/down/bundle", "forged bundle", true), "");
  EXPECT_NE(a.Publish("ferry/v1/controlplane/presence", "online forged 1", true), "");
  ASSERT_EQ(a.Publish("ferry/v1/agents/plant-03/up/probe", "barrier"), "");
  auto seen = cp.Receive(10s);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->first, "ferry/v1/agents/plant-03/up/probe") << seen->second;

  // No certificate, or one from another CA: no connection at all.
  MqttTestClient anonymous(url, "test-anonymous", {p_.dir().path() / "cp" / "pki" / "ca.crt", ""});
  EXPECT_NE(anonymous.Connect(), "");
  auto stranger_ca = crypto::CertificateIssuer::CreateRoot("Stranger CA", 24h);
  auto key = crypto::PrivateKey::Generate();
  auto stranger = stranger_ca->Issue(*key, crypto::IssueRequest::Client("plant-01", 24h));
  const auto stranger_pem = p_.dir().path() / "stranger.pem";
  ASSERT_TRUE(WriteFileAtomically(stranger_pem, key->ToPem() + stranger->ToPem(), 0600).ok());
  MqttTestClient impostor(url, "test-impostor", {p_.dir().path() / "cp" / "pki" / "ca.crt", stranger_pem});
  EXPECT_NE(impostor.Connect(), "");
}

TEST_F(FleetSecurityTest, ARevokedAgentIsRefusedAtOnceAndAtItsNextConnectWhileOthersGoOn) {
  p_.StartAll();
  ExtraAgent& other = p_.StartExtraAgent("plant-02", {}, "");
  auto post = [&](int port, uint64_t n) {
    return HttpRequest("POST", port, "/sap/idoc", DebmasIdoc(Docnum(n), "00000" + std::to_string(n), "Kunde", "DE"),
                       {{"Content-Type", "text/xml"}}, 10s)
        .status;
  };
  ASSERT_EQ(post(p_.agent_port(), 8001), 200);
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p_.sink()).count(Docnum(8001)) == 1; }, 20s));

  int rc = -1;
  const std::string revoked = p_.RunControlPlaneCli("agents revoke plant-01 --reason \"host compromised\"", &rc);
  ASSERT_EQ(rc, 0) << revoked;
  // Still connected, but the control plane takes nothing more from it: the
  // IDoc stays in its outbox.
  ASSERT_EQ(post(p_.agent_port(), 8002), 200);
  ASSERT_TRUE(WaitUntil(
      [&] {
        return ReadFile(p_.dir().path() / "controlplane.log").find("event=agent_not_enrolled agent_id=plant-01") !=
               std::string::npos;
      },
      20s));
  EXPECT_EQ(p_.AgentOutboxDepth(), 1u);
  // The other agent goes on.
  ASSERT_EQ(post(other.port, 8003), 200);
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p_.sink()).count(Docnum(8003)) == 1; }, 20s));
  EXPECT_EQ(DeliveriesByDocnum(p_.sink()).count(Docnum(8002)), 0u);

  // The broker reads the new CRL; at its next connect the agent is refused.
  p_.broker().Reload();
  const size_t seen = ReadFile(p_.broker().log_file()).size();
  p_.agent().Kill9();
  p_.StartAgent();
  EXPECT_TRUE(WaitUntil(
      [&] {
        const std::string log = ReadFile(p_.broker().log_file()).substr(seen);
        return log.find("certificate revoked") != std::string::npos || log.find("OpenSSL Error") != std::string::npos;
      },
      20s))
      << p_.broker().LogTail();
  auto listed = nlohmann::json::parse(p_.RunControlPlaneCli("agents ls --json"));
  for (const auto& a : listed) {
    if (a["agent_id"] == "plant-01") {
      EXPECT_EQ(a["state"], "revoked");
    }
  }
}

}  // namespace
}  // namespace ferry::testing
