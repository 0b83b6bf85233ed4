#include "controlplane/console/console_users.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/support/test_store.h"

namespace ferry::controlplane {
namespace {

using ferry::v1::ConsoleUser;

class ConsoleUsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = testing::OpenTestStore(dir_.path(), {ConsoleUsers::kDb});
    ASSERT_TRUE(store_);
    users_ = std::make_unique<ConsoleUsers>(*store_, crypto::ScryptCost{10, 8, 1});
  }
  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ConsoleUsers> users_;
};

TEST_F(ConsoleUsersTest, AUserSignsInWithTheirPasswordAndTheStoreKeepsOnlyItsHash) {
  ASSERT_TRUE(users_->Add("alice", ConsoleUser::OPERATOR, "correct horse battery").ok());
  auto signed_in = users_->Authenticate("alice", "correct horse battery");
  ASSERT_TRUE(signed_in.ok()) << signed_in.status().ToString();
  EXPECT_EQ(signed_in->role(), ConsoleUser::OPERATOR);
  EXPECT_EQ(signed_in->SerializeAsString().find("correct horse"), std::string::npos);
  EXPECT_EQ(signed_in->scrypt_log2_n(), 10u);

  auto wrong = users_->Authenticate("alice", "correct horse battery!");
  auto unknown = users_->Authenticate("mallory", "correct horse battery");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_FALSE(users_->Authenticate("../alice", "x").ok());
}

TEST_F(ConsoleUsersTest, NamesPasswordsAndRolesAreCheckedAndNamesAreUnique) {
  EXPECT_EQ(users_->Add("bob", ConsoleUser::VIEWER, "short").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(users_->Add("bob", ConsoleUser::VIEWER, "twelve chars\x01ok").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(users_->Add("bob", ConsoleUser::VIEWER, std::string(1025, 'a')).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(users_->Add("bob", ConsoleUser::VIEWER, "\xff\xfe invalid utf-8 here").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(users_->Add("bob", ConsoleUser::ROLE_UNSPECIFIED, "long enough password").code(),
            StatusCode::kInvalidArgument);
  for (const char* name : {"", "bob smith", "bob/..", "<script>"}) {
    EXPECT_EQ(users_->Add(name, ConsoleUser::VIEWER, "long enough password").code(), StatusCode::kInvalidArgument)
        << name;
  }
  // Twelve characters, counted as characters, not bytes.
  EXPECT_TRUE(users_->Add("bob", ConsoleUser::VIEWER, "ÄÖÜäöüßÄÖÜäö").ok());
  EXPECT_EQ(users_->Add("bob", ConsoleUser::ADMIN, "another long password").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(users_->Authenticate("bob", "ÄÖÜäöüßÄÖÜäö")->role(), ConsoleUser::VIEWER);
}

TEST_F(ConsoleUsersTest, PasswordsAndRolesChangeAndRemovedUsersCannotSignIn) {
  ASSERT_TRUE(users_->Add("carol", ConsoleUser::VIEWER, "first password 1").ok());
  ASSERT_TRUE(users_->SetPassword("carol", "second password 2").ok());
  EXPECT_FALSE(users_->Authenticate("carol", "first password 1").ok());
  EXPECT_TRUE(users_->Authenticate("carol", "second password 2").ok());
  ASSERT_TRUE(users_->SetRole("carol", ConsoleUser::ADMIN).ok());
  EXPECT_EQ(users_->Authenticate("carol", "second password 2")->role(), ConsoleUser::ADMIN);
  EXPECT_EQ(users_->SetRole("nobody", ConsoleUser::ADMIN).code(), StatusCode::kNotFound);
  EXPECT_EQ(users_->SetPassword("nobody", "long enough password").code(), StatusCode::kNotFound);
  auto listed = users_->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name(), "carol");
  ASSERT_TRUE(users_->Remove("carol").ok());
  EXPECT_FALSE(users_->Authenticate("carol", "second password 2").ok());
  EXPECT_EQ(users_->Remove("carol").code(), StatusCode::kNotFound);
}

TEST(ConsoleRoleTest, RolesParseByNameOnly) {
  EXPECT_EQ(ParseConsoleRole("viewer"), ConsoleUser::VIEWER);
  EXPECT_EQ(ParseConsoleRole("operator"), ConsoleUser::OPERATOR);
  EXPECT_EQ(ParseConsoleRole("admin"), ConsoleUser::ADMIN);
  EXPECT_FALSE(ParseConsoleRole("Admin"));
  EXPECT_FALSE(ParseConsoleRole("root"));
  EXPECT_STREQ(ConsoleRoleName(ConsoleUser::OPERATOR), "operator");
}

}  // namespace
}  // namespace ferry::controlplane
