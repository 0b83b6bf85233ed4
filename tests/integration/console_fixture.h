#pragma once
// A control plane with its console on a free port, three users (ada the
// admin, otto the operator, vera the viewer; password "password of NAME
// 123") and one enrolled agent; requests made with Debian's curl, verifying
// the fleet CA's certificate, a cookie jar per user.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "tests/integration/pipeline.h"
#include "tests/support/ports.h"
#include "tests/support/shell.h"

namespace ferry::testing {

struct Answer {
  int status = 0;
  std::string headers;
  std::string body;
};

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreeTcpPort();
    PipelineOptions options;
    options.cp_extra_yaml = "console:\n  listen: 127.0.0.1:" + std::to_string(port_) +
                            "\n  hosts: [127.0.0.1]\n  sign_in_per_minute_per_client: 8\n"
                            "  agent_offline_after: 8s\n  max_event_streams: 4\n" +
                            ExtraControlPlaneYaml();
    options.agent_labels = {{"plant", "hamburg"}};
    AdjustOptions(options);
    p_ = std::make_unique<Pipeline>(options);
    AddUser("ada", "admin");
    AddUser("otto", "operator");
    AddUser("vera", "viewer");
    p_->StartAll();
  }

  // Appended to the control plane's configuration (top-level sections).
  virtual std::string ExtraControlPlaneYaml() const { return ""; }
  // Anything else a test's scene needs before the pipeline is made.
  virtual void AdjustOptions(PipelineOptions&) {}

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
    const CurlAnswer got =
        testing::Curl("-D " + headers.string() + " --cacert " + (p_->dir().path() / "cp" / "pki" / "ca.crt").string() +
                      " -b " + jar.string() + " -c " + jar.string() + " -X " + method + " " + extra +
                      " 'https://127.0.0.1:" + std::to_string(port_) + path + "'");
    Answer a;
    a.status = got.status;
    a.body = got.body;
    a.headers = ReadFile(headers);
    return a;
  }

  Answer SignIn(const std::string& who, const std::string& password) {
    Answer a =
        Curl(who, "POST", "/api/v1/session",
             "-H 'Content-Type: application/json' -d '{\"name\":\"" + who + "\",\"password\":\"" + password + "\"}'");
    if (a.status == 200) csrf_[who] = nlohmann::json::parse(a.body)["csrf_token"];
    return a;
  }

  // A change as `who`, signed in: `body` (JSON) from a file, with the
  // session's CSRF token.
  Answer Post(const std::string& who, const std::string& path, const nlohmann::json& body) {
    return Send(who, "POST", path, body);
  }
  Answer Send(const std::string& who, const std::string& method, const std::string& path, const nlohmann::json& body) {
    const auto file = p_->dir().path() / "request.json";
    WriteFile(file, body.dump());
    return Curl(
        who, method, path,
        "-H 'Content-Type: application/json' -H 'X-CSRF-Token: " + csrf_[who] + "' --data-binary @" + file.string());
  }

  void TearDown() override {
    if (HasFailure()) std::cerr << "control plane log:\n" << ReadFile(p_->dir().path() / "controlplane.log");
  }

  int port_ = 0;
  std::unique_ptr<Pipeline> p_;
  std::map<std::string, std::string> csrf_;  // by user, once signed in
};

}  // namespace ferry::testing
