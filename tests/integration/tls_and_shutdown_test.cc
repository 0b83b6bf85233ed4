// The tunnel over TLS (the broker verified against a configured CA, host name
// included), and a graceful SIGTERM: both binaries exit 0 and nothing that
// was answered 200 is lost.

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/shell.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

// A private CA and a broker certificate for 127.0.0.1, made with the openssl
// command line for this test only.
void MakeCertificates(const std::filesystem::path& dir, const std::string& ca_name) {
  const std::string d = dir.string();
  const std::string cmd =
      "cd " + d + " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + ca_name + "' -keyout " +
      ca_name + ".key -out " + ca_name +
      ".pem 2>/dev/null && "
      "openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout broker.key -out broker.csr 2>/dev/null && "
      "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
      "openssl x509 -req -in broker.csr -CA " +
      ca_name + ".pem -CAkey " + ca_name +
      ".key -CAcreateserial "
      "-days 2 -extfile san.ext -out broker.pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(TlsTunnelTest, EventsFlowOverTlsWithVerifiedBroker) {
  TempDir certs;
  MakeCertificates(certs.path(), "ferry-test-ca");
  PipelineOptions options;
  // About verifying the broker's server certificate against a CA of the
  // test's own, with anonymous clients; the fleet's broker with client
  // certificates is fleet_security_test.cc's.
  options.enrolled = false;
  options.broker_tls_ca = (certs.path() / "ferry-test-ca.pem").string();
  options.broker_tls_cert = (certs.path() / "broker.pem").string();
  options.broker_tls_key = (certs.path() / "broker.key").string();
  Pipeline p(options);
  p.StartAll();
  ASSERT_EQ(p.PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(30)));
  EXPECT_NE(p.broker().url().rfind("ssl://", 0), std::string::npos);
}

TEST(TlsTunnelTest, AgentRefusesBrokerSignedByAnotherCa) {
  TempDir certs, other;
  MakeCertificates(certs.path(), "ferry-test-ca");
  MakeCertificates(other.path(), "unrelated-ca");
  PipelineOptions options;
  // About verifying the broker's server certificate against a CA of the
  // test's own, with anonymous clients; the fleet's broker with client
  // certificates is fleet_security_test.cc's.
  options.enrolled = false;
  options.broker_tls_ca = (certs.path() / "ferry-test-ca.pem").string();
  options.broker_tls_cert = (certs.path() / "broker.pem").string();
  options.broker_tls_key = (certs.path() / "broker.key").string();
  options.agent_tls_ca_override = (other.path() / "unrelated-ca.pem").string();
  Pipeline p(options);
  p.StartAll();
  ASSERT_EQ(p.PostIdoc(ReadFixture("debmas05_customer.xml")).status, 200);
  // The agent keeps retrying and never talks to an unverified broker: the
  // IDoc stays safely in its outbox.
  EXPECT_TRUE(
      WaitUntil([&] { return ReadFile(p.dir().path() / "agent.log").find("mqtt_connect_failed") != std::string::npos; },
                seconds(20)));
  EXPECT_EQ(p.sink().Count(), 0u);
  EXPECT_EQ(p.AgentOutboxDepth(), 1u);
  EXPECT_EQ(ReadFile(p.dir().path() / "agent.log").find("event=mqtt_connected"), std::string::npos);
}

// The HTTP status Debian's curl got, or 0 when the request failed.
int CurlStatus(const std::string& args) { return Curl(args).status; }

TEST(TlsListenerTest, SapPostsOverHttpsAndPlainHttpIsRefused) {
  TempDir certs;
  MakeCertificates(certs.path(), "ferry-test-ca");
  PipelineOptions options;
  options.listener_tls_cert = (certs.path() / "broker.pem").string();  // a certificate for 127.0.0.1
  options.listener_tls_key = (certs.path() / "broker.key").string();
  Pipeline p(options);
  p.StartAll();
  const std::string fixture = std::string(FERRY_FIXTURE_DIR) + "/idoc/debmas05_customer.xml";
  const std::string url = "https://127.0.0.1:" + std::to_string(p.agent_port()) + "/sap/idoc";
  EXPECT_EQ(CurlStatus("--cacert " + (certs.path() / "ferry-test-ca.pem").string() +
                       " -H 'Content-Type: text/xml' --data-binary @" + fixture + " " + url),
            200);
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(30)));
  // Without the CA the client refuses the server; plain HTTP gets no answer.
  EXPECT_EQ(CurlStatus("-H 'Content-Type: text/xml' --data-binary @" + fixture + " " + url), 0);
  EXPECT_EQ(p.PostIdoc(ReadFixture("matmas05_material.xml")).status, 0);
  EXPECT_EQ(p.AgentOutboxDepth(), 0u);
  EXPECT_EQ(p.sink().AcceptedCount(), 1u);
}

// A client certificate for `subject`, signed by the CA `ca_name` that
// MakeCertificates made in `dir`: <name>.pem and <name>.key.
void MakeClientCertificate(const std::filesystem::path& dir, const std::string& ca_name, const std::string& name,
                           const std::string& subject) {
  const std::string d = dir.string();
  const std::string cmd = "cd " + d + " && openssl req -newkey rsa:2048 -nodes -subj '" + subject + "' -keyout " +
                          name + ".key -out " + name + ".csr 2>/dev/null && openssl x509 -req -in " + name +
                          ".csr -CA " + ca_name + ".pem -CAkey " + ca_name + ".key -CAcreateserial -days 2 -out " +
                          name + ".pem 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(TlsListenerTest, SapMustPresentACertificateFromTheCaWithAnAllowedSubject) {
  TempDir certs, other;
  MakeCertificates(certs.path(), "ferry-test-ca");
  MakeCertificates(other.path(), "unrelated-ca");
  MakeClientCertificate(certs.path(), "ferry-test-ca", "sap", "/O=ACME/CN=PE1CLNT100");
  MakeClientCertificate(certs.path(), "ferry-test-ca", "intruder", "/O=ACME/CN=INTRUDER");
  MakeClientCertificate(other.path(), "unrelated-ca", "stranger", "/O=ACME/CN=PE1CLNT100");
  PipelineOptions options;
  options.listener_tls_cert = (certs.path() / "broker.pem").string();
  options.listener_tls_key = (certs.path() / "broker.key").string();
  options.listener_tls_extra_yaml = "      client_ca_file: " + (certs.path() / "ferry-test-ca.pem").string() +
                                    "\n      client_subjects:\n        - CN=PE1CLNT100,O=ACME\n";
  Pipeline p(options);
  p.StartAll();
  const std::string fixture = std::string(FERRY_FIXTURE_DIR) + "/idoc/debmas05_customer.xml";
  const std::string post = "--cacert " + (certs.path() / "ferry-test-ca.pem").string() +
                           " -H 'Content-Type: text/xml' --data-binary @" + fixture +
                           " https://127.0.0.1:" + std::to_string(p.agent_port()) + "/sap/idoc";
  auto with = [](const std::filesystem::path& dir, const std::string& name) {
    return "--cert " + (dir / (name + ".pem")).string() + " --key " + (dir / (name + ".key")).string() + " ";
  };
  EXPECT_EQ(CurlStatus(post), 0) << "no client certificate";
  EXPECT_EQ(CurlStatus(with(certs.path(), "intruder") + post), 0) << "a subject not on the list";
  EXPECT_EQ(CurlStatus(with(other.path(), "stranger") + post), 0) << "the right subject from another CA";
  EXPECT_EQ(p.AgentOutboxDepth(), 0u);
  EXPECT_EQ(CurlStatus(with(certs.path(), "sap") + post), 200);
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(30)));
  EXPECT_NE(ReadFile(p.dir().path() / "agent.log").find("subject=\"CN=INTRUDER,O=ACME\""), std::string::npos);
}

TEST(ShutdownTest, SigtermDuringIngestAnswersAcceptedAndLosesNothing) {
  Pipeline p;
  p.StartAll();
  const std::string base = ReadFixture("debmas05_customer.xml");
  std::vector<std::string> accepted;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::thread client([&] {
    for (uint64_t n = 8800000; !stop; ++n) {
      auto res = p.PostIdoc(ReplaceElement(base, "DOCNUM", Docnum(n)));
      if (res.status == 200) {
        std::lock_guard lock(mu);
        accepted.push_back(Docnum(n));
      } else if (res.status == 0) {
        break;  // listener closed by the shutdown
      }
    }
  });
  ASSERT_TRUE(WaitUntil(
      [&] {
        std::lock_guard lock(mu);
        return accepted.size() >= 20;
      },
      seconds(20)));
  p.agent().Signal(SIGTERM);
  auto code = p.agent().WaitExit(seconds(15));
  stop = true;
  client.join();
  ASSERT_TRUE(code.has_value()) << "agent did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << ReadFile(p.dir().path() / "agent.log");
  EXPECT_NE(ReadFile(p.dir().path() / "agent.log").find("event=agent_stopped"), std::string::npos);
  // Everything answered 200 is delivered once the agent runs again.
  p.StartAgent();
  ASSERT_TRUE(p.sink().WaitForAccepted(accepted.size(), seconds(60)));
  std::set<std::string> delivered;
  for (const auto& r : p.sink().Requests()) {
    size_t at = r.body.find("\"docnum\":\"");
    if (at != std::string::npos) delivered.insert(r.body.substr(at + 10, 16));
  }
  for (const auto& d : accepted) EXPECT_TRUE(delivered.count(d)) << d << " was answered 200 but not delivered";

  p.controlplane().Signal(SIGTERM);
  auto cp_code = p.controlplane().WaitExit(seconds(15));
  ASSERT_TRUE(cp_code.has_value());
  EXPECT_EQ(*cp_code, 0) << ReadFile(p.dir().path() / "controlplane.log");
}

}  // namespace
}  // namespace ferry::testing
