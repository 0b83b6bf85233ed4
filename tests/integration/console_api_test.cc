// The console's API with the real control plane over HTTPS (Debian's curl,
// verifying the fleet CA's certificate): sign-in, the session cookie, CSRF,
// roles and the sign-in limits.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

#include "tests/integration/pipeline.h"
#include "tests/support/ports.h"

namespace ferry::testing {
namespace {

struct Answer {
  int status = 0;
  std::string headers;
  std::string body;
};

class ConsoleApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreeTcpPort();
    PipelineOptions options;
    options.cp_extra_yaml = "console:\n  listen: 127.0.0.1:" + std::to_string(port_) +
                            "\n  hosts: [127.0.0.1]\n  sign_in_per_minute_per_client: 8\n";
    p_ = std::make_unique<Pipeline>(options);
    AddUser("ada", "admin");
    AddUser("otto", "operator");
    AddUser("vera", "viewer");
    p_->StartAll();
  }

  void AddUser(const std::string& name, const std::string& role) {
    const auto file = p_->dir().path() / (name + ".password");
    WriteFile(file, "password of " + name + " 123\n");
    int code = -1;
    const std::string out =
        p_->RunControlPlaneCli("users add " + name + " --role " + role + " --password-file " + file.string(), &code);
    ASSERT_EQ(code, 0) << out;
  }

  // curl with the fleet's CA, a cookie jar per `who`, and extra arguments.
  Answer Curl(const std::string& who, const std::string& method, const std::string& path,
              const std::string& extra = "") {
    const auto jar = p_->dir().path() / (who + ".cookies");
    const auto headers = p_->dir().path() / "headers.out";
    const std::string cmd = "curl -s -o - -D " + headers.string() + " -w '\\n%{http_code}' --cacert " +
                            (p_->dir().path() / "cp" / "pki" / "ca.crt").string() + " -b " + jar.string() + " -c " +
                            jar.string() + " -X " + method + " " + extra +
                            " 'https://127.0.0.1:" + std::to_string(port_) + path + "'";
    FILE* pipe = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    for (size_t n; pipe && (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
    if (pipe) pclose(pipe);
    Answer a;
    const size_t nl = out.rfind('\n');
    a.status = nl == std::string::npos ? 0 : std::atoi(out.c_str() + nl + 1);
    a.body = nl == std::string::npos ? out : out.substr(0, nl);
    a.headers = ReadFile(headers);
    return a;
  }

  Answer SignIn(const std::string& who, const std::string& password) {
    return Curl(
        who, "POST", "/api/v1/session",
        "-H 'Content-Type: application/json' -d '{\"name\":\"" + who + "\",\"password\":\"" + password + "\"}'");
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "control plane log:\n" << ReadFile(p_->dir().path() / "controlplane.log");
  }

  int port_ = 0;
  std::unique_ptr<Pipeline> p_;
};

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

}  // namespace
}  // namespace ferry::testing
