// Tests for core/time: calendar dates, ISO 8601 instants and business dates at an offset.
#include "core/time.hpp"

#include <gtest/gtest.h>

#include <string>

namespace creditline {
namespace {

constexpr int kOffsetShanghaiMinutes = 8 * 60;

Date ParseValidDate(std::string_view text) {
  Result<Date> date = ParseDate(text);
  EXPECT_TRUE(date.ok()) << "'" << text << "': " << date.error().message;
  return date.ok() ? *date : kNoDate;
}

TimeMs ParseValidTimestamp(std::string_view text) {
  Result<TimeMs> time = ParseTimestamp(text);
  EXPECT_TRUE(time.ok()) << "'" << text << "': " << time.error().message;
  return time.ok() ? *time : INT64_MIN;
}

void ExpectInvalidDate(std::string_view text) {
  Result<Date> date = ParseDate(text);
  ASSERT_FALSE(date.ok()) << "'" << text << "' parsed as day " << date->days;
  EXPECT_EQ(date.error().code, ErrorCode::kInvalidDate);
}

void ExpectInvalidTimestamp(std::string_view text) {
  Result<TimeMs> time = ParseTimestamp(text);
  ASSERT_FALSE(time.ok()) << "'" << text << "' parsed as " << *time;
  EXPECT_EQ(time.error().code, ErrorCode::kInvalidDate);
}

TEST(ParseDateTest, KnownDays) {
  EXPECT_EQ(ParseValidDate("1970-01-01").days, 0);
  EXPECT_EQ(ParseValidDate("1970-01-02").days, 1);
  EXPECT_EQ(ParseValidDate("1969-12-31").days, -1);
  EXPECT_EQ(ParseValidDate("2000-01-01").days, 10957);
  EXPECT_EQ(ParseValidDate("2026-03-10").days, 20522);
  EXPECT_EQ(ParseValidDate("1900-01-01").days, -25567);
  EXPECT_EQ(ParseValidDate("9999-12-31").days, 2932896);
}

TEST(ParseDateTest, LeapYears) {
  ExpectInvalidDate("2026-02-29");
  EXPECT_EQ(ParseValidDate("2024-02-29").days, ParseValidDate("2024-02-28").days + 1);
  EXPECT_EQ(ParseValidDate("2024-03-01").days, ParseValidDate("2024-02-29").days + 1);
  EXPECT_EQ(ParseValidDate("2000-02-29").days, ParseValidDate("2000-03-01").days - 1);
  ExpectInvalidDate("1900-02-29");  // Divisible by 100, not by 400.
  ExpectInvalidDate("2100-02-29");
  ExpectInvalidDate("2024-02-30");
}

TEST(ParseDateTest, RefusesImpossibleDays) {
  for (std::string_view text : {"2026-04-31", "2026-06-31", "2026-09-31", "2026-11-31",
                                "2026-01-32", "2026-01-00", "2026-00-10", "2026-13-01"}) {
    SCOPED_TRACE(std::string(text));
    ExpectInvalidDate(text);
  }
  EXPECT_EQ(ParseValidDate("2026-12-31").days + 1, ParseValidDate("2027-01-01").days);
}

TEST(ParseDateTest, RefusesBadFormats) {
  for (std::string_view text :
       {"", "2026-1-01", "2026-01-1", "2026/01/01", "20260101", "2026-01-01 ", " 2026-01-01",
        "2026-01-01T00:00:00Z", "26-01-01", "2026-Jan-01", "2026-0a-01", "202a-01-01", "+026-01-01",
        "-001-01-01", "2026--1-01", "2026-01-+1", "2026_01_01"}) {
    SCOPED_TRACE(std::string(text));
    ExpectInvalidDate(text);
  }
}

TEST(ParseDateTest, RefusesYearsOutOfRange) {
  ExpectInvalidDate("1899-12-31");
  ExpectInvalidDate("0000-01-01");
  ExpectInvalidDate("0001-01-01");
  ExpectInvalidDate("10000-01-01");
  EXPECT_EQ(FormatDate(ParseValidDate("1900-01-01")), "1900-01-01");
  EXPECT_EQ(FormatDate(ParseValidDate("9999-12-31")), "9999-12-31");
}

TEST(FormatDateTest, RoundTripsEveryDayInTheAcceptedRange) {
  const Date first = DateFromCivil(kYearMin, 1, 1);
  const Date last = DateFromCivil(kYearMax, 12, 31);
  std::string previous;
  int failures = 0;
  for (Date date = first; date <= last && failures < 10; date = AddDays(date, 1)) {
    std::string text = FormatDate(date);
    Result<Date> parsed = ParseDate(text);
    if (!parsed.ok() || *parsed != date || text <= previous) {
      ADD_FAILURE() << "day " << date.days << " formats as '" << text << "' after '" << previous
                    << "'";
      ++failures;
    }
    previous = std::move(text);
  }
  EXPECT_EQ(previous, "9999-12-31");
}

TEST(FormatDateTest, CivilConversionsAgree) {
  for (int32_t days : {-25567, -1, 0, 1, 10957, 20522, 2932896}) {
    int year = 0;
    unsigned month = 0, day = 0;
    CivilFromDate(Date{days}, &year, &month, &day);
    EXPECT_EQ(DateFromCivil(year, month, day).days, days);
  }
  EXPECT_EQ(FormatDate(Date{-1}), "1969-12-31");
  EXPECT_EQ(FormatDate(Date{20522}), "2026-03-10");
}

TEST(FormatDateTest, NoDateFormatsAsEmpty) { EXPECT_EQ(FormatDate(kNoDate), ""); }

TEST(DateArithmeticTest, AddDaysAndDaysBetween) {
  Date start = ParseValidDate("2026-02-27");
  EXPECT_EQ(FormatDate(AddDays(start, 2)), "2026-03-01");
  EXPECT_EQ(FormatDate(AddDays(start, -58)), "2025-12-31");
  EXPECT_EQ(DaysBetween(start, ParseValidDate("2026-03-01")), 2);
  EXPECT_EQ(DaysBetween(ParseValidDate("2026-03-01"), start), -2);
  EXPECT_LT(start, AddDays(start, 1));
}

TEST(ParseTimestampTest, UtcInstants) {
  EXPECT_EQ(ParseValidTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseValidTimestamp("1970-01-01T00:00:01Z"), 1000);
  EXPECT_EQ(ParseValidTimestamp("1970-01-02T00:00:00Z"), kMsPerDay);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:15Z"),
            int64_t{20522} * kMsPerDay + (8 * 3600 + 30 * 60 + 15) * 1000);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10 08:30:15Z"),
            ParseValidTimestamp("2026-03-10T08:30:15Z"));
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T23:59:59Z") + 1000,
            ParseValidTimestamp("2026-03-11T00:00:00Z"));
}

TEST(ParseTimestampTest, OffsetsNameTheSameInstant) {
  TimeMs utc = ParseValidTimestamp("2026-03-10T08:30:00Z");
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T16:30:00+08:00"), utc);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T03:30:00-05:00"), utc);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T14:00:00+05:30"), utc);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:00+00:00"), utc);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:00-00:00"), utc);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T22:30:00+14:00"), utc);
  // An offset can move the instant to another UTC day.
  EXPECT_EQ(ParseValidTimestamp("2026-03-11T02:00:00+08:00"),
            ParseValidTimestamp("2026-03-10T18:00:00Z"));
}

TEST(ParseTimestampTest, Fractions) {
  TimeMs base = ParseValidTimestamp("2026-03-10T08:30:00Z");
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:00.5Z"), base + 500);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:00.05Z"), base + 50);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:00.123Z"), base + 123);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:00.000Z"), base);
  // Digits past milliseconds are truncated, never rounded into the next millisecond.
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T08:30:00.123999Z"), base + 123);
  EXPECT_EQ(ParseValidTimestamp("2026-03-10T16:30:00.250+08:00"), base + 250);
}

TEST(ParseTimestampTest, RefusesMalformedInstants) {
  for (std::string_view text : {"",
                                "2026-03-10",
                                "2026-03-10T08:30:00",
                                "2026-03-10T08:30Z",
                                "2026-03-10T08:30:00z",
                                "2026-03-10X08:30:00Z",
                                "2026-03-10T24:00:00Z",
                                "2026-03-10T23:60:00Z",
                                "2026-03-10T23:59:60Z",
                                "2026-03-10T8:30:00Z0",
                                "2026-03-10T08-30-00Z",
                                "2026-03-10T08:30:00.Z",
                                "2026-03-10T08:30:00.12aZ",
                                "2026-03-10T08:30:00+08",
                                "2026-03-10T08:30:00+0800",
                                "2026-03-10T08:30:00+15:00",
                                "2026-03-10T08:30:00+08:60",
                                "2026-03-10T08:30:00+08:00Z",
                                "2026-03-10T08:30:00Z ",
                                "2026-03-10T08:30:00 +08:00",
                                "2026-02-29T08:30:00Z",
                                "1899-12-31T23:59:59Z",
                                "2026-03-10T08:30:00UTC"}) {
    SCOPED_TRACE(std::string(text));
    ExpectInvalidTimestamp(text);
  }
}

TEST(ParseTimestampTest, NegativeTimesBefore1970) {
  EXPECT_EQ(ParseValidTimestamp("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(ParseValidTimestamp("1969-12-31T00:00:00Z"), -kMsPerDay);
  EXPECT_EQ(ParseValidTimestamp("1970-01-01T07:59:59+08:00"), -1000);
  EXPECT_EQ(ParseValidTimestamp("1900-01-01T00:00:00Z"), int64_t{-25567} * kMsPerDay);
}

TEST(FormatTimestampTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(-kMsPerDay), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(-kMsPerDay - 1), "1969-12-30T23:59:59.999Z");
  EXPECT_EQ(FormatTimestamp(ParseValidTimestamp("2026-03-10T16:30:00.250+08:00")),
            "2026-03-10T08:30:00.250Z");
}

TEST(FormatTimestampTest, RoundTripsThroughParse) {
  for (TimeMs time : {TimeMs{0}, TimeMs{-1}, TimeMs{1}, TimeMs{-kMsPerDay}, TimeMs{-kMsPerDay + 1},
                      TimeMs{1773131415926}, TimeMs{-2208988800000}, TimeMs{253402300799999}}) {
    EXPECT_EQ(ParseValidTimestamp(FormatTimestamp(time)), time) << FormatTimestamp(time);
  }
}

TEST(DateOfTest, BusinessDateAtPlusEightAroundMidnight) {
  // Midnight in Shanghai is 16:00 UTC the day before.
  TimeMs midnight = ParseValidTimestamp("2026-03-10T16:00:00Z");
  EXPECT_EQ(FormatDate(DateOf(midnight - 1, kOffsetShanghaiMinutes)), "2026-03-10");
  EXPECT_EQ(FormatDate(DateOf(midnight, kOffsetShanghaiMinutes)), "2026-03-11");
  EXPECT_EQ(FormatDate(DateOf(midnight + 1, kOffsetShanghaiMinutes)), "2026-03-11");
  EXPECT_EQ(FormatDate(DateOf(midnight - 1, 0)), "2026-03-10");
  EXPECT_EQ(FormatDate(DateOf(midnight, 0)), "2026-03-10");
  EXPECT_EQ(DateOf(ParseValidTimestamp("2026-03-11T00:00:00+08:00"), kOffsetShanghaiMinutes),
            ParseValidDate("2026-03-11"));
}

TEST(DateOfTest, NegativeOffsetsAndNegativeTimes) {
  TimeMs utc_midnight = ParseValidTimestamp("2026-03-11T00:00:00Z");
  EXPECT_EQ(FormatDate(DateOf(utc_midnight, -5 * 60)), "2026-03-10");
  EXPECT_EQ(FormatDate(DateOf(utc_midnight + 5 * 3600 * 1000, -5 * 60)), "2026-03-11");
  EXPECT_EQ(DateOf(-1, 0).days, -1);
  EXPECT_EQ(DateOf(-kMsPerDay, 0).days, -1);
  EXPECT_EQ(DateOf(-kMsPerDay - 1, 0).days, -2);
  EXPECT_EQ(DateOf(0, -1).days, -1);
  EXPECT_EQ(DateOf(-1, 1).days, 0);
  EXPECT_EQ(FormatDate(DateOf(ParseValidTimestamp("1969-12-31T16:00:00Z"), kOffsetShanghaiMinutes)),
            "1970-01-01");
}

}  // namespace
}  // namespace creditline
