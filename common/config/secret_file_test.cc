#include "common/config/secret_file.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/temp_dir.h"

namespace ferry::config {
namespace {

TEST(SecretFile, ReadsTheFileWithoutTrailingNewlines) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "s", "top-secret\r\n\n");
  auto secret = ReadSecretFile(dir.path() / "s");
  ASSERT_TRUE(secret.ok());
  EXPECT_EQ(*secret, "top-secret");
  EXPECT_EQ(ReadSecretFile(dir.path() / "missing").status().code(), StatusCode::kNotFound);
  testing::WriteFile(dir.path() / "empty", "\n");
  EXPECT_EQ(ReadSecretFile(dir.path() / "empty").status().code(), StatusCode::kInvalidArgument);
}

TEST(SecretFile, SystemdCredentialsComeFromTheCredentialsDirectory) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "salesforce", "from-systemd\n");
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  auto secret = ReadSecretFile("credential:salesforce");
  ASSERT_TRUE(secret.ok()) << secret.status().message();
  EXPECT_EQ(*secret, "from-systemd");
  EXPECT_EQ(ReadSecretFile("credential:../etc/passwd").status().code(), StatusCode::kInvalidArgument);
  ::unsetenv("CREDENTIALS_DIRECTORY");
  auto outside = ReadSecretFile("credential:salesforce");
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("CREDENTIALS_DIRECTORY"), std::string::npos);
}

}  // namespace
}  // namespace ferry::config
