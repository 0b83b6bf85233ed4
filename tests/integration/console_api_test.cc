// The console's API with the real control plane over HTTPS (Debian's curl,
// verifying the fleet CA's certificate): sign-in, the session cookie, CSRF,
// roles and the sign-in limits.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/console_fixture.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using ConsoleApiTest = ConsoleTest;

TEST_F(ConsoleApiTest, SignInSetsAStrictCookieAndChangesNeedTheCsrfToken) {
  EXPECT_EQ(Curl("ada", "GET", "/api/v1/session").status, 401);
  EXPECT_EQ(SignIn("ada", "not the password").status, 401);
  EXPECT_EQ(SignIn("nobody", "password of ada 123").status, 401);

  const Answer in = SignIn("ada", "password of ada 123");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_NE(in.headers.find("__Host-ferry_session="), std::string::npos) << in.headers;
  for (const char* attribute : {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"}) {
    EXPECT_NE(in.headers.find(attribute), std::string::npos) << attribute << " in\n" << in.headers;
  }
  const auto who = nlohmann::json::parse(in.body);
  EXPECT_EQ(who["name"], "ada");
  EXPECT_EQ(who["role"], "admin");
  const std::string csrf = who["csrf_token"];
  EXPECT_EQ(csrf.size(), 64u);

  EXPECT_EQ(Curl("ada", "GET", "/api/v1/session").status, 200);
  // A change without the token (what a forged cross-site request would be)
  // is refused, and the session stays.
  EXPECT_EQ(Curl("ada", "DELETE", "/api/v1/session").status, 403);
  EXPECT_EQ(Curl("ada", "DELETE", "/api/v1/session", "-H 'X-CSRF-Token: " + std::string(64, '0') + "'").status, 403);
  EXPECT_EQ(Curl("ada", "GET", "/api/v1/session").status, 200);
  EXPECT_EQ(Curl("ada", "DELETE", "/api/v1/session", "-H 'X-CSRF-Token: " + csrf + "'").status, 204);
  EXPECT_EQ(Curl("ada", "GET", "/api/v1/session").status, 401);

  // The log names sign-ins, never passwords.
  const std::string log = ReadFile(p_->dir().path() / "controlplane.log");
  EXPECT_NE(log.find("event=console_sign_in user=ada role=admin outcome=signed_in"), std::string::npos);
  EXPECT_EQ(log.find("password of ada"), std::string::npos);
}

TEST_F(ConsoleApiTest, RolesDecideWhatAUserSees) {
  ASSERT_EQ(SignIn("vera", "password of vera 123").status, 200);
  ASSERT_EQ(SignIn("ada", "password of ada 123").status, 200);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/users").status, 403);
  const Answer users = Curl("ada", "GET", "/api/v1/users");
  ASSERT_EQ(users.status, 200) << users.body;
  const auto listed = nlohmann::json::parse(users.body)["users"];
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0]["name"], "ada");
  EXPECT_EQ(listed[2]["role"], "viewer");
  EXPECT_EQ(users.body.find("hash"), std::string::npos);
  EXPECT_EQ(Curl("nobody", "GET", "/api/v1/users").status, 401);
}

TEST_F(ConsoleApiTest, SignInsAndSignOutsAreInTheAuditLogNewestFirst) {
  ASSERT_EQ(SignIn("vera", "wrong password here").status, 401);
  const Answer in = SignIn("vera", "password of vera 123");
  ASSERT_EQ(in.status, 200);
  const std::string csrf = nlohmann::json::parse(in.body)["csrf_token"];
  ASSERT_EQ(Curl("vera", "DELETE", "/api/v1/session", "-H 'X-CSRF-Token: " + csrf + "'").status, 204);
  ASSERT_EQ(SignIn("ada", "password of ada 123").status, 200);
  const Answer page = Curl("ada", "GET", "/api/v1/audit?user=vera&limit=2");
  ASSERT_EQ(page.status, 200) << page.body;
  const auto body = nlohmann::json::parse(page.body);
  ASSERT_EQ(body["entries"].size(), 2u) << page.body;
  EXPECT_EQ(body["entries"][0]["action"], "session.sign_out");
  EXPECT_EQ(body["entries"][1]["action"], "session.sign_in");
  EXPECT_EQ(body["entries"][1]["outcome"], "ok");
  EXPECT_EQ(body["entries"][1]["client"], "127.0.0.1");
  const Answer older =
      Curl("ada", "GET", "/api/v1/audit?user=vera&limit=2&before=" + std::to_string(body["next_before"].get<int>()));
  ASSERT_EQ(older.status, 200) << older.body;
  const auto rest = nlohmann::json::parse(older.body)["entries"];
  ASSERT_EQ(rest.size(), 1u) << older.body;
  EXPECT_EQ(rest[0]["outcome"], "wrong user name or password");
  EXPECT_EQ(older.body.find("wrong password here"), std::string::npos);
  EXPECT_EQ(Curl("ada", "GET", "/api/v1/audit?limit=%zz").status, 400);
  EXPECT_EQ(Curl("ada", "GET", "/api/v1/audit?sort=evil").status, 400);
}

TEST_F(ConsoleApiTest, SignInAttemptsAreLimitedPerClient) {
  int refused = 0, limited = 0;
  for (int i = 0; i < 10; ++i) {
    const int status = SignIn("otto", "guess " + std::to_string(i)).status;
    refused += status == 401;
    limited += status == 429;
  }
  EXPECT_EQ(refused, 8);
  EXPECT_EQ(limited, 2);
  // Another address still gets to try.
  const Answer other = Curl("otto", "POST", "/api/v1/session",
                            "--interface 127.0.0.2 -H 'Content-Type: application/json' "
                            "-d '{\"name\":\"otto\",\"password\":\"password of otto 123\"}'");
  EXPECT_EQ(other.status, 200) << other.body;
}

// The agent list with real agents: each heartbeats every second; killed,
// one turns stale after three missed heartbeats and offline after
// agent_offline_after, while the other stays healthy.
TEST_F(ConsoleApiTest, AKilledAgentTurnsStaleThenOfflineWhileTheOtherStaysHealthy) {
  ExtraAgent& munich = p_->StartExtraAgent("agent-muc", {{"plant", "munich"}}, "");
  ASSERT_EQ(SignIn("vera", "password of vera 123").status, 200);
  auto states = [&](const std::string& query = "") {
    std::map<std::string, std::string> out;
    const Answer a = Curl("vera", "GET", "/api/v1/agents?sort=id" + query);
    if (a.status != 200) {
      out["http"] = std::to_string(a.status) + " " + a.body;
      return out;
    }
    const auto page = nlohmann::json::parse(a.body);
    for (const auto& agent : page["agents"]) out[agent["id"]] = agent["state"];
    return out;
  };
  const std::map<std::string, std::string> healthy = {{"agent-muc", "healthy"}, {"plant-01", "healthy"}};
  ASSERT_TRUE(WaitUntil([&] { return states() == healthy; }, std::chrono::seconds(20)))
      << ::testing::PrintToString(states());

  const Answer one = Curl("vera", "GET", "/api/v1/agents/agent-muc");
  ASSERT_EQ(one.status, 200) << one.body;
  const auto agent = nlohmann::json::parse(one.body);
  EXPECT_EQ(agent["labels"]["plant"], "munich");
  EXPECT_EQ(agent["identity"], "enrolled");
  EXPECT_EQ(agent["heartbeat_interval_ms"], 1000);
  EXPECT_EQ(agent["version"].get<std::string>().rfind("0.1.0+", 0), 0u) << agent["version"];
  EXPECT_FALSE(agent["certificate_not_after_unix_ms"].is_null());
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/agents/nobody").status, 404);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/agents/..%2F..").status, 404);
  const Answer filtered = Curl("vera", "GET", "/api/v1/agents?label=plant=munich");
  ASSERT_EQ(filtered.status, 200);
  EXPECT_EQ(nlohmann::json::parse(filtered.body)["total"], 1);
  const Answer bad = Curl("vera", "GET", "/api/v1/agents?limit=100000");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("limit: must be from 1 to 500"), std::string::npos) << bad.body;

  munich.process.Kill9();
  ASSERT_TRUE(WaitUntil([&] { return states()["agent-muc"] == "stale"; }, std::chrono::seconds(10)))
      << ::testing::PrintToString(states());
  EXPECT_EQ(states()["plant-01"], "healthy");
  ASSERT_TRUE(WaitUntil([&] { return states()["agent-muc"] == "offline"; }, std::chrono::seconds(15)))
      << ::testing::PrintToString(states());
  EXPECT_EQ(states()["plant-01"], "healthy");
  const Answer offline = Curl("vera", "GET", "/api/v1/agents?state=offline");
  const auto page = nlohmann::json::parse(offline.body);
  EXPECT_EQ(page["total"], 1);
  EXPECT_EQ(page["fleet_by_state"]["healthy"], 1);
  EXPECT_NE(page["agents"][0]["reasons"][0].get<std::string>().find("no heartbeat for"), std::string::npos);
}

// API tokens: an admin makes one through the API, a script uses it
// without cookie or CSRF token, within its role; revoked, it stops working.
// The CLI makes one as well.
TEST_F(ConsoleApiTest, AnApiTokenActsWithinItsRoleUntilRevoked) {
  ASSERT_EQ(SignIn("ada", "password of ada 123").status, 200);
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  EXPECT_EQ(Post("otto", "/api/v1/tokens", {{"name", "script"}, {"role", "viewer"}}).status, 403);
  EXPECT_EQ(Post("ada", "/api/v1/tokens", {{"name", "script"}, {"role", "boss"}}).status, 400);
  const Answer made = Post("ada", "/api/v1/tokens", {{"name", "nightly"}, {"role", "viewer"}, {"expires_in_days", 30}});
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string token = nlohmann::json::parse(made.body)["token"];
  const std::string id = nlohmann::json::parse(made.body)["id"];

  const std::string bearer = "-H 'Authorization: Bearer " + token + "'";
  EXPECT_EQ(Curl("script", "GET", "/api/v1/agents", bearer).status, 200);
  // A viewer's token reads, and may not replay (no CSRF token needed to be
  // refused for the role).
  EXPECT_EQ(Curl("script", "POST", "/api/v1/dead-letters/replay",
                 bearer + " -H 'Content-Type: application/json' -d '{\"seqs\":[1]}'")
                .status,
            403);
  EXPECT_EQ(Curl("script", "GET", "/api/v1/agents", "-H 'Authorization: Bearer " + token.substr(0, 30) + "'").status,
            401);
  EXPECT_EQ(Curl("script", "GET", "/api/v1/agents", "-H 'Authorization: Basic YTpi'").status, 401);
  const Answer listed = Curl("ada", "GET", "/api/v1/tokens");
  EXPECT_NE(listed.body.find("\"nightly\""), std::string::npos) << listed.body;
  EXPECT_EQ(listed.body.find(token.substr(23)), std::string::npos) << "the secret is never shown again";

  EXPECT_EQ(Curl("ada", "DELETE", "/api/v1/tokens/" + id, "-H 'X-CSRF-Token: " + csrf_["ada"] + "'").status, 204);
  EXPECT_EQ(Curl("script", "GET", "/api/v1/agents", bearer).status, 401);

  int code = -1;
  const std::string cli_token = p_->RunControlPlaneCli("tokens add from-cli --role operator --expires 7d", &code);
  ASSERT_EQ(code, 0) << cli_token;
  std::string trimmed = cli_token.substr(0, cli_token.find('\n'));
  EXPECT_EQ(Curl("cli", "GET", "/api/v1/dead-letters", "-H 'Authorization: Bearer " + trimmed + "'").status, 200);
  EXPECT_NE(p_->RunControlPlaneCli("tokens ls", &code).find("from-cli"), std::string::npos);

  const auto audit = nlohmann::json::parse(Curl("ada", "GET", "/api/v1/audit?user=ada").body)["entries"];
  std::vector<std::string> actions;
  for (const auto& e : audit) actions.push_back(e["action"]);
  EXPECT_EQ(actions[0], "token.revoke");
  EXPECT_EQ(actions[1], "token.create");
}

}  // namespace
}  // namespace ferry::testing
