// The IDoc file port (sources.idoc_file) with real processes: files written
// into the port folder as SAP's file port writes them, IDoc-XML and flat,
// reach the CRM once, are archived only after their commit, are not taken
// half-written, and bad files land in the error folder with the reason
// without anything of them committed.

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "tests/integration/idoc_text.h"
#include "tests/integration/pipeline.h"
#include "tests/support/flat_idoc.h"
#include "tests/support/wait.h"

namespace ferry::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct PortFolders {
  std::filesystem::path port, archive, error;
};

PipelineOptions FilePortOptions(const std::filesystem::path& port, const std::string& extra = "",
                                const std::string& settle = "1s") {
  PipelineOptions o;
  o.sources_extra_yaml = "  idoc_file:\n    directory: " + port.string() + "\n    settle: " + settle +
                         "\n    poll_interval: 100ms\n    segment_catalog: " FERRY_FIXTURE_DIR "/idoc/catalog\n" +
                         extra;
  return o;
}

// Writes `content` under a temporary name and renames it into place: the
// test's own files appear complete at once, unless a test says otherwise.
void Drop(const std::filesystem::path& folder, const std::string& name, const std::string& content) {
  const auto tmp = folder / ("." + name + ".partial");
  std::ofstream(tmp, std::ios::binary) << content;
  std::filesystem::rename(tmp, folder / name);
}

// The DEBMAS07 fixture as flat file text for IDoc `docnum`, customer `kunnr`.
std::string FlatCustomer(uint64_t docnum, const std::string& kunnr, Framing framing = Framing::kFixed) {
  std::string xml = ReadFixture("debmas07_unmapped_country.xml");
  xml = ReplaceElement(ReplaceElement(xml, "DOCNUM", Docnum(docnum)), "KUNNR", kunnr);
  return FlatFromXml(xml, FixtureCatalog(), framing);
}

std::vector<std::string> FilesIn(const std::filesystem::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    if (e.is_regular_file()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(IdocFilePortTest, XmlAndFlatFilesReachTheCrmOnceAndAreArchived) {
  TempDir scratch;
  const PortFolders f{scratch.path() / "port", scratch.path() / "port" / "archive", scratch.path() / "port" / "error"};
  std::filesystem::create_directories(f.port);
  Pipeline p(FilePortOptions(f.port));
  p.StartAll();

  Drop(f.port, "O_100_0000000000700001.xml", CustomerIdocNumbered(700001, "0000700001"));
  Drop(f.port, "O_100_0000000000700002.idoc", FlatCustomer(700002, "0000700002"));
  Drop(f.port, "O_100_0000000000700003.idoc", FlatCustomer(700003, "0000700003", Framing::kCrlf));
  // One file of two IDocs, lines with their trailing blanks cut off.
  Drop(f.port, "O_100_packet.idoc",
       FlatCustomer(700004, "0000700004", Framing::kLfTrimmed) +
           FlatCustomer(700005, "0000700005", Framing::kLfTrimmed));
  Drop(f.port, "O_100_0000000000700006.xml", DebmasPacket({{Docnum(700006), "0000700006", "DE"}}));

  ASSERT_TRUE(p.sink().WaitForAccepted(6, seconds(30))) << "delivered: " << p.sink().AcceptedCount();
  ASSERT_TRUE(WaitUntil([&] { return FilesIn(f.port).empty(); }, seconds(10)));
  const auto deliveries = DeliveriesByDocnum(p.sink());
  for (uint64_t n = 700001; n <= 700006; ++n) {
    ASSERT_EQ(deliveries.count(Docnum(n)), 1u) << Docnum(n);
    EXPECT_EQ(deliveries.at(Docnum(n)).size(), 1u) << Docnum(n);
  }
  EXPECT_EQ(FilesIn(f.archive), (std::vector<std::string>{"O_100_0000000000700001.xml", "O_100_0000000000700002.idoc",
                                                          "O_100_0000000000700003.idoc", "O_100_0000000000700006.xml",
                                                          "O_100_packet.idoc"}));
  EXPECT_TRUE(FilesIn(f.error).empty());

  // A flat IDoc reaches the CRM as IDoc-XML with its fields cut from SDATA.
  bool seen_flat = false;
  for (const auto& r : p.sink().Requests()) {
    if (r.body.find("0000000000700002") == std::string::npos) continue;
    seen_flat = true;
    EXPECT_NE(r.body.find("\"source\":\"idoc_file\""), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("<KUNNR>0000700002</KUNNR>"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("<ORT01>Belfast</ORT01>"), std::string::npos) << r.body;
  }
  EXPECT_TRUE(seen_flat);

  // SAP writes the same IDoc again (a resend): committed before, not again.
  Drop(f.port, "O_100_0000000000700002.resend", FlatCustomer(700002, "0000700002"));
  ASSERT_TRUE(WaitUntil([&] { return FilesIn(f.port).empty(); }, seconds(10)));
  EXPECT_EQ(FilesIn(f.archive).size(), 6u);
  EXPECT_FALSE(p.sink().WaitForAccepted(7, milliseconds(1500)));
  EXPECT_EQ(DeliveriesByDocnum(p.sink()).at(Docnum(700002)).size(), 1u);
}

TEST(IdocFilePortTest, AFileStillBeingWrittenIsNotTakenHalfWritten) {
  TempDir scratch;
  const std::filesystem::path port = scratch.path() / "port";
  std::filesystem::create_directories(port);
  Pipeline p(FilePortOptions(port));
  p.StartAll();

  // Written in place, in pieces, with pauses shorter than `settle` (1 s):
  // a cut at a record boundary would even parse, with segments missing.
  const std::string file = FlatCustomer(710001, "0000710001", Framing::kLf);
  const size_t pieces = 6;
  {
    std::ofstream out(port / "O_100_slow.idoc", std::ios::binary);
    for (size_t i = 0; i < pieces; ++i) {
      out << file.substr(i * file.size() / pieces, (i + 1) * file.size() / pieces - i * file.size() / pieces);
      out.flush();
      if (i + 1 < pieces) std::this_thread::sleep_for(milliseconds(400));
    }
  }
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(20)));
  EXPECT_TRUE(FilesIn(port / "error").empty()) << ReadText(port / "error" / "O_100_slow.idoc.error");
  const std::string log = ReadText(p.agent().log_file());
  EXPECT_NE(log.find("event=idoc_file_settling source=idoc_file file=\"O_100_slow.idoc\""), std::string::npos);
  EXPECT_EQ(DeliveriesByDocnum(p.sink()).at(Docnum(710001)).size(), 1u);
  for (const auto& r : p.sink().Requests()) EXPECT_NE(r.body.find("<ORT01>Belfast</ORT01>"), std::string::npos);
}

TEST(IdocFilePortTest, MarkerModeTakesAFileOnlyOnceItsMarkerIsThere) {
  TempDir scratch;
  const std::filesystem::path port = scratch.path() / "port";
  std::filesystem::create_directories(port);
  Pipeline p(FilePortOptions(port, "    ready: marker\n    after: delete\n"));
  p.StartAll();
  std::ofstream(port / "O_100_720001.idoc", std::ios::binary) << FlatCustomer(720001, "0000720001");
  // Settled long past `settle`, but without its marker it is not complete.
  ASSERT_TRUE(WaitUntil(
      [&] {
        return ReadText(p.agent().log_file()).find("event=source_watching source=idoc_file") != std::string::npos;
      },
      seconds(10)));
  EXPECT_FALSE(p.sink().WaitForAccepted(1, milliseconds(2500)));
  std::ofstream(port / "O_100_720001.idoc.ok");
  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(20)));
  ASSERT_TRUE(WaitUntil([&] { return FilesIn(port).empty(); }, seconds(10)));  // file and marker deleted
  EXPECT_FALSE(std::filesystem::exists(port / "archive"));
}

TEST(IdocFilePortTest, BadFilesGoToTheErrorFolderWithTheReasonAndNothingOfThemIsCommitted) {
  TempDir scratch;
  const PortFolders f{scratch.path() / "port", scratch.path() / "port" / "archive", scratch.path() / "port" / "error"};
  std::filesystem::create_directories(f.port);
  Pipeline p(FilePortOptions(f.port));
  p.StartAll();

  const std::string good = FlatCustomer(730001, "0000730001");
  // A flat file cut in the middle of a record.
  Drop(f.port, "a_truncated.idoc", good.substr(0, good.size() - 10));
  // Two IDocs, the second with a segment the catalogue does not have: the
  // first must not be committed either.
  std::string second = FlatCustomer(730003, "0000730003", Framing::kLf);
  second.replace(second.find("E1KNA1M"), 7, "E1ZZZZZ");
  Drop(f.port, "b_half_bad.idoc", FlatCustomer(730002, "0000730002", Framing::kLf) + second);
  // Malformed XML.
  Drop(f.port, "c_broken.xml", "<?xml version=\"1.0\"?><DEBMAS05><IDOC BEGIN=\"1\">");
  // Then a good one: bad files do not hold up the port.
  Drop(f.port, "d_good.idoc", good);

  ASSERT_TRUE(p.sink().WaitForAccepted(1, seconds(30)));
  ASSERT_TRUE(WaitUntil([&] { return FilesIn(f.port).empty(); }, seconds(10))) << FilesIn(f.port).size();
  EXPECT_EQ(FilesIn(f.error),
            (std::vector<std::string>{"a_truncated.idoc", "a_truncated.idoc.error", "b_half_bad.idoc",
                                      "b_half_bad.idoc.error", "c_broken.xml", "c_broken.xml.error"}));
  EXPECT_NE(ReadText(f.error / "a_truncated.idoc.error")
                .find("the file ends 1053 characters into a 1063-character record: it is truncated"),
            std::string::npos)
      << ReadText(f.error / "a_truncated.idoc.error");
  EXPECT_NE(ReadText(f.error / "b_half_bad.idoc.error")
                .find("segment 'E1ZZZZZ' is not in the segment catalogue of IDoc type DEBMAS07"),
            std::string::npos);
  EXPECT_NE(ReadText(f.error / "c_broken.xml.error").find("XML error"), std::string::npos);
  EXPECT_EQ(FilesIn(f.archive), std::vector<std::string>{"d_good.idoc"});
  EXPECT_FALSE(p.sink().WaitForAccepted(2, milliseconds(1500)));
  const auto deliveries = DeliveriesByDocnum(p.sink());
  EXPECT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries.count(Docnum(730001)), 1u);
  EXPECT_EQ(p.AgentOutboxDepth(), 0u);
}

TEST(IdocFilePortTest, KillNineDuringPickupLosesAndDoublesNothing) {
  constexpr uint32_t kSeed = 0x5eed0013;
  constexpr int kFiles = 60;
  constexpr int kKills = 6;
  std::cout << "[ SEED     ] IdocFilePortTest kill delays: std::mt19937 seed " << kSeed << "\n";
  RecordProperty("seed", static_cast<int>(kSeed));
  std::mt19937 random(kSeed);

  TempDir scratch;
  const PortFolders f{scratch.path() / "port", scratch.path() / "port" / "archive", scratch.path() / "port" / "error"};
  std::filesystem::create_directories(f.port);
  Pipeline p(FilePortOptions(f.port, "", "0s"));
  p.StartAll();

  // SAP keeps writing while the agent is killed and restarted; whatever is
  // in the folder is committed once, and archived.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kFiles; ++i) {
      const uint64_t n = 740001 + i;
      Drop(f.port, "O_100_" + Docnum(n) + (i % 2 ? ".idoc" : ".xml"),
           i % 2 ? FlatCustomer(n, "00007" + std::to_string(40001 + i % 7))
                 : CustomerIdocNumbered(n, "00007" + std::to_string(40001 + i % 7)));
      std::this_thread::sleep_for(milliseconds(25));
    }
    done = true;
  });
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(50, 400)(random)));
    p.agent().Kill9();
    p.StartAgent();
  }
  writer.join();
  ASSERT_TRUE(done);
  ASSERT_TRUE(p.sink().WaitForAccepted(kFiles, seconds(60))) << "delivered " << p.sink().AcceptedCount();
  ASSERT_TRUE(WaitUntil([&] { return FilesIn(f.port).empty(); }, seconds(20))) << FilesIn(f.port).size();
  EXPECT_FALSE(p.sink().WaitForAccepted(kFiles + 1, milliseconds(1500)));
  const auto deliveries = DeliveriesByDocnum(p.sink());
  for (int i = 0; i < kFiles; ++i) {
    const std::string docnum = Docnum(740001 + i);
    ASSERT_EQ(deliveries.count(docnum), 1u) << "never delivered: " << docnum;
    EXPECT_EQ(deliveries.at(docnum).size(), 1u) << docnum << " delivered more than once";
  }
  EXPECT_EQ(FilesIn(f.archive).size(), static_cast<size_t>(kFiles));
  EXPECT_TRUE(FilesIn(f.error).empty());
}

}  // namespace
}  // namespace ferry::testing
