#include "common/log/log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <sstream>

namespace ferry::log {
namespace {

std::string LineFor(bool journald, spdlog::level::level_enum level, const std::string& docnum) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(MakeLineFormatter(journald));
  logger.log(level, "event=idoc_accepted docnum={} stored=1", docnum);
  logger.flush();
  return out.str();
}

TEST(LogTest, ValueWithNewlineAndPriorityPrefixStaysInsideItsLine) {
  // A DOCNUM that tries to start a line of its own at emergency priority.
  const std::string line = LineFor(true, spdlog::level::info, "42\n<0>event=forged");
  EXPECT_EQ(line, "<6>info test event=idoc_accepted docnum=42\\x0a<0>event=forged stored=1\n");
}

TEST(LogTest, ControlCharactersAndBrokenUtf8AreEscapedWithoutJournald) {
  const std::string line = LineFor(false, spdlog::level::warn, "4\r2\x1b[31m\xff");
  EXPECT_NE(line.find(" warning test event=idoc_accepted docnum=4\\x0d2\\x1b[31m\\xff stored=1\n"), std::string::npos)
      << line;
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

}  // namespace
}  // namespace ferry::log

namespace ferry::log {
namespace {

TEST(FirstOrPowerOfTwoTest, LogsTheFirstAndThenEveryPowerOfTwoOnly) {
  std::vector<uint64_t> logged;
  for (uint64_t n = 0; n <= 70; ++n) {
    if (FirstOrPowerOfTwo(n)) logged.push_back(n);
  }
  EXPECT_EQ(logged, (std::vector<uint64_t>{1, 2, 4, 8, 16, 32, 64}));
  EXPECT_TRUE(FirstOrPowerOfTwo(uint64_t{1} << 63));
}

}  // namespace
}  // namespace ferry::log
