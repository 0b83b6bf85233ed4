// The IDoc file port against a real folder, with a sink of the test's own
// so that the test can act at the moment of the commit.

#include "agent/sources/idoc_file/idoc_file_source.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <fstream>
#include <functional>
#include <sstream>

#include "agent/sources/idoc_file/idoc_file_config.h"
#include "tests/support/flat_idoc.h"
#include "tests/support/temp_dir.h"

namespace ferry::agent {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string FlatIdoc(const std::string& docnum) {
  std::string xml = ReadFile(std::filesystem::path(FERRY_FIXTURE_DIR) / "idoc" / "debmas07_customer_full.xml");
  for (size_t at = xml.find("0000000000420011"); at != std::string::npos; at = xml.find("0000000000420011", at + 16)) {
    xml.replace(at, 16, docnum);
  }
  return ferry::testing::FlatFromXml(xml, ferry::testing::FixtureCatalog());
}

// Remembers each commit's dedup keys; on the first commit, runs `during`.
class RecordingSink : public EventSink {
 public:
  std::function<void()> during;
  std::vector<std::vector<std::string>> commits;

  void Accept(std::vector<IncomingEvent> events, Checkpoint, std::function<void(AcceptResult)> done) override {
    std::vector<std::string> keys;
    for (const IncomingEvent& e : events) keys.push_back(e.event.dedup_key());
    commits.push_back(keys);
    if (commits.size() == 1 && during) during();
    done(AcceptResult{Status::Ok(), keys.size(), 0});
  }
};

// A marker-mode port on `in`, scanned every 20 ms.
IdocFileConfig MarkerPort(const std::filesystem::path& in) {
  IdocFileConfig config;
  config.directory = in;
  config.ready = IdocFileConfig::Ready::kMarker;
  config.poll_interval = std::chrono::milliseconds(20);
  config.archive_directory = in / "archive";
  config.error_directory = in / "error";
  return config;
}

// Runs the agent's loop until `done` or 20 s have passed.
void RunUntil(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline && !done()) io.run_for(std::chrono::milliseconds(20));
}

TEST(IdocFileSourceTest, AFileWrittenToWhileItsIdocsAreCommittedIsReadAgainNotArchived) {
  ferry::testing::TempDir dir;
  const std::filesystem::path in = dir.path() / "in";
  std::filesystem::create_directories(in);
  std::ofstream(in / "O_100_0000000000420011.idoc", std::ios::binary) << FlatIdoc("0000000000420011");
  std::ofstream(in / "O_100_0000000000420011.idoc.ok");

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);  // the agent's loop: it runs while the source posts to it
  RecordingSink sink;
  // SAP appends a second IDoc while the first one's commit is under way.
  sink.during = [&] {
    std::ofstream(in / "O_100_0000000000420011.idoc", std::ios::binary | std::ios::app) << FlatIdoc("0000000000420012");
  };
  IdocFileConfig config = MarkerPort(in);
  config.catalog = std::shared_ptr<const idoc::SegmentCatalog>(&ferry::testing::FixtureCatalog(), [](auto*) {});
  IdocFileSource source(SourceContext{io.get_executor(), &sink, "agent-1", nullptr}, config);
  ASSERT_TRUE(source.Start().ok());
  RunUntil(io, [&] {
    return sink.commits.size() >= 2 && std::filesystem::exists(in / "archive" / "O_100_0000000000420011.idoc");
  });
  source.Stop();

  ASSERT_EQ(sink.commits.size(), 2u) << "the file was archived with an IDoc nobody read";
  EXPECT_EQ(sink.commits[0].size(), 1u);
  ASSERT_EQ(sink.commits[1].size(), 2u);  // the first again (a duplicate for the store) and the new one
  EXPECT_NE(sink.commits[1][1].find("0000000000420012"), std::string::npos) << sink.commits[1][1];
  EXPECT_FALSE(std::filesystem::exists(in / "O_100_0000000000420011.idoc"));
  EXPECT_EQ(ReadFile(in / "archive" / "O_100_0000000000420011.idoc"),
            FlatIdoc("0000000000420011") + FlatIdoc("0000000000420012"));
}

TEST(IdocFileSourceTest, ALinkPlantedInTheErrorFolderIsNotWrittenThrough) {
  ferry::testing::TempDir dir;
  const std::filesystem::path in = dir.path() / "in";
  std::filesystem::create_directories(in / "error");
  const std::filesystem::path victim = dir.path() / "victim.conf";
  std::ofstream(victim) << "precious\n";
  // Someone who may write the error folder but not victim.conf links the
  // reason file of a name SAP is about to use to it.
  std::filesystem::create_symlink(victim, in / "error" / "O_100_bad.idoc.error");
  std::ofstream(in / "O_100_bad.idoc") << "<DEBMAS07><IDOC BEGIN=\"1\">";
  std::ofstream(in / "O_100_bad.idoc.ok");

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  RecordingSink sink;
  IdocFileSource source(SourceContext{io.get_executor(), &sink, "agent-1", nullptr}, MarkerPort(in));
  ASSERT_TRUE(source.Start().ok());
  RunUntil(io, [&] { return !std::filesystem::exists(in / "O_100_bad.idoc"); });
  source.Stop();

  EXPECT_FALSE(std::filesystem::exists(in / "O_100_bad.idoc"));
  EXPECT_TRUE(sink.commits.empty());
  EXPECT_EQ(ReadFile(victim), "precious\n");
  // The file went to a name of its own, with its reason beside it.
  ASSERT_TRUE(std::filesystem::exists(in / "error" / "O_100_bad.idoc.1"));
  const std::string reason = ReadFile(in / "error" / "O_100_bad.idoc.1.error");
  EXPECT_FALSE(reason.empty());
  EXPECT_EQ(reason.find("precious"), std::string::npos) << reason;
}

}  // namespace
}  // namespace ferry::agent
