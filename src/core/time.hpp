// Calendar dates and instants, passed into the core with every command.
//
// The core never reads a clock: the service stamps each command with the instant (Unix
// milliseconds, UTC) and the business date ("today" in the configured business time zone).
// Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace creditline {

using TimeMs = int64_t;  // Milliseconds since 1970-01-01T00:00:00Z.

inline constexpr int64_t kMsPerDay = 86'400'000;

struct Date {
  int32_t days = 0;  // Days since 1970-01-01.

  auto operator<=>(const Date&) const = default;
};

inline constexpr Date kNoDate{INT32_MIN};  // "Not set", e.g. no review date.
// The accepted calendar range keeps date arithmetic far from overflow.
inline constexpr int kYearMin = 1900;
inline constexpr int kYearMax = 9999;

// Howard Hinnant's days_from_civil.
constexpr Date DateFromCivil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date{era * 146097 + static_cast<int32_t>(doe) - 719468};
}
inline constexpr Date kDateMin = DateFromCivil(kYearMin, 1, 1);
inline constexpr Date kDateMax = DateFromCivil(kYearMax, 12, 31);
void CivilFromDate(Date date, int* year, unsigned* month, unsigned* day);

// "2026-11-22". Rejects impossible dates such as 2026-02-30.
Result<Date> ParseDate(std::string_view text);
std::string FormatDate(Date date);

// ISO 8601 instant: "2026-11-22T08:30:00Z", optional fraction and "+08:00" style offset.
Result<TimeMs> ParseTimestamp(std::string_view text);
std::string FormatTimestamp(TimeMs time);

// The calendar date of an instant at a fixed offset from UTC, in minutes.
Date DateOf(TimeMs time, int utc_offset_minutes);
inline int32_t DaysBetween(Date from, Date to) { return to.days - from.days; }
inline Date AddDays(Date date, int32_t days) { return Date{date.days + days}; }

}  // namespace creditline
