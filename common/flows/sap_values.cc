#include "common/flows/sap_values.h"

#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>

// Debian's libdate-tz is built to read the system zoneinfo. Compiling this
// header without USE_OS_TZDB=1 gives time_zone and tzdb a different layout
// from the library's and fails only at run time (the CMake target
// date::date-tz sets the define), so refuse to build that way.
#if !USE_OS_TZDB
#error "<date/tz.h> must be included with USE_OS_TZDB=1 (link date::date-tz)"
#endif

namespace ferry::flows::sap {
namespace {

bool AllDigits(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool Blank(std::string_view v) { return v.find_first_not_of(' ') == std::string_view::npos; }

// Value of the all-digit slice v[pos, pos+len).
int Digits(std::string_view v, size_t pos, size_t len) {
  int n = 0;
  for (size_t i = pos; i < pos + len; ++i) n = n * 10 + (v[i] - '0');
  return n;
}

Status NotADate(std::string_view v) {
  return Status::InvalidArgument("not an SAP date (YYYYMMDD): '" + std::string(v) + "'");
}

Status NotATime(std::string_view v) {
  return Status::InvalidArgument("not an SAP time (HHMMSS): '" + std::string(v) + "'");
}

// nullopt for blank and SAP's initial date; an error for anything impossible.
Result<std::optional<date::year_month_day>> ParseDate(std::string_view v) {
  if (Blank(v) || v == "00000000") return std::optional<date::year_month_day>();
  if (v.size() != 8 || !AllDigits(v)) return NotADate(v);
  date::year_month_day ymd{date::year{Digits(v, 0, 4)}, date::month{unsigned(Digits(v, 4, 2))},
                           date::day{unsigned(Digits(v, 6, 2))}};
  // Year 0 is not a date in SAP (or in ISO 8601 without an agreement).
  if (!ymd.ok() || ymd.year() == date::year{0}) return NotADate(v);
  return std::optional<date::year_month_day>(ymd);
}

// Seconds since midnight; nullopt for blank.
Result<std::optional<int>> ParseTime(std::string_view v) {
  if (Blank(v)) return std::optional<int>();
  if (v.size() != 6 || !AllDigits(v)) return NotATime(v);
  int h = Digits(v, 0, 2);
  int m = Digits(v, 2, 2);
  int s = Digits(v, 4, 2);
  if (h > 23 || m > 59 || s > 59) return NotATime(v);
  return std::optional<int>(h * 3600 + m * 60 + s);
}

std::string FormatDate(const date::year_month_day& ymd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
  return buf;
}

std::string FormatTime(long seconds) {
  char buf[32];  // room for any long: no -Wformat-truncation
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return buf;
}

std::string FormatOffset(std::chrono::seconds offset) {
  long s = offset.count();
  char sign = s < 0 ? '-' : '+';
  if (s < 0) s = -s;
  char buf[32];
  if (s % 60 == 0) {
    std::snprintf(buf, sizeof buf, "%c%02ld:%02ld", sign, s / 3600, s / 60 % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%c%02ld:%02ld:%02ld", sign, s / 3600, s / 60 % 60, s % 60);
  }
  return buf;
}

}  // namespace

std::string StripZeros(std::string_view v) {
  if (!AllDigits(v)) return std::string(v);
  size_t first = v.find_first_not_of('0');
  return first == std::string_view::npos ? "0" : std::string(v.substr(first));
}

std::string PadZeros(std::string_view v, size_t n) {
  if (!AllDigits(v) || v.size() >= n) return std::string(v);
  return std::string(n - v.size(), '0') + std::string(v);
}

Result<std::optional<std::string>> Date(std::string_view yyyymmdd) {
  if (yyyymmdd.starts_with("/Date(") && yyyymmdd.ends_with(")/")) {
    const std::string_view inner = yyyymmdd.substr(6, yyyymmdd.size() - 8);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), ms);
    const std::string_view rest(end, static_cast<size_t>(inner.data() + inner.size() - end));
    const bool offset_ok = rest.empty() || (rest.size() == 5 && (rest[0] == '+' || rest[0] == '-') &&
                                            std::all_of(rest.begin() + 1, rest.end(), ::isdigit));
    // 1900-01-01 to 9999-12-31: no overflow in the calendar arithmetic.
    if (ec != std::errc() || !offset_ok || ms < -2'208'988'800'000 || ms > 253'402'300'799'999) {
      return Status::InvalidArgument("not an OData date (/Date(ms)/): '" + std::string(yyyymmdd.substr(0, 40)) + "'");
    }
    const auto day = date::floor<date::days>(date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
    return std::optional<std::string>(FormatDate(date::year_month_day(day)));
  }
  auto ymd = ParseDate(yyyymmdd);
  if (!ymd.ok()) return ymd.status();
  if (!*ymd) return std::optional<std::string>();
  return std::optional<std::string>(FormatDate(**ymd));
}

Result<std::optional<std::string>> Time(std::string_view hhmmss) {
  auto t = ParseTime(hhmmss);
  if (!t.ok()) return t.status();
  if (!*t) return std::optional<std::string>();
  return std::optional<std::string>(FormatTime(**t));
}

Result<std::optional<std::string>> DateTime(std::string_view date, std::string_view time, const date::time_zone* zone) {
  auto ymd = ParseDate(date);
  if (!ymd.ok()) return ymd.status();
  auto t = ParseTime(time);
  if (!t.ok()) return t.status();
  if (!*ymd) return std::optional<std::string>();

  date::local_seconds local = date::local_days{**ymd} + std::chrono::seconds{t->value_or(0)};
  std::chrono::seconds offset{0};
  if (zone != nullptr) {
    try {
      date::local_info info = zone->get_info(local);
      switch (info.result) {
        case date::local_info::unique:
        case date::local_info::ambiguous:  // first is the earlier instant
          offset = info.first.offset;
          break;
        case date::local_info::nonexistent:
          // The instant the wall clock would show had it not jumped, written
          // in the offset in force after the jump (see the header).
          local += info.second.offset - info.first.offset;
          offset = info.second.offset;
          break;
      }
    } catch (const std::exception& e) {
      return Status::Internal("time zone " + zone->name() + ": " + e.what());
    }
  }

  date::local_days day = date::floor<date::days>(local);
  return std::optional<std::string>(FormatDate(date::year_month_day{day}) + "T" + FormatTime((local - day).count()) +
                                    FormatOffset(offset));
}

Result<bool> Flag(std::optional<std::string_view> v) {
  if (!v || Blank(*v)) return false;
  if (*v == "X") return true;
  return Status::InvalidArgument("not an SAP flag (X or blank): '" + std::string(*v) + "'");
}

Result<const date::time_zone*> FindZone(std::string_view name) {
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception&) {  // std::runtime_error "... not found ..."
    return Status::InvalidArgument("unknown time zone '" + std::string(name) + "'");
  }
  try {
    // get_info loads the zone's file on first use; do it now (see the header).
    zone->get_info(date::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  } catch (const std::exception& e) {
    return Status::Internal("time zone '" + std::string(name) + "' cannot be loaded: " + e.what());
  }
  return zone;
}

}  // namespace ferry::flows::sap
