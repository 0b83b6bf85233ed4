// The agent's field CLI (status, queue ls | show | retry | skip | purge,
// trace) against a real running agent holding a backlog, and against the
// same agent stopped: output, JSON, exit codes, the audit log, and a dead
// letter retried back into flow and delivered.

#include <gtest/gtest.h>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <sstream>

#include "tests/integration/flow_setup.h"
#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class AgentCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Customers whose number is in `refused_` are refused by the receiver
    // (a permanent 422): the control plane dead-letters them.
    p_.sink().SetResponder([this](const ReceivedRequest& r) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::string& kunnr : refused_) {
        if (r.body.find(kunnr) != std::string::npos) {
          return SinkResponse{422, {}, R"({"error":"customer )" + kunnr + R"( is blocked in the CRM"})", {}};
        }
      }
      return SinkResponse{200, {}, "{}", {}};
    });
    p_.StartAll();
  }

  json Cli(const std::string& args, int expected_code = 0) {
    int code = -1;
    std::string error;
    const std::string out = p_.RunAgentCli(args, &code, &error);
    EXPECT_EQ(code, expected_code) << args << "\n" << out << error;
    return json::parse(out, nullptr, /*allow_exceptions=*/false);
  }
  std::string Text(const std::string& args, int* code = nullptr) {
    std::string error;
    const std::string out = p_.RunAgentCli(args, code, &error);
    return out + error;
  }
  // `count` customers in packets of 100, numbered from `first`.
  void PostCustomers(uint64_t first, int count, const std::string& country = "DE") {
    for (int done = 0; done < count;) {
      std::vector<CustomerIdoc> packet;
      for (int i = 0; i < 100 && done < count; ++i, ++done) {
        const uint64_t n = first + static_cast<uint64_t>(done);
        packet.push_back({Docnum(n), std::to_string(n), country});
      }
      ASSERT_EQ(p_.PostIdoc(DebmasPacket(packet)).status, 200);
    }
  }
  std::vector<json> AuditLines() {
    std::vector<json> lines;
    std::istringstream in(ReadFile(p_.dir().path() / "agent" / "audit.log"));
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
  // The number of matches; `queue ls` exits 1 when there are none.
  size_t Total(const std::string& filter) {
    int code = -1;
    std::string error;
    const json page = json::parse(p_.RunAgentCli("queue ls --json --count --limit 1 " + filter, &code, &error));
    const size_t total = page["total"];
    EXPECT_EQ(code, total == 0 ? 1 : 0) << filter << "\n" << error;
    return total;
  }

  Pipeline p_;
  std::mutex mu_;
  std::set<std::string> refused_;
};

TEST_F(AgentCliTest, ABacklogIsListedShownSkippedAndPurgedWithAnAuditTrail) {
  p_.broker().Stop();  // nothing leaves: a backlog builds up
  PostCustomers(8100000001, 2000);
  PostCustomers(8200000001, 200, "AT");

  const json status = Cli("status --json");
  EXPECT_EQ(status["running"], true);
  EXPECT_EQ(status["buffer"]["pending"], 2200);
  EXPECT_EQ(status["uplink"]["connected"], false);
  EXPECT_GT(status["buffer"]["oldest_age_ms"].get<int64_t>(), -1);
  EXPECT_GT(status["disk"]["free_bytes"].get<uint64_t>(), 0u);
  // All 2200 came in within the last minute; none went out.
  EXPECT_EQ(status["recent"]["in"], 2200) << status.dump();
  EXPECT_EQ(status["recent"]["out"], 0) << status.dump();
  EXPECT_LE(status["recent"]["seconds"].get<int>(), 65) << status.dump();
  EXPECT_NE(Text("status").find("2200 events waiting"), std::string::npos) << Text("status");

  // Listing: filters and paging.
  EXPECT_EQ(Total("--state pending"), 2200u);
  EXPECT_EQ(Total("--state delivered"), 0u);
  EXPECT_EQ(Total("--type DEBMAS"), 2200u);
  EXPECT_EQ(Total("--type MATMAS"), 0u);
  EXPECT_EQ(Total("--docnum 8100000007"), 1u);
  EXPECT_EQ(Total("--since 1h"), 2200u);
  EXPECT_EQ(Total("--until 2000-01-01"), 0u);
  const json page = Cli("queue ls --json --limit 10 --offset 5");
  ASSERT_EQ(page["events"].size(), 10u);
  EXPECT_EQ(page["more"], true);
  EXPECT_FALSE(page.contains("total"));
  EXPECT_EQ(Cli("queue ls --json --limit 10 --offset 2195")["more"], false);
  EXPECT_EQ(page["events"][0]["docnum"], Docnum(8100000006));
  EXPECT_EQ(page["events"][0]["state"], "pending");
  EXPECT_NE(Text("queue ls --limit 3").find("next page: --offset 3"), std::string::npos);
  int code = -1;
  Text("queue ls --state nonsense", &code);
  EXPECT_EQ(code, 2);

  // One IDoc in full, by its number without leading zeros.
  const json shown = Cli("queue show 8100000042 --json");
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0]["control"]["mestyp"], "DEBMAS");
  EXPECT_NE(shown[0]["payload"].get<std::string>().find("<DOCNUM>" + Docnum(8100000042)), std::string::npos);
  Text("queue show 9999999999", &code);
  EXPECT_EQ(code, 1);

  // Skip one, with a reason; the audit log says who and why.
  const json skipped = Cli("queue skip 8100000042 --reason 'duplicate of 8100000041' --json");
  EXPECT_EQ(skipped["changed"].size(), 1u);
  EXPECT_EQ(Total("--state skipped"), 1u);
  // Skipping it again is refused: it is no longer pending.
  EXPECT_EQ(Cli("queue skip 8100000042 --reason again --json", 1)["refused"].size(), 1u);

  // Purge needs --yes and changes nothing without it.
  Text("queue purge --sender S4HCLNT100 --type DEBMAS --docnum 8200000001 --reason test", &code);
  EXPECT_EQ(code, 2);
  EXPECT_EQ(Total("--state pending"), 2199u);
  const json purged = Cli("queue purge --since 1h --docnum 8200000001 --yes --reason 'test customer' --json");
  EXPECT_EQ(purged["changed"].size(), 1u);
  EXPECT_EQ(Total("--state purged"), 1u);
  EXPECT_EQ(Total("--state pending"), 2198u);

  const std::vector<json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0]["command"], "skip");
  EXPECT_EQ(audit[0]["reason"], "duplicate of 8100000041");
  EXPECT_EQ(audit[0]["uid"], ::geteuid());
  EXPECT_EQ(audit[0]["via"], "agent");
  EXPECT_EQ(audit[2]["command"], "purge");
  EXPECT_EQ(audit[2]["changed"].size(), 1u);

  // The broker back: everything else is delivered, nothing skipped or purged.
  p_.broker().Start();
  ASSERT_TRUE(WaitUntil([&] { return p_.sink().AcceptedCount() >= 2198; }, 60s));
  ASSERT_TRUE(WaitUntil([&] { return Total("--state delivered") == 2198; }, 30s)) << Text("status");
  EXPECT_EQ(DeliveriesByDocnum(p_.sink()).count(Docnum(8100000042)), 0u);
  EXPECT_EQ(DeliveriesByDocnum(p_.sink()).count(Docnum(8200000001)), 0u);

  // The trace of a delivered IDoc: every hop, in order.
  const json trace = Cli("trace 8100000007 --json");
  ASSERT_EQ(trace["events"].size(), 1u);
  std::vector<std::string> hops;
  int64_t last = 0;
  for (const json& h : trace["events"][0]["hops"]) {
    hops.push_back(h["hop"]);
    EXPECT_GE(h["unix_ms"].get<int64_t>(), last) << trace.dump();
    last = h["unix_ms"];
  }
  EXPECT_EQ(hops, (std::vector<std::string>{"received", "committed", "sent", "acked", "delivered"})) << trace.dump();
}

TEST_F(AgentCliTest, ADeadLetterIsRetriedBackIntoFlowAndDelivered) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    refused_.insert("8300000002");
  }
  PostCustomers(8300000001, 3);
  ASSERT_TRUE(WaitUntil([&] { return Total("--state dead-letter") == 1 && Total("--state delivered") == 2; }, 30s))
      << Text("queue ls");
  const json dead = Cli("queue ls --state dead-letter --json")["events"][0];
  EXPECT_EQ(dead["docnum"], Docnum(8300000002));
  EXPECT_NE(dead["detail"].get<std::string>().find("blocked in the CRM"), std::string::npos) << dead.dump();
  EXPECT_EQ(Cli("status --json")["dead_letters"], 1);

  // A delivered event cannot be retried; the dead letter can, once the CRM
  // is fixed.
  EXPECT_EQ(Cli("queue retry 8300000001 --reason nope --json", 1)["refused"].size(), 1u);
  EXPECT_EQ(Total("--state retried"), 0u);
  {
    std::lock_guard<std::mutex> lock(mu_);
    refused_.clear();
  }
  const json retried = Cli("queue retry --all-dead-letters --reason 'customer unblocked in the CRM' --json");
  ASSERT_EQ(retried["changed"].size(), 1u);
  ASSERT_EQ(retried["new_ids"].size(), 1u);
  const std::string new_id = retried["new_ids"][0];
  ASSERT_TRUE(WaitUntil([&] { return DeliveriesByDocnum(p_.sink()).count(Docnum(8300000002)) == 1; }, 30s));
  ASSERT_TRUE(WaitUntil([&] { return Cli("queue show " + new_id + " --json")[0]["state"] == "delivered"; }, 30s));
  // The IDoc's trace: the dead letter and its retry, each with its hops.
  const json trace = Cli("trace 8300000002 --json");
  ASSERT_EQ(trace["events"].size(), 2u) << trace.dump();
  EXPECT_EQ(trace["events"][0]["retried_as"], new_id);
  EXPECT_EQ(trace["events"][0]["hops"].back()["hop"], "dead-lettered");
  EXPECT_EQ(trace["events"][1]["hops"].back()["hop"], "delivered");
  const std::string trace_text = Text("trace 8300000002");
  EXPECT_NE(trace_text.find("retried as " + new_id), std::string::npos) << trace_text;
  const json old = Cli("queue show " + dead["event_id"].get<std::string>() + " --json")[0];
  EXPECT_EQ(old["retried_as"], new_id);
  EXPECT_EQ(Cli("status --json")["dead_letters"], 0);
  // Retried once only.
  EXPECT_EQ(Cli("queue retry " + dead["event_id"].get<std::string>() + " --reason twice --json", 1)["refused"].size(),
            1u);
  const std::vector<json> audit = AuditLines();
  ASSERT_GE(audit.size(), 2u);
  EXPECT_EQ(audit[1]["command"], "retry");
  EXPECT_EQ(audit[1]["reason"], "customer unblocked in the CRM");
  EXPECT_EQ(audit[1]["new_ids"][0], new_id);
}

TEST_F(AgentCliTest, WithTheAgentStoppedTheCliStillReadsAndChangesTheBuffer) {
  p_.broker().Stop();
  PostCustomers(8400000001, 20);
  ASSERT_EQ(p_.agent().Terminate(), 0);
  const json status = Cli("status --json");
  EXPECT_EQ(status["running"], false);
  EXPECT_TRUE(status["recent"].is_null());
  EXPECT_EQ(status["buffer"]["pending"], 20);
  EXPECT_NE(Text("status").find("not running"), std::string::npos);
  EXPECT_EQ(Total("--state pending"), 20u);
  EXPECT_EQ(Cli("queue skip 8400000003 --reason 'sent by hand' --json")["changed"].size(), 1u);
  const std::vector<json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0]["via"], "cli");
  // Started again (broker still down): the events it found in its outbox
  // may have been published by the run before, so it refuses to skip them.
  p_.StartAgent();
  ASSERT_TRUE(WaitUntil([&] { return Cli("status --json")["running"] == true; }, 10s));
  const json refused = Cli("queue skip 8400000004 --reason 'too late' --json", 1);
  ASSERT_EQ(refused["refused"].size(), 1u);
  EXPECT_NE(refused["refused"][0].get<std::string>().find("may be there already"), std::string::npos) << refused;
  // With the broker back it sends the other 19 and never the skipped one.
  p_.broker().Start();
  ASSERT_TRUE(WaitUntil([&] { return p_.sink().AcceptedCount() >= 19 && p_.AgentOutboxDepth() == 0; }, 30s));
  EXPECT_EQ(DeliveriesByDocnum(p_.sink()).count(Docnum(8400000003)), 0u);
  EXPECT_EQ(DeliveriesByDocnum(p_.sink()).size(), 19u);
}

TEST_F(AgentCliTest, ASecondAgentOnTheSameDataFolderRefusesToStart) {
  const std::filesystem::path log = p_.dir().path() / "second-agent.log";
  Process second = Process::Start({FERRY_AGENT_BIN, "run", "--config", p_.agent_config().string()}, log);
  EXPECT_EQ(second.WaitExit(std::chrono::seconds(20)), 3) << ReadFile(log);
  EXPECT_NE(ReadFile(log).find("an agent is running with"), std::string::npos) << ReadFile(log);
  EXPECT_TRUE(p_.agent().Running());
}

TEST(AgentCliFlowTest, ADocumentTheFlowsCouldNotMapIsMappedAgainWithTheFixedBundleOnRetry) {
  TempDir dir;
  FlowSetup setup(dir.path());
  PipelineOptions options;
  setup.Apply(options);
  Pipeline p(options);
  p.StartAll();
  FlowSetup::DeployFlowAndWait(p, dir.path() / "v1", CountryFlow(R"("DE": "Germany")"), options.agent_id);
  ASSERT_EQ(p.PostIdoc(DebmasIdoc(Docnum(8500000001), "8500000001", "Wien", "AT")).status, 200);
  int code = -1;
  std::string error;
  auto ls = [&](const std::string& args) {
    return json::parse(p.RunAgentCli("queue ls --json --count " + args, &code, &error));
  };
  ASSERT_TRUE(WaitUntil([&] { return ls("--state dead-letter")["total"] == 1; }, 30s)) << error;
  const json dead = ls("--state dead-letter")["events"][0];
  EXPECT_NE(dead["detail"].get<std::string>().find("Country"), std::string::npos) << dead.dump();
  // A mapped IDoc (another customer, from DE) shows its records and the raw
  // IDoc from the raw buffer.
  ASSERT_EQ(p.PostIdoc(DebmasIdoc(Docnum(8500000002), "8500000002", "Berlin", "DE")).status, 200);
  ASSERT_TRUE(WaitUntil([&] { return ls("--state delivered --docnum 8500000002")["total"] == 1; }, 30s));
  const json mapped = json::parse(p.RunAgentCli("queue show 8500000002 --json", &code, &error))[0];
  EXPECT_EQ(mapped["records"][0]["fields"]["Country"], "Germany") << mapped.dump();
  EXPECT_NE(mapped["payload"].get<std::string>().find("<KUNNR>8500000002</KUNNR>"), std::string::npos) << mapped.dump();

  // Retried before the flow is fixed, it is mapped again into the same
  // record error: a new dead letter, the old one marked retried.
  const json first = json::parse(p.RunAgentCli("queue retry 8500000001 --reason try --json", &code, &error));
  EXPECT_EQ(code, 0) << error << first.dump();
  ASSERT_TRUE(
      WaitUntil([&] { return ls("--state retried")["total"] == 1 && ls("--state dead-letter")["total"] == 1; }, 30s));
  // The fixed bundle maps AT; the retry maps the stored document with it.
  FlowSetup::DeployFlowAndWait(p, dir.path() / "v2", CountryFlow(R"("DE": "Germany", "AT": "Austria")"),
                               options.agent_id);
  const json again =
      json::parse(p.RunAgentCli("queue retry --all-dead-letters --reason 'AT mapped in v2' --json", &code, &error));
  EXPECT_EQ(code, 0) << error << again.dump();
  ASSERT_EQ(again["changed"].size(), 1u) << again.dump();  // only the open dead letter
  EXPECT_TRUE(again["refused"].empty()) << again.dump();
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const ReceivedRequest& r : p.sink().Requests()) {
          if (r.status_sent == 200 && r.body.find("Austria") != std::string::npos) return true;
        }
        return false;
      },
      30s));
  ASSERT_TRUE(WaitUntil([&] { return ls("--state delivered --docnum 8500000001")["total"] == 1; }, 30s));
  EXPECT_EQ(json::parse(p.RunAgentCli("status --json", &code))["dead_letters"], 0);
}

}  // namespace
}  // namespace ferry::testing
