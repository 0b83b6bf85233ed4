// The console's web app and its live updates, from the real control plane
// over HTTPS: the app is served under a strict Content-Security-Policy on
// every path of its own and nothing else is; a Server-Sent Events stream
// announces changes, resumes from Last-Event-ID, and tells a tab from
// another run of the control plane to fetch everything again.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <regex>

#include "tests/integration/console_fixture.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

class ConsoleWebTest : public ConsoleTest {
 protected:
  // curl following the event stream as `who`, into a file of its own.
  Process OpenStream(const std::string& who, const std::filesystem::path& out, const std::string& last_event_id = "") {
    std::vector<std::string> argv{"curl",
                                  "-s",
                                  "-N",
                                  "--cacert",
                                  (p_->dir().path() / "cp" / "pki" / "ca.crt").string(),
                                  "-b",
                                  (p_->dir().path() / (who + ".cookies")).string(),
                                  "-o",
                                  out.string()};
    if (!last_event_id.empty()) {
      argv.push_back("-H");
      argv.push_back("Last-Event-ID: " + last_event_id);
    }
    argv.push_back("https://127.0.0.1:" + std::to_string(port_) + "/api/v1/events");
    return Process::Start(argv, p_->dir().path() / "curl.log");
  }

  // Header names in lower case, as HTTP treats them.
  static std::string LowerHeaders(const Answer& a) {
    std::string out = a.headers;
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
  }

  // OpenStream, again until the stream has begun: a tab closed a moment
  // ago holds its place until the control plane next writes to it.
  Process OpenStreamWhenThereIsRoom(const std::string& who, const std::filesystem::path& out,
                                    const std::string& last_event_id = "") {
    Process stream;
    WaitUntil(
        [&] {
          std::filesystem::remove(out);
          stream = OpenStream(who, out, last_event_id);
          return WaitUntil([&] { return Holds(out, "retry: "); }, std::chrono::seconds(3));
        },
        std::chrono::seconds(60), std::chrono::milliseconds(200));
    return stream;
  }

  static bool Holds(const std::filesystem::path& file, const std::string& text) {
    return std::filesystem::exists(file) && ReadFile(file).find(text) != std::string::npos;
  }

  // The id of the last "changed" notice naming `topic` in a stream's file.
  static std::string LastIdOf(const std::string& stream, const std::string& topic) {
    static const std::regex notice("id: ([0-9]+-[0-9]+)\nevent: changed\ndata: (.*)\n");
    std::string id;
    for (std::sregex_iterator it(stream.begin(), stream.end(), notice), end; it != end; ++it) {
      if ((*it)[2].str().find("\"" + topic + "\"") != std::string::npos) id = (*it)[1];
    }
    return id;
  }
};

TEST_F(ConsoleWebTest, TheAppIsServedUnderAStrictPolicyOnItsOwnPathsOnly) {
  const Answer root = Curl("vera", "GET", "/");
  ASSERT_EQ(root.status, 200) << root.body;
  const std::string head = LowerHeaders(root);
  EXPECT_NE(head.find("content-type: text/html"), std::string::npos) << head;
  EXPECT_NE(head.find("content-security-policy: default-src 'self';"), std::string::npos) << head;
  EXPECT_NE(head.find("frame-ancestors 'none'"), std::string::npos) << head;
  EXPECT_NE(head.find("x-content-type-options: nosniff"), std::string::npos) << head;
  EXPECT_NE(root.body.find("/assets/app.js"), std::string::npos) << root.body;
  // The app's own paths are real links: the same page.
  const Answer deep = Curl("vera", "GET", "/agents/plant-01?state=offline");
  EXPECT_EQ(deep.status, 200);
  EXPECT_EQ(deep.body, root.body);

  const Answer script = Curl("vera", "GET", "/assets/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_NE(LowerHeaders(script).find("content-type: text/javascript"), std::string::npos) << script.headers;
  EXPECT_GT(script.body.size(), 1000u);
  const Answer style = Curl("vera", "GET", "/assets/app.css");
  EXPECT_EQ(style.status, 200);
  EXPECT_NE(LowerHeaders(style).find("content-type: text/css"), std::string::npos) << style.headers;

  // The ETag lets a browser ask again cheaply.
  std::smatch etag;
  const std::string script_head = LowerHeaders(script);
  ASSERT_TRUE(std::regex_search(script_head, etag, std::regex("etag: (\"[0-9a-f]{64}\")")));
  EXPECT_EQ(Curl("vera", "GET", "/assets/app.js", "-H 'If-None-Match: " + etag[1].str() + "'").status, 304);
  EXPECT_EQ(Curl("vera", "GET", "/assets/app.js", "-H 'If-None-Match: \"0\"'").status, 200);

  // Nothing but the app's files.
  EXPECT_EQ(Curl("vera", "GET", "/assets/index.html").status, 404);
  EXPECT_EQ(Curl("vera", "GET", "/assets/../../../etc/passwd", "--path-as-is").status, 404);
  EXPECT_EQ(Curl("vera", "GET", "/assets/%2e%2e/controlplane.yaml").status, 404);
  EXPECT_EQ(Curl("vera", "POST", "/agents").status, 404);
  // The API stays the API: no page for an unknown endpoint, and no data
  // without signing in.
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/agents").status, 401);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/events").status, 401);
}

TEST_F(ConsoleWebTest, LiveUpdatesAnnounceChangesAndResumeFromTheLastEventId) {
  ASSERT_EQ(SignIn("ada", "password of ada 123").status, 200);
  // Two tabs: one stays, one goes away for a while.
  const auto staying = p_->dir().path() / "events-staying.txt";
  const auto first = p_->dir().path() / "events-1.txt";
  Process witness = OpenStream("ada", staying);
  Process stream = OpenStream("ada", first);
  ASSERT_TRUE(
      WaitUntil([&] { return Holds(first, "retry: ") && Holds(staying, "retry: "); }, std::chrono::seconds(20)));

  // A change (an API token made) goes to the audit log: announced.
  ASSERT_EQ(Post("ada", "/api/v1/tokens", {{"name", "first"}, {"role", "viewer"}}).status, 201);
  ASSERT_TRUE(WaitUntil([&] { return !LastIdOf(ReadFile(first), "audit").empty(); }, std::chrono::seconds(20)))
      << ReadFile(first);
  // The agent's heartbeats (every second here) change what the agents page shows.
  EXPECT_TRUE(WaitUntil([&] { return !LastIdOf(ReadFile(first), "agents").empty(); }, std::chrono::seconds(20)))
      << ReadFile(first);
  const std::string seen = LastIdOf(ReadFile(first), "audit");
  stream.Kill9();

  // While the tab is away, another change, which the staying tab is told of.
  ASSERT_EQ(Post("ada", "/api/v1/tokens", {{"name", "second"}, {"role", "viewer"}}).status, 201);
  std::string missed;
  ASSERT_TRUE(WaitUntil(
      [&] {
        missed = LastIdOf(ReadFile(staying), "audit");
        return !missed.empty() && missed != seen;
      },
      std::chrono::seconds(20)))
      << ReadFile(staying);
  // Back with Last-Event-ID, the tab gets that very notice (same id: from
  // the kept history, not a new one), and no reset.
  const auto second = p_->dir().path() / "events-2.txt";
  Process resumed = OpenStreamWhenThereIsRoom("ada", second, seen);
  ASSERT_TRUE(WaitUntil([&] { return Holds(second, "id: " + missed + "\n"); }, std::chrono::seconds(20)))
      << "missed " << missed << " in\n"
      << ReadFile(second);
  EXPECT_FALSE(Holds(second, "event: reset")) << ReadFile(second);
  resumed.Kill9();
  witness.Kill9();

  // An id from another run of the control plane (or garbage): fetch everything.
  const auto third = p_->dir().path() / "events-3.txt";
  Process foreign = OpenStreamWhenThereIsRoom("ada", third, "1-5");
  ASSERT_TRUE(WaitUntil([&] { return Holds(third, "event: reset"); }, std::chrono::seconds(20))) << ReadFile(third);
  foreign.Kill9();
  const auto fourth = p_->dir().path() / "events-4.txt";
  Process garbage = OpenStreamWhenThereIsRoom("ada", fourth, seen.substr(0, seen.find('-')) + "-99999999999999999999");
  ASSERT_TRUE(WaitUntil([&] { return Holds(fourth, "event: reset"); }, std::chrono::seconds(20))) << ReadFile(fourth);
}

TEST_F(ConsoleWebTest, TooManyStreamsAreRefusedAClosedTabFreesItsPlaceAndSigningOutEndsAStream) {
  ASSERT_EQ(SignIn("vera", "password of vera 123").status, 200);
  std::vector<Process> streams;
  for (int i = 0; i < 4; ++i) {
    streams.push_back(OpenStream("vera", p_->dir().path() / ("tab-" + std::to_string(i) + ".txt")));
  }
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(WaitUntil([&] { return Holds(p_->dir().path() / ("tab-" + std::to_string(i) + ".txt"), "retry: "); },
                          std::chrono::seconds(20)));
  }
  // console.max_event_streams is 4 in this test's configuration.
  const Answer refused = Curl("vera", "GET", "/api/v1/events", "--max-time 10");
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_NE(refused.body.find("max_event_streams"), std::string::npos) << refused.body;
  // A tab closed frees its place.
  streams[0].Kill9();
  const auto again = p_->dir().path() / "tab-again.txt";
  Process reopened = OpenStreamWhenThereIsRoom("vera", again);
  EXPECT_TRUE(Holds(again, "retry: "));

  // Signing out ends the tab's streams at their next notice (the agent's
  // heartbeats make one every second here).
  for (auto& stream : streams) stream.Kill9();
  reopened.Kill9();
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  const auto tab = p_->dir().path() / "otto.txt";
  Process otto = OpenStreamWhenThereIsRoom("otto", tab);
  ASSERT_TRUE(Holds(tab, "retry: "));
  ASSERT_EQ(Curl("otto", "DELETE", "/api/v1/session", "-H 'X-CSRF-Token: " + csrf_["otto"] + "'").status, 204);
  EXPECT_TRUE(otto.WaitExit(std::chrono::seconds(20)).has_value()) << ReadFile(tab);
}

}  // namespace
}  // namespace ferry::testing
