// The agent's /metrics on its loopback listener, from a real agent: what it
// accepted, refused and committed (with the commit latency), its outbox and
// uplink; accepted by `promtool check metrics`; nothing else served there.

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

TEST(AgentMetricsTest, TheAgentsFiguresAreServedOnLoopbackAndPassPromtool) {
  const int port = FreeTcpPort();
  PipelineOptions options;
  options.agent_extra_yaml = "metrics:\n  listen: 127.0.0.1:" + std::to_string(port) + "\n";
  Pipeline p(options);
  p.StartAll();
  ASSERT_EQ(p.PostIdoc(CustomerIdocNumbered(6300001, "0000630001")).status, 200);
  ASSERT_EQ(p.PostIdoc(CustomerIdocNumbered(6300001, "0000630001")).status, 200);  // SAP sends it again
  ASSERT_EQ(p.PostIdoc("<IDOC><EDI_DC40>").status, 400);
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(20)));

  std::string text;
  auto scrape = [&] {
    const HttpResponse r = HttpRequest("GET", port, "/metrics", "", {}, std::chrono::milliseconds(2000));
    text = r.status == 200 ? r.body : "";
    return r;
  };
  ASSERT_TRUE(WaitUntil(
      [&] {
        scrape();
        // Acknowledged (once, or again after the uplink sent it again when
        // the control plane came online), and removed from the outbox.
        const size_t acked = text.find("\nferry_agent_events_acked_total ");
        return acked != std::string::npos && std::atof(text.c_str() + acked + 32) >= 1 &&
               text.find("ferry_agent_outbox_events 0\n") != std::string::npos;
      },
      seconds(20)))
      << text << "\nagent log:\n"
      << ReadFile(p.dir().path() / "agent.log");
  for (const char* sample : {"ferry_agent_idocs_accepted_total{source=\"idoc_http\"} 2\n",
                             "ferry_agent_idocs_duplicate_total{source=\"idoc_http\"} 1\n",
                             "ferry_agent_requests_refused_total{source=\"idoc_http\",code=\"400\"} 1\n",
                             "ferry_agent_requests_refused_total{source=\"idoc_http\",code=\"503\"} 0\n",
                             "ferry_agent_commit_seconds_count{source=\"idoc_http\"} 2\n",
                             "ferry_agent_commit_seconds_bucket{source=\"idoc_http\",le=\"+Inf\"} 2\n",
                             "ferry_agent_events_committed_total 1\n", "ferry_agent_uplink_connected 1\n",
                             "ferry_agent_outbox_events 0\n", "# TYPE ferry_agent_commit_seconds histogram\n"}) {
    EXPECT_NE(text.find(sample), std::string::npos) << sample << " in\n" << text;
  }
  const auto file = p.dir().path() / "agent-metrics.txt";
  WriteFile(file, text);
  const auto lint = p.dir().path() / "promtool.out";
  EXPECT_EQ(std::system(("promtool check metrics < " + file.string() + " > " + lint.string() + " 2>&1").c_str()), 0)
      << ReadFile(lint);

  // Only GET /metrics.
  EXPECT_EQ(HttpRequest("POST", port, "/metrics", "x", {}, std::chrono::milliseconds(2000)).status, 405);
  EXPECT_EQ(HttpRequest("GET", port, "/", "", {}, std::chrono::milliseconds(2000)).status, 404);
  EXPECT_EQ(HttpRequest("GET", port, "/metrics/../status", "", {}, std::chrono::milliseconds(2000)).status, 404);
}

}  // namespace
}  // namespace ferry::testing
