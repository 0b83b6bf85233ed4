// `ferry-controlplane users ...` as an administrator runs it: passwords from
// a file or standard input, never the command line, and the exit codes.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/store/store.h"
#include "controlplane/console/console_users.h"
#include "controlplane/controlplane.h"
#include "tests/integration/pipeline.h"

namespace ferry::testing {
namespace {

TEST(ConsoleUsersCliTest, UsersAreAddedChangedListedAndRemovedWithClearExitCodes) {
  Pipeline p;  // only its configuration: the commands work on the store
  const auto password_file = p.dir().path() / "alice.password";
  WriteFile(password_file, "a long operator password\n");
  int code = -1;
  std::string out =
      p.RunControlPlaneCli("users add alice --role operator --password-file " + password_file.string(), &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("user alice added as operator"), std::string::npos) << out;
  p.RunControlPlaneCli("users add alice --role admin --password-file " + password_file.string(), &code);
  EXPECT_EQ(code, 4);
  p.RunControlPlaneCli("users add bob --role root --password-file " + password_file.string(), &code);
  EXPECT_EQ(code, 2);
  WriteFile(p.dir().path() / "short", "short\n");
  p.RunControlPlaneCli("users add bob --role viewer --password-file " + (p.dir().path() / "short").string(), &code);
  EXPECT_EQ(code, 2);

  // A new password from standard input, a new role.
  WriteFile(p.dir().path() / "new", "an even longer new password\n");
  out = p.RunControlPlaneCli("users passwd alice < " + (p.dir().path() / "new").string(), &code);
  ASSERT_EQ(code, 0) << out;
  out = p.RunControlPlaneCli("users role alice --role admin", &code);
  ASSERT_EQ(code, 0) << out;
  p.RunControlPlaneCli("users role nobody --role admin", &code);
  EXPECT_EQ(code, 3);

  const auto listed = nlohmann::json::parse(p.RunControlPlaneCli("users ls --json", &code));
  ASSERT_EQ(code, 0);
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["name"], "alice");
  EXPECT_EQ(listed[0]["role"], "admin");
  EXPECT_EQ(listed.dump().find("password\":"), std::string::npos) << "no hash in the listing";
  {
    auto store = store::Store::Open(controlplane::ControlPlaneStoreOptions(p.dir().path() / "cp", 512ull << 20));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    controlplane::ConsoleUsers users(**store);
    EXPECT_TRUE(users.Authenticate("alice", "an even longer new password").ok());
    EXPECT_FALSE(users.Authenticate("alice", "a long operator password").ok());
  }
  out = p.RunControlPlaneCli("users rm alice", &code);
  ASSERT_EQ(code, 0) << out;
  p.RunControlPlaneCli("users rm alice", &code);
  EXPECT_EQ(code, 3);
}

}  // namespace
}  // namespace ferry::testing
