// The real ferry-agent speaking systemd's notify protocol (Type=notify in
// systemd/ferry-agent.service) to a socket the test owns: READY=1 only once
// its IDoc listener takes connections, STATUS= lines with the outbox and the
// uplink, WATCHDOG=1 pings, STOPPING=1 on SIGTERM and a clean exit.

#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "tests/integration/pipeline.h"
#include "tests/support/http_client.h"
#include "tests/support/notify_socket.h"

namespace ferry::testing {
namespace {

using std::chrono::seconds;

bool StartsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

TEST(SystemdNotifyTest, AgentIsReadyOnlyWhenItServesThenReportsPingsAndStops) {
  Pipeline p;
  p.broker().Start();
  p.EnsureEnrolled("plant-01", p.dir().path() / "agent");
  NotifySocket notify;
  const std::filesystem::path log = p.dir().path() / "agent.log";
  // WATCHDOG_PID is left out: the child's pid is not known before the fork,
  // and sd_watchdog_enabled accepts any process then.
  Process agent = Process::Start({FERRY_AGENT_BIN, "run", "--config", p.agent_config().string()}, log,
                                 {"NOTIFY_SOCKET=" + notify.path().string(), "WATCHDOG_USEC=2000000"});

  // READY=1 is the first message, with the first STATUS line.
  const std::optional<std::string> ready = notify.Receive(std::chrono::seconds(15));
  ASSERT_TRUE(ready) << "no READY=1; log:\n" << ReadFile(log);
  // Checked at once: by the time systemd hears READY=1, SAP may connect.
  const HttpResponse probe = HttpRequest("GET", p.agent_port(), "/ready-probe", "", {}, std::chrono::seconds(5));
  EXPECT_NE(probe.status, 0) << "listener not serving at READY=1: " << probe.error;
  EXPECT_TRUE(StartsWith(*ready, "READY=1\nSTATUS=outbox 0 events, 0 bytes; uplink ")) << *ready;

  // Pings every half of WATCHDOG_USEC, from the event loop.
  EXPECT_EQ(notify.ReceiveMatching([](const std::string& m) { return m == "WATCHDOG=1"; }, seconds(10)), "WATCHDOG=1");

  // STATUS every 5 s; the broker is up, so the uplink connects.
  const std::optional<std::string> connected = notify.ReceiveMatching(
      [](const std::string& m) { return StartsWith(m, "STATUS=") && m.find("uplink connected") != std::string::npos; },
      seconds(20));
  ASSERT_TRUE(connected) << "no STATUS with a connected uplink; log:\n" << ReadFile(log);
  EXPECT_TRUE(StartsWith(*connected, "STATUS=outbox 0 events, 0 bytes; uplink connected")) << *connected;

  agent.Signal(SIGTERM);
  EXPECT_EQ(notify.ReceiveMatching([](const std::string& m) { return m == "STOPPING=1"; }, seconds(10)), "STOPPING=1");
  EXPECT_EQ(agent.WaitExit(std::chrono::seconds(20)), 0) << ReadFile(log);
}

TEST(SystemdNotifyTest, SighupReloadsTheLogLevelAndKeepsServing) {
  PipelineOptions options;
  options.log_level = "info";
  Pipeline p(options);
  p.broker().Start();
  p.EnsureEnrolled("plant-01", p.dir().path() / "agent");
  NotifySocket notify;
  const std::filesystem::path log = p.dir().path() / "agent.log";
  Process agent = Process::Start({FERRY_AGENT_BIN, "run", "--config", p.agent_config().string()}, log,
                                 {"NOTIFY_SOCKET=" + notify.path().string()});
  ASSERT_TRUE(notify.ReceiveMatching([](const std::string& m) { return StartsWith(m, "READY=1"); }, seconds(15)))
      << ReadFile(log);

  // An invalid file changes nothing: still running, still at info.
  const std::string config = ReadFile(p.agent_config());
  WriteFile(p.agent_config(), config + "\nnot_a_section: 1\n");
  agent.Signal(SIGHUP);
  ASSERT_TRUE(notify.ReceiveMatching([](const std::string& m) { return StartsWith(m, "READY=1"); }, seconds(10)));
  EXPECT_NE(ReadFile(log).find("event=reload_refused"), std::string::npos) << ReadFile(log);

  // debug instead of info: applied without a restart, between RELOADING=1 and READY=1.
  const size_t at = config.find("level: info");
  ASSERT_NE(at, std::string::npos);
  std::string debug = config;
  debug.replace(at, 11, "level: debug");
  WriteFile(p.agent_config(), debug);
  agent.Signal(SIGHUP);
  EXPECT_EQ(notify.ReceiveMatching([](const std::string& m) { return m == "RELOADING=1"; }, seconds(10)),
            "RELOADING=1");
  ASSERT_TRUE(notify.ReceiveMatching([](const std::string& m) { return StartsWith(m, "READY=1"); }, seconds(10)));
  EXPECT_NE(ReadFile(log).find("event=reloaded log_level=debug"), std::string::npos) << ReadFile(log);
  EXPECT_TRUE(agent.Running());
  const HttpResponse posted = HttpRequest("POST", p.agent_port(), "/sap/idoc", ReadFixture("debmas05_customer.xml"),
                                          {{"Content-Type", "text/xml"}}, std::chrono::seconds(10));
  EXPECT_EQ(posted.status, 200) << posted.error;
  agent.Signal(SIGTERM);
  EXPECT_EQ(agent.WaitExit(std::chrono::seconds(20)), 0) << ReadFile(log);
}

}  // namespace
}  // namespace ferry::testing
