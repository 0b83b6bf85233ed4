// Certificate rotation and an expired identity, with real processes, real
// TLS and the broker as shipped: agents renew in band while IDocs flow, and
// an agent whose certificate ended while it was offline enrolls again and
// keeps what it had buffered.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "common/crypto/x509.h"
#include "common/util/clock.h"
#include "common/util/files.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

// The lowest lifetime the control plane takes: renewal every 20 s.
constexpr const char* kLifetime = "30s";

crypto::Certificate AgentCertificate(Pipeline& p) {
  auto cert = crypto::Certificate::FromPem(ReadFile(p.dir().path() / "agent" / "identity" / "agent.pem"));
  if (!cert.ok()) throw std::runtime_error("agent.pem: " + cert.status().ToString());
  return *cert;
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

int Post(Pipeline& p, uint64_t n) {
  return p.PostIdoc(DebmasIdoc(Docnum(n), std::to_string(100000 + n), "Rotation GmbH", "DE")).status;
}

// The newest serial `agents ls --json` lists for plant-01.
std::string ListedSerial(Pipeline& p) {
  for (const auto& a : nlohmann::json::parse(p.RunControlPlaneCli("agents ls --json"))) {
    if (a["agent_id"] == "plant-01") return a["serial"].get<std::string>();
  }
  return "";
}

TEST(CertificateRotationTest, ThreeRenewalsInARowWhileIdocsFlowDeliverEveryIdocExactlyOnce) {
  PipelineOptions options;
  options.agent_certificate_lifetime = kLifetime;
  Pipeline p(options);
  p.StartAll();
  std::vector<crypto::Certificate> certificates{AgentCertificate(p)};
  uint64_t next = 20000;
  // IDocs go in, five at a time, each round waiting for its five to be
  // delivered, until the agent has renewed three times.
  const auto deadline = std::chrono::steady_clock::now() + 150s;
  while (certificates.size() < 4 && std::chrono::steady_clock::now() < deadline) {
    const uint64_t first = next;
    for (int i = 0; i < 5; ++i) ASSERT_EQ(Post(p, next++), 200);
    ASSERT_TRUE(WaitUntil(
        [&] {
          const auto delivered = DeliveriesByDocnum(p.sink());
          for (uint64_t n = first; n < next; ++n) {
            if (delivered.count(Docnum(n)) == 0) return false;
          }
          return true;
        },
        30s))
        << "IDocs " << first << ".." << next - 1 << " not delivered\n"
        << p.broker().LogTail();
    crypto::Certificate current = AgentCertificate(p);
    if (current.SerialHex() != certificates.back().SerialHex()) certificates.push_back(current);
  }
  ASSERT_EQ(certificates.size(), 4u) << "renewals seen: " << certificates.size() - 1;
  std::set<std::string> serials;
  for (const auto& cert : certificates) serials.insert(cert.SerialHex());
  EXPECT_EQ(serials.size(), 4u);

  // Every IDoc exactly once, none lost across the reconnects.
  const auto delivered = DeliveriesByDocnum(p.sink());
  for (uint64_t n = 20000; n < next; ++n) {
    ASSERT_EQ(delivered.count(Docnum(n)), 1u) << n;
    EXPECT_EQ(delivered.at(Docnum(n)).size(), 1u) << "IDoc " << n << " delivered more than once";
  }
  const std::string agent_log = ReadFile(p.dir().path() / "agent.log");
  EXPECT_GE(Count(agent_log, "event=certificate_renewed"), 3u);
  EXPECT_GE(Count(ReadFile(p.dir().path() / "controlplane.log"), "outcome=renewed"), 3u);
  // The registry follows: the newest certificate it lists is the agent's.
  EXPECT_TRUE(WaitUntil([&] { return ListedSerial(p) == AgentCertificate(p).SerialHex(); }, 10s));

  // The agent presents the renewed certificate, not one it read once: once
  // the third has ended, a broker restart makes it connect again, and IDocs
  // still go through.
  ASSERT_TRUE(WaitUntil([&] { return NowUnixMs() / 1000 > certificates[2].NotAfterUnix() + 1; }, 40s));
  p.broker().Restart();
  ASSERT_EQ(Post(p, next), 200);
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p.sink()).count(Docnum(next)) == 1; }, 30s))
      << p.broker().LogTail();
}

TEST(CertificateRotationTest, AnAgentWhoseCertificateEndedOfflineEnrollsAgainAndDeliversWhatItBuffered) {
  PipelineOptions options;
  options.agent_certificate_lifetime = kLifetime;
  Pipeline p(options);
  p.StartAll();
  ASSERT_EQ(Post(p, 30000), 200);
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p.sink()).count(Docnum(30000)) == 1; }, 20s));

  // The broker goes away; three IDocs wait in the outbox; then the agent
  // is off for longer than its certificate lives.
  p.broker().Stop();
  for (uint64_t n = 30001; n <= 30003; ++n) ASSERT_EQ(Post(p, n), 200);
  p.agent().Kill9();
  const crypto::Certificate old = AgentCertificate(p);
  ASSERT_TRUE(WaitUntil([&] { return NowUnixMs() / 1000 > old.NotAfterUnix() + 1; }, 40s));
  p.broker().Start();
  const size_t seen = ReadFile(p.broker().log_file()).size();
  p.StartAgent();
  // The broker refuses the ended certificate; the agent says what to do.
  ASSERT_TRUE(WaitUntil(
      [&] {
        const std::string log = ReadFile(p.broker().log_file()).substr(seen);
        return log.find("certificate expired") != std::string::npos || log.find("OpenSSL Error") != std::string::npos;
      },
      20s))
      << p.broker().LogTail();
  EXPECT_NE(ReadFile(p.dir().path() / "agent.log").find("event=certificate_expired"), std::string::npos);
  EXPECT_EQ(p.AgentOutboxDepth(), 3u);

  // Field IT: a new token, `ferry-agent enroll`, a restart.
  int rc = -1;
  const std::string added = p.RunControlPlaneCli("agents add plant-01", &rc);
  ASSERT_EQ(rc, 0) << added;
  const size_t at = added.find("ferry1:");
  ASSERT_NE(at, std::string::npos) << added;
  const std::string token = added.substr(at, added.find('\n', at) - at);
  p.agent().Kill9();
  // From a file, as field IT should hand it over: off the command line.
  const auto token_file = p.dir().path() / "token";
  ASSERT_TRUE(WriteFileAtomically(token_file, token + "\r\n", 0600).ok());
  std::string error;
  const std::string enrolled = p.RunAgentCli(
      "enroll --token-file " + token_file.string() + " --url https://127.0.0.1:" + std::to_string(p.enrollment_port()),
      &rc, &error);
  ASSERT_EQ(rc, 0) << enrolled << error;
  const crypto::Certificate fresh = AgentCertificate(p);
  EXPECT_NE(fresh.SerialHex(), old.SerialHex());
  p.StartAgent();
  const auto delivered_all = [&] {
    const auto delivered = DeliveriesByDocnum(p.sink());
    for (uint64_t n = 30001; n <= 30003; ++n) {
      if (delivered.count(Docnum(n)) == 0) return false;
    }
    return true;
  };
  ASSERT_TRUE(WaitUntil(delivered_all, 30s)) << p.broker().LogTail();
  for (uint64_t n = 30000; n <= 30003; ++n) EXPECT_EQ(DeliveriesByDocnum(p.sink()).at(Docnum(n)).size(), 1u) << n;
  EXPECT_EQ(ListedSerial(p), fresh.SerialHex());
}

}  // namespace
}  // namespace ferry::testing
