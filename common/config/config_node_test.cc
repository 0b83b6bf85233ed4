#include "common/config/config_node.h"

#include <gtest/gtest.h>

namespace ferry::config {
namespace {

TEST(ConfigNodeTest, ReadsTypedValuesWithUnits) {
  auto file =
      ConfigFile::FromString("http:\n  max_body: 16MiB\n  timeout: 250ms\n  port: 8080\n  tls: true\n", "a.yaml");
  ASSERT_TRUE(file.ok());
  auto http = file->Root().Section("http");
  EXPECT_EQ(http.Bytes("max_body", 0), 16u << 20);
  EXPECT_EQ(http.Duration("timeout", {}), std::chrono::milliseconds(250));
  EXPECT_EQ(http.Int("port", 0, 1, 65535), 8080);
  EXPECT_TRUE(http.Bool("tls", false));
  EXPECT_EQ(http.String("missing", "dflt"), "dflt");
  EXPECT_TRUE(file->Finish().ok());
}

TEST(ConfigNodeTest, UnknownKeyNamesFileLineAndKey) {
  auto file = ConfigFile::FromString("http:\n  listen: 1.2.3.4:80\n  lisen: x\n", "agent.yaml");
  ASSERT_TRUE(file.ok());
  file->Root().Section("http").String("listen", "");
  Status s = file->Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "agent.yaml:3: key 'http.lisen' is not a known setting (see docs/configuration.md)");
}

TEST(ConfigNodeTest, BadValuesAreReportedWithReason) {
  auto file = ConfigFile::FromString("a:\n  size: 12XB\n  n: 70000\n  d: soon\n  b: maybe\n", "c.yaml");
  ASSERT_TRUE(file.ok());
  auto a = file->Root().Section("a");
  a.Bytes("size", 1);
  a.Int("n", 1, 1, 65535);
  a.Duration("d", {});
  a.Bool("b", false);
  a.RequiredString("id");
  Status s = file->Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("c.yaml:2: key 'a.size': expected a size"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("c.yaml:3: key 'a.n': must be between 1 and 65535, got 70000"), std::string::npos);
  EXPECT_NE(s.message().find("c.yaml:4: key 'a.d': expected a duration"), std::string::npos);
  EXPECT_NE(s.message().find("c.yaml:5: key 'a.b': expected true or false"), std::string::npos);
  EXPECT_NE(s.message().find("key 'a.id': is required"), std::string::npos);
}

// Found by fuzzing: a key that is a list aborted the process.
TEST(ConfigNodeTest, AKeyThatIsNotPlainTextIsAnErrorNotACrash) {
  auto file = ConfigFile::FromString("agent:\n  ? [id]\n  : a1\n", "agent.yaml");
  ASSERT_TRUE(file.ok());
  file->Root().Section("agent").String("id", "");
  Status s = file->Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("agent.yaml:2: a key under 'agent' is not plain text"), std::string::npos) << s.message();
}

TEST(ConfigNodeTest, ASizeThatOverflowsIsAnError) {
  auto file = ConfigFile::FromString("a:\n  size: 16777216TiB\n  ok: 16383TiB\n", "c.yaml");
  ASSERT_TRUE(file.ok());
  auto a = file->Root().Section("a");
  EXPECT_EQ(a.Bytes("size", 7), 7u);
  EXPECT_EQ(a.Bytes("ok", 7), 16383ull << 40);
  Status s = file->Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("c.yaml:2: key 'a.size': expected a size"), std::string::npos) << s.message();
}

TEST(ConfigNodeTest, YamlSyntaxErrorHasPosition) {
  auto file = ConfigFile::FromString("a:\n  b: [1, 2\n", "bad.yaml");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message().rfind("bad.yaml:", 0), 0u);
  EXPECT_NE(file.status().message().find("YAML error"), std::string::npos);
}

TEST(ConfigNodeTest, ParsesHostPort) {
  auto hp = ParseHostPort("127.0.0.1:8300");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 8300);
  EXPECT_EQ(ParseHostPort("[::1]:99")->host, "::1");
  EXPECT_FALSE(ParseHostPort("nohost").ok());
  EXPECT_FALSE(ParseHostPort("h:99999").ok());
}

}  // namespace
}  // namespace ferry::config
