#include "core/time.hpp"

#include <cstdio>

namespace creditline {
namespace {

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `count` digits at `pos`; -1 when they are not all digits.
int ReadDigits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

Error InvalidDate(std::string_view text, std::string_view expected) {
  return MakeError(ErrorCode::kInvalidDate, "invalid date '" + std::string(text.substr(0, 40)) +
                                                "': expected " + std::string(expected));
}

}  // namespace

void CivilFromDate(Date date, int* year, unsigned* month, unsigned* day) {
  const int z = date.days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(yoe) + era * 400 + (*month <= 2);
}

Result<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return InvalidDate(text, "YYYY-MM-DD");
  }
  int year = ReadDigits(text, 0, 4);
  int month = ReadDigits(text, 5, 2);
  int day = ReadDigits(text, 8, 2);
  if (year < kYearMin || year > kYearMax || month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > DaysInMonth(year, month)) {
    return InvalidDate(text, "a calendar date between 1900-01-01 and 9999-12-31");
  }
  return DateFromCivil(year, month, day);
}

std::string FormatDate(Date date) {
  if (date == kNoDate) return "";
  int year = 0;
  unsigned month = 0, day = 0;
  CivilFromDate(date, &year, &month, &day);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", year, month, day);
  return buffer;
}

Result<TimeMs> ParseTimestamp(std::string_view text) {
  constexpr std::string_view kExpected = "YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm)";
  if (text.size() < 20 || (text[10] != 'T' && text[10] != ' ')) {
    return InvalidDate(text, kExpected);
  }
  CL_ASSIGN_OR_RETURN(Date date, ParseDate(text.substr(0, 10)));
  int hour = ReadDigits(text, 11, 2), minute = ReadDigits(text, 14, 2);
  int second = ReadDigits(text, 17, 2);
  if (text[13] != ':' || text[16] != ':' || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
      second < 0 || second > 59) {
    return InvalidDate(text, kExpected);
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    int digits = 0;
    for (++pos; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits) {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
    }
    if (digits == 0) return InvalidDate(text, kExpected);
    for (; digits < 3; ++digits) millis *= 10;
  }
  int offset_minutes = 0;
  std::string_view zone = text.substr(pos);
  if (zone == "Z") {
    offset_minutes = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int offset_hours = ReadDigits(zone, 1, 2), offset_mins = ReadDigits(zone, 4, 2);
    if (offset_hours < 0 || offset_hours > 14 || offset_mins < 0 || offset_mins > 59) {
      return InvalidDate(text, kExpected);
    }
    offset_minutes = (offset_hours * 60 + offset_mins) * (zone[0] == '-' ? -1 : 1);
  } else {
    return InvalidDate(text, kExpected);
  }
  int64_t seconds = int64_t{date.days} * 86400 + hour * 3600 + minute * 60 + second;
  return (seconds - int64_t{offset_minutes} * 60) * 1000 + millis;
}

std::string FormatTimestamp(TimeMs time) {
  int64_t days = time >= 0 ? time / kMsPerDay : -((-time + kMsPerDay - 1) / kMsPerDay);
  int64_t in_day = time - days * kMsPerDay;
  std::string date = FormatDate(Date{static_cast<int32_t>(days)});
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "T%02d:%02d:%02d.%03dZ", static_cast<int>(in_day / 3600000),
                static_cast<int>(in_day / 60000 % 60), static_cast<int>(in_day / 1000 % 60),
                static_cast<int>(in_day % 1000));
  return date + buffer;
}

Date DateOf(TimeMs time, int utc_offset_minutes) {
  int64_t local = time + int64_t{utc_offset_minutes} * 60000;
  int64_t days = local >= 0 ? local / kMsPerDay : -((-local + kMsPerDay - 1) / kMsPerDay);
  return Date{static_cast<int32_t>(days)};
}

}  // namespace creditline
