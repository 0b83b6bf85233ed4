// Alerts with a real control plane, real agents and a webhook receiver: a
// killed agent fires the default agent-offline rule once, to a signed
// webhook that first answers 503 (tried again, same id); a control plane
// restart neither repeats it nor forgets it, and the agent's return
// resolves it once. Rules are changed by admins only, with precise errors,
// and every change is audited.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <optional>
#include <set>

#include "common/crypto/hmac.h"
#include "tests/integration/console_fixture.h"
#include "tests/support/wait.h"
#include "tests/support/webhook_sink.h"

namespace ferry::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "alert-webhook-secret";

class ConsoleAlertsTest : public ConsoleTest {
 protected:
  std::string ExtraControlPlaneYaml() const override {
    secret_.emplace();
    WriteFile(secret_->path() / "alerts.secret", std::string(kSecret) + "\n");
    return "alerts:\n  evaluate_every: 200ms\n  webhooks:\n    ops:\n      url: " + receiver_.url("/alerts") +
           "\n      signing_secret_file: " + (secret_->path() / "alerts.secret").string() + "\n";
  }

  // The notifications the receiver took (2xx), as JSON, in order.
  std::vector<nlohmann::json> Taken() const {
    std::vector<nlohmann::json> out;
    for (const auto& r : receiver_.Requests())
      if (r.status_sent == 200) out.push_back(nlohmann::json::parse(r.body));
    return out;
  }

  size_t CountOf(const std::string& change, const std::string& subject) const {
    size_t n = 0;
    for (const auto& m : Taken()) {
      if (m["change"] != change || m["rule"] != "agent-offline") continue;
      for (const auto& a : m["alerts"]) n += a["subject"] == subject;
    }
    return n;
  }

  mutable std::optional<TempDir> secret_;
  WebhookSink receiver_;
};

bool SignedWith(const ReceivedRequest& r, const std::string& secret) {
  auto it = r.headers.find("x-ferry-signature");
  if (it == r.headers.end()) return false;
  const size_t comma = it->second.find(",v1=");
  if (it->second.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  const std::string t = it->second.substr(2, comma - 2);
  return it->second.substr(comma + 4) == crypto::HmacSha256Hex(secret, t + "." + r.body);
}

TEST_F(ConsoleAlertsTest, AKilledAgentFiresOnceThroughARestartAndResolvesOnceWhenBack) {
  ExtraAgent& munich = p_->StartExtraAgent("agent-muc", {{"plant", "munich"}}, "");
  ASSERT_EQ(SignIn("vera", "password of vera 123").status, 200);
  // The first attempt meets a receiver that is down for a moment.
  std::atomic<int> answered{0};
  receiver_.SetResponder([&](const ReceivedRequest&) {
    SinkResponse response;
    response.status = answered++ == 0 ? 503 : 200;
    return response;
  });

  munich.process.Kill9();
  ASSERT_TRUE(WaitUntil([&] { return CountOf("firing", "agent-muc") == 1; }, 30s))
      << ReadFile(p_->dir().path() / "controlplane.log");
  const auto requests = receiver_.Requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].status_sent, 503);
  EXPECT_EQ(requests[0].headers.at("idempotency-key"), requests[1].headers.at("idempotency-key"));
  EXPECT_EQ(requests[0].target, "/alerts");
  for (const auto& r : requests) {
    EXPECT_TRUE(SignedWith(r, kSecret)) << r.headers.count("x-ferry-signature");
    EXPECT_FALSE(SignedWith(r, "another secret"));
  }
  const auto fired = Taken().front();
  EXPECT_EQ(fired["kind"], "agent_offline");
  EXPECT_EQ(fired["console"], "https://127.0.0.1:" + std::to_string(port_) + "/alerts");
  EXPECT_NE(fired["alerts"][0]["summary"].get<std::string>().find("no heartbeat for"), std::string::npos);
  EXPECT_EQ(CountOf("firing", "plant-01"), 0u);

  Answer active = Curl("vera", "GET", "/api/v1/alerts");
  ASSERT_EQ(active.status, 200) << active.body;
  auto body = nlohmann::json::parse(active.body);
  ASSERT_EQ(body["firing"].size(), 1u) << active.body;
  EXPECT_EQ(body["firing"][0]["subject"], "agent-muc");
  EXPECT_EQ(body["channels"][0]["name"], "webhook ops");
  EXPECT_EQ(body["channels"][0]["sent"], 1);
  const Answer history = Curl("vera", "GET", "/api/v1/alerts/history?limit=5");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(nlohmann::json::parse(history.body)["notifications"][0]["id"], fired["id"]);
  EXPECT_EQ(Curl("vera", "GET", "/api/v1/alerts/history?limit=0").status, 400);

  // A restart keeps the firing alert: not notified again, still listed.
  ASSERT_EQ(p_->controlplane().Terminate(), 0);
  p_->StartControlPlane();
  ASSERT_EQ(SignIn("vera", "password of vera 123").status, 200);
  ASSERT_TRUE(WaitUntil(
      [&] {
        const Answer a = Curl("vera", "GET", "/api/v1/alerts");
        return a.status == 200 && nlohmann::json::parse(a.body)["firing"].size() == 1;
      },
      15s));
  // Many evaluations later (every 200 ms; three of plant-01's heartbeats,
  // one a second), still one "firing".
  auto heartbeat = [&] {
    const Answer a = Curl("vera", "GET", "/api/v1/agents/plant-01");
    if (a.status != 200) return int64_t{0};
    const auto j = nlohmann::json::parse(a.body)["last_heartbeat_unix_ms"];
    return j.is_number() ? j.get<int64_t>() : int64_t{0};
  };
  std::set<int64_t> seen;
  ASSERT_TRUE(WaitUntil(
      [&] {
        seen.insert(heartbeat());
        seen.erase(0);
        return seen.size() >= 4;
      },
      20s));
  EXPECT_EQ(CountOf("firing", "agent-muc"), 1u);

  munich.process = Process::Start({FERRY_AGENT_BIN, "run", "--config", munich.config.string()}, munich.log);
  ASSERT_TRUE(WaitUntil([&] { return CountOf("resolved", "agent-muc") == 1; }, 30s))
      << ReadFile(p_->dir().path() / "controlplane.log");
  EXPECT_EQ(CountOf("firing", "agent-muc"), 1u);
  active = Curl("vera", "GET", "/api/v1/alerts");
  EXPECT_TRUE(nlohmann::json::parse(active.body)["firing"].empty()) << active.body;
}

TEST_F(ConsoleAlertsTest, OnlyAdminsChangeRulesWithPreciseErrorsAndEveryChangeAudited) {
  ASSERT_EQ(SignIn("ada", "password of ada 123").status, 200);
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  const Answer rules = Curl("otto", "GET", "/api/v1/alerts/rules");
  ASSERT_EQ(rules.status, 200) << rules.body;
  auto current = nlohmann::json::parse(rules.body);
  EXPECT_EQ(current["rules"][0]["name"], "agent-offline");
  EXPECT_EQ(current["kinds"].size(), 7u);

  nlohmann::json changed = {{"rules", current["rules"]}};
  changed["rules"].push_back({{"name", "dl-burst"}, {"kind", "dead_letters"}, {"more_than", 5}, {"window", "1h"}});
  const Answer refused = Send("otto", "PUT", "/api/v1/alerts/rules", changed);
  EXPECT_EQ(refused.status, 403) << refused.body;

  nlohmann::json wrong = changed;
  wrong["rules"].back()["window"] = "3h";
  const Answer bad = Send("ada", "PUT", "/api/v1/alerts/rules", wrong);
  EXPECT_EQ(bad.status, 400);
  const size_t last = changed["rules"].size() - 1;
  EXPECT_EQ(nlohmann::json::parse(bad.body)["error"],
            "rules[" + std::to_string(last) + "].window: must be between 1m and 2h");

  const Answer saved = Send("ada", "PUT", "/api/v1/alerts/rules", changed);
  ASSERT_EQ(saved.status, 200) << saved.body;
  const auto after = nlohmann::json::parse(Curl("otto", "GET", "/api/v1/alerts/rules").body);
  EXPECT_EQ(after["rules"].back()["name"], "dl-burst");
  EXPECT_EQ(after["rules"].back()["more_than"], 5);

  const auto audit = nlohmann::json::parse(Curl("ada", "GET", "/api/v1/audit?limit=5").body);
  const auto& entry = audit["entries"][0];
  EXPECT_EQ(entry["action"], "alerts.rules");
  EXPECT_EQ(entry["user"], "ada");
  EXPECT_EQ(entry["before"].get<std::string>().find("dl-burst"), std::string::npos);
  EXPECT_NE(entry["after"].get<std::string>().find("dl-burst"), std::string::npos);

  // Kept across a restart.
  ASSERT_EQ(p_->controlplane().Terminate(), 0);
  p_->StartControlPlane();
  ASSERT_EQ(SignIn("otto", "password of otto 123").status, 200);
  EXPECT_EQ(nlohmann::json::parse(Curl("otto", "GET", "/api/v1/alerts/rules").body)["rules"].back()["name"],
            "dl-burst");
}

}  // namespace
}  // namespace ferry::testing
