#include "common/flows/sap_values.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace ferry::flows::sap {
namespace {

// The value as text, "null" for nullopt, or the error message.
std::string Str(const Result<std::optional<std::string>>& r) {
  if (!r.ok()) return "error: " + r.status().message();
  return r->value_or("null");
}

const date::time_zone* Zone(std::string_view name) {
  auto zone = FindZone(name);
  EXPECT_TRUE(zone.ok()) << zone.status().message();
  return zone.ok() ? *zone : nullptr;
}

TEST(SapValuesTest, StripZeros) {
  EXPECT_EQ(StripZeros("0000100001"), "100001");
  EXPECT_EQ(StripZeros("000"), "0");
  EXPECT_EQ(StripZeros("0"), "0");
  EXPECT_EQ(StripZeros("123"), "123");
  EXPECT_EQ(StripZeros("00A1"), "00A1");
  EXPECT_EQ(StripZeros(" 01"), " 01");
  EXPECT_EQ(StripZeros(""), "");
}

TEST(SapValuesTest, PadZeros) {
  EXPECT_EQ(PadZeros("123", 10), "0000000123");
  EXPECT_EQ(PadZeros("007", 3), "007");
  EXPECT_EQ(PadZeros("12345", 3), "12345");
  EXPECT_EQ(PadZeros("A1", 5), "A1");
  EXPECT_EQ(PadZeros("", 3), "");
}

TEST(SapValuesTest, Date) {
  EXPECT_EQ(Str(Date("20250312")), "2025-03-12");
  // OData V2 Edm.DateTime, as S/4's APIs send dates.
  EXPECT_EQ(Str(Date("/Date(1741737600000)/")), "2025-03-12");
  EXPECT_EQ(Str(Date("/Date(1741823999999+0000)/")), "2025-03-12");
  EXPECT_FALSE(Date("/Date(9223372036854775807)/").ok());
  EXPECT_FALSE(Date("/Date(12x)/").ok());
  EXPECT_EQ(Str(Date("20240229")), "2024-02-29");
  EXPECT_EQ(Str(Date("99991231")), "9999-12-31");
  EXPECT_EQ(Str(Date("00010101")), "0001-01-01");
  EXPECT_EQ(Str(Date("")), "null");
  EXPECT_EQ(Str(Date("        ")), "null");
  EXPECT_EQ(Str(Date("00000000")), "null");
}

TEST(SapValuesTest, DateRejectsImpossibleDates) {
  auto r = Date("2025023");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "not an SAP date (YYYYMMDD): '2025023'");
  for (const char* bad : {"20250230", "20230229", "20251301", "20250001", "20250100", "00000101", "2025031a",
                          "2025-03-12", "202503120", " 20250312"}) {
    EXPECT_EQ(Str(Date(bad)), std::string("error: not an SAP date (YYYYMMDD): '") + bad + "'");
  }
}

TEST(SapValuesTest, Time) {
  EXPECT_EQ(Str(Time("091504")), "09:15:04");
  EXPECT_EQ(Str(Time("000000")), "00:00:00");
  EXPECT_EQ(Str(Time("235959")), "23:59:59");
  EXPECT_EQ(Str(Time("")), "null");
  EXPECT_EQ(Str(Time("      ")), "null");
  for (const char* bad : {"240000", "236000", "235960", "0915", "09150a", "09:15:04"}) {
    EXPECT_EQ(Str(Time(bad)), std::string("error: not an SAP time (HHMMSS): '") + bad + "'");
  }
}

TEST(SapValuesTest, DateTimeInBerlinWinterAndSummer) {
  const date::time_zone* berlin = Zone("Europe/Berlin");
  EXPECT_EQ(Str(DateTime("20250312", "091504", berlin)), "2025-03-12T09:15:04+01:00");
  EXPECT_EQ(Str(DateTime("20250701", "100000", berlin)), "2025-07-01T10:00:00+02:00");
  EXPECT_EQ(Str(DateTime("20250312", "", berlin)), "2025-03-12T00:00:00+01:00");
  EXPECT_EQ(Str(DateTime("20250312", "      ", berlin)), "2025-03-12T00:00:00+01:00");
  EXPECT_EQ(Str(DateTime("", "091504", berlin)), "null");
  EXPECT_EQ(Str(DateTime("00000000", "091504", berlin)), "null");
}

TEST(SapValuesTest, DateTimeInOtherZones) {
  EXPECT_EQ(Str(DateTime("20250701", "100000", Zone("UTC"))), "2025-07-01T10:00:00+00:00");
  EXPECT_EQ(Str(DateTime("20250701", "100000", nullptr)), "2025-07-01T10:00:00+00:00");
  EXPECT_EQ(Str(DateTime("20250115", "120000", Zone("America/New_York"))), "2025-01-15T12:00:00-05:00");
  EXPECT_EQ(Str(DateTime("20250115", "120000", Zone("Asia/Kolkata"))), "2025-01-15T12:00:00+05:30");
  EXPECT_EQ(Str(DateTime("99991231", "235959", Zone("Pacific/Kiritimati"))), "9999-12-31T23:59:59+14:00");
}

TEST(SapValuesTest, DateTimeInDstGapMovesForward) {
  const date::time_zone* berlin = Zone("Europe/Berlin");
  EXPECT_EQ(Str(DateTime("20250330", "023000", berlin)), "2025-03-30T03:30:00+02:00");
  EXPECT_EQ(Str(DateTime("20250330", "020000", berlin)), "2025-03-30T03:00:00+02:00");
  EXPECT_EQ(Str(DateTime("20250330", "015959", berlin)), "2025-03-30T01:59:59+01:00");
}

TEST(SapValuesTest, DateTimeInDstFoldTakesEarlierInstant) {
  const date::time_zone* berlin = Zone("Europe/Berlin");
  EXPECT_EQ(Str(DateTime("20251026", "023000", berlin)), "2025-10-26T02:30:00+02:00");
  EXPECT_EQ(Str(DateTime("20251026", "020000", berlin)), "2025-10-26T02:00:00+02:00");
  EXPECT_EQ(Str(DateTime("20251026", "030000", berlin)), "2025-10-26T03:00:00+01:00");
}

TEST(SapValuesTest, DateTimeReportsBadParts) {
  const date::time_zone* berlin = Zone("Europe/Berlin");
  EXPECT_EQ(Str(DateTime("20250230", "091504", berlin)), "error: not an SAP date (YYYYMMDD): '20250230'");
  EXPECT_EQ(Str(DateTime("20250312", "250000", berlin)), "error: not an SAP time (HHMMSS): '250000'");
}

TEST(SapValuesTest, Flag) {
  EXPECT_TRUE(*Flag("X"));
  EXPECT_FALSE(*Flag(std::nullopt));
  EXPECT_FALSE(*Flag(""));
  EXPECT_FALSE(*Flag(" "));
  auto r = Flag("Y");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "not an SAP flag (X or blank): 'Y'");
  EXPECT_FALSE(Flag("x").ok());
  EXPECT_FALSE(Flag("XX").ok());
}

TEST(SapValuesTest, FindZone) {
  EXPECT_NE(Zone("Europe/Berlin"), nullptr);
  EXPECT_EQ(Zone("Europe/Berlin"), Zone("Europe/Berlin"));
  auto r = FindZone("Europe/Berln");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "unknown time zone 'Europe/Berln'");
  EXPECT_FALSE(FindZone("").ok());
}

TEST(SapValuesTest, FindZoneAndDateTimeFromSeveralThreads) {
  // Zones not used by other tests, so their data is loaded concurrently here.
  const char* zones[] = {"Australia/Sydney", "America/Sao_Paulo", "Africa/Cairo", "Asia/Tokyo"};
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 20; ++n) {
        auto zone = FindZone(zones[i % 4]);
        results[i] = zone.ok() ? Str(DateTime("20250115", "120000", *zone)) : zone.status().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i], results[i % 4]) << zones[i % 4];
  EXPECT_EQ(results[0], "2025-01-15T12:00:00+11:00");
  EXPECT_EQ(results[3], "2025-01-15T12:00:00+09:00");
}

}  // namespace
}  // namespace ferry::flows::sap
