// Tests for core/fx: exact rate parsing, conversion, rounding and effective dates.
#include "core/fx.hpp"

#include <gtest/gtest.h>

#include <string>

namespace creditline {
namespace {

Currency Cny() { return Currency::Of("CNY"); }
Currency Usd() { return Currency::Of("USD"); }
Currency Jpy() { return Currency::Of("JPY"); }
Currency Kwd() { return Currency::Of("KWD"); }

Date Day(std::string_view text) {
  Result<Date> date = ParseDate(text);
  EXPECT_TRUE(date.ok()) << text;
  return date.ok() ? *date : kNoDate;
}

int64_t Rate(std::string_view text) {
  Result<int64_t> rate = ParseFxRate(text);
  EXPECT_TRUE(rate.ok()) << "'" << text << "': " << rate.error().message;
  return rate.ok() ? *rate : 0;
}

class FxTableTest : public ::testing::Test {
 protected:
  void SetRate(Currency from, Currency to, std::string_view rate, std::string_view on) {
    table_.Set(from, to, Day(on), Rate(rate));
  }

  // Converts and returns the minor units; the conversion must succeed.
  int64_t Convert(int64_t minor, Currency from, Currency to, std::string_view on = "2026-03-10") {
    Result<Money> money = table_.Convert(Money{minor, from}, to, Day(on));
    EXPECT_TRUE(money.ok()) << money.error().message;
    if (!money.ok()) return INT64_MIN;
    EXPECT_EQ(money->currency, to);
    return money->minor;
  }

  ErrorCode ConvertError(int64_t minor, Currency from, Currency to,
                         std::string_view on = "2026-03-10") {
    Result<Money> money = table_.Convert(Money{minor, from}, to, Day(on));
    EXPECT_FALSE(money.ok()) << "converted to " << money->minor;
    return money.ok() ? ErrorCode::kInvalidArgument : money.error().code;
  }

  FxTable table_;
};

TEST(ParseFxRateTest, ParsesExactScaledRates) {
  EXPECT_EQ(Rate("7.1234"), 71'234'000'000);
  EXPECT_EQ(Rate("1"), kFxRateScale);
  EXPECT_EQ(Rate("1.0"), kFxRateScale);
  EXPECT_EQ(Rate("0.5"), kFxRateScale / 2);
  EXPECT_EQ(Rate("0.0000000001"), 1);
  EXPECT_EQ(Rate("150.1234567891"), 1'501'234'567'891);
  EXPECT_EQ(Rate("0000001"), kFxRateScale);
  EXPECT_EQ(Rate("1000000"), kFxRateScaledMax);
}

TEST(ParseFxRateTest, RefusesNonPositiveAndMalformedRates) {
  for (std::string_view text : {"",
                                "0",
                                "0.0",
                                "0.00000000000",
                                "-1",
                                "-0.5",
                                "+1",
                                ".",
                                "1.",
                                ".5",
                                "abc",
                                "1e3",
                                "1,5",
                                " 1",
                                "1 ",
                                "7.12345678901",
                                "0.00000000001",
                                "12345678",
                                "1000000.0000000001",
                                "9999999",
                                "1.2.3",
                                "0x10"}) {
    SCOPED_TRACE(std::string(text));
    Result<int64_t> rate = ParseFxRate(text);
    ASSERT_FALSE(rate.ok()) << "parsed as " << *rate;
    EXPECT_EQ(rate.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(rate.error().field, "rate");
  }
}

TEST(ParseFxRateTest, FormatRoundTrips) {
  EXPECT_EQ(FormatFxRate(71'234'000'000), "7.1234");
  EXPECT_EQ(FormatFxRate(kFxRateScale), "1.0");
  EXPECT_EQ(FormatFxRate(1), "0.0000000001");
  for (std::string_view text : {"7.1234", "0.0000000001", "150.1234567891", "1000000.0"}) {
    EXPECT_EQ(FormatFxRate(Rate(text)), text);
  }
}

TEST_F(FxTableTest, SameCurrencyIsTheIdentityWithoutARate) {
  EXPECT_EQ(Convert(12345, Cny(), Cny()), 12345);
  EXPECT_EQ(Convert(-7, Jpy(), Jpy()), -7);
}

TEST_F(FxTableTest, ConvertsUsdToCnyAndBackThroughTheInversePair) {
  SetRate(Usd(), Cny(), "7.1234", "2026-01-01");
  EXPECT_EQ(Convert(10000, Usd(), Cny()), 71234);  // USD 100.00 -> CNY 712.34.
  EXPECT_EQ(Convert(1, Usd(), Cny()), 7);          // USD 0.01 -> CNY 0.071234 -> 0.07.
  EXPECT_EQ(Convert(71234, Cny(), Usd()), 10000);  // Inverse: CNY 712.34 -> USD 100.00.
  EXPECT_EQ(Convert(100, Cny(), Usd()), 14);       // CNY 1.00 -> USD 0.14038...
  EXPECT_EQ(Convert(1, Cny(), Usd()), 0);          // CNY 0.01 -> USD 0.0014 -> 0.
  EXPECT_EQ(Convert(-10000, Usd(), Cny()), -71234);
  EXPECT_EQ(Convert(-71234, Cny(), Usd()), -10000);
}

TEST_F(FxTableTest, ExponentDifferences) {
  SetRate(Usd(), Jpy(), "150.5", "2026-01-01");
  EXPECT_EQ(Convert(100, Usd(), Jpy()), 151);  // USD 1.00 -> JPY 150.5 -> 151.
  EXPECT_EQ(Convert(200, Usd(), Jpy()), 301);
  EXPECT_EQ(Convert(1, Usd(), Jpy()), 2);  // USD 0.01 -> JPY 1.505 -> 2.
  EXPECT_EQ(Convert(15050, Jpy(), Usd()), 10000);
  EXPECT_EQ(Convert(151, Jpy(), Usd()), 100);  // JPY 151 -> USD 1.00332 -> 1.00.
  SetRate(Usd(), Kwd(), "0.307", "2026-01-01");
  EXPECT_EQ(Convert(10000, Usd(), Kwd()), 30700);  // USD 100.00 -> KWD 30.700.
  EXPECT_EQ(Convert(1, Usd(), Kwd()), 3);          // USD 0.01 -> KWD 0.00307 -> 0.003.
  EXPECT_EQ(Convert(30700, Kwd(), Usd()), 10000);
  SetRate(Kwd(), Jpy(), "490.123", "2026-01-01");
  EXPECT_EQ(Convert(1000, Kwd(), Jpy()), 490);  // KWD 1.000 -> JPY 490.123.
  EXPECT_EQ(Convert(1, Kwd(), Jpy()), 0);       // KWD 0.001 -> JPY 0.49.
  EXPECT_EQ(Convert(2, Kwd(), Jpy()), 1);       // KWD 0.002 -> JPY 0.98.
  EXPECT_EQ(Convert(490123, Jpy(), Kwd()), 1000000);
}

TEST_F(FxTableTest, RoundsHalfAwayFromZeroForBothSigns) {
  SetRate(Usd(), Cny(), "0.5", "2026-01-01");
  EXPECT_EQ(Convert(1, Usd(), Cny()), 1);    // 0.5 -> 1.
  EXPECT_EQ(Convert(-1, Usd(), Cny()), -1);  // -0.5 -> -1.
  EXPECT_EQ(Convert(3, Usd(), Cny()), 2);    // 1.5 -> 2.
  EXPECT_EQ(Convert(-3, Usd(), Cny()), -2);  // -1.5 -> -2.
  EXPECT_EQ(Convert(5, Usd(), Cny()), 3);    // 2.5 -> 3, not banker's 2.
  EXPECT_EQ(Convert(-5, Usd(), Cny()), -3);
  SetRate(Usd(), Jpy(), "0.49", "2026-01-01");
  EXPECT_EQ(Convert(100, Usd(), Jpy()), 0);  // 0.49 -> 0.
  EXPECT_EQ(Convert(-100, Usd(), Jpy()), 0);
  EXPECT_EQ(Convert(300, Usd(), Jpy()), 1);  // 1.47 -> 1.
  EXPECT_EQ(Convert(-300, Usd(), Jpy()), -1);
  SetRate(Usd(), Kwd(), "0.0015", "2026-01-01");
  EXPECT_EQ(Convert(100, Usd(), Kwd()), 2);  // USD 1.00 -> KWD 0.0015 -> 0.002.
  EXPECT_EQ(Convert(-100, Usd(), Kwd()), -2);
}

TEST_F(FxTableTest, TheRateInEffectOnTheDateIsUsed) {
  SetRate(Usd(), Cny(), "7.0", "2026-01-01");
  SetRate(Usd(), Cny(), "7.2", "2026-03-01");
  EXPECT_EQ(ConvertError(100, Usd(), Cny(), "2025-12-31"), ErrorCode::kFxRateNotFound);
  EXPECT_EQ(ConvertError(100, Cny(), Usd(), "2025-12-31"), ErrorCode::kFxRateNotFound);
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-01-01"), 700);
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-02-28"), 700);
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-03-01"), 720);
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2030-01-01"), 720);
  EXPECT_EQ(Convert(720, Cny(), Usd(), "2026-03-01"), 100);
}

TEST_F(FxTableTest, RatesSetOutOfOrderAndReplaced) {
  SetRate(Usd(), Cny(), "7.2", "2026-03-01");
  SetRate(Usd(), Cny(), "7.0", "2026-01-01");
  SetRate(Usd(), Cny(), "7.1", "2026-02-01");
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-01-15"), 700);
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-02-15"), 710);
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-03-15"), 720);
  SetRate(Usd(), Cny(), "7.15", "2026-02-01");  // Replaces the rate for that date.
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-02-15"), 715);
  const auto& entries = table_.entries().at({Usd().index(), Cny().index()});
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_LT(entries[0].effective_on, entries[1].effective_on);
  EXPECT_LT(entries[1].effective_on, entries[2].effective_on);
}

TEST_F(FxTableTest, TheLatestRateWinsWhicheverDirectionItWasSetIn) {
  SetRate(Usd(), Cny(), "7.0", "2026-01-01");
  SetRate(Cny(), Usd(), "0.125", "2026-06-01");  // 1 USD = 8 CNY from June.
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-05-31"), 700);
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-06-01"), 800);
  EXPECT_EQ(Convert(800, Cny(), Usd(), "2026-06-01"), 100);
  EXPECT_EQ(Convert(700, Cny(), Usd(), "2026-05-31"), 100);
  // On the same date the direct rate is used.
  SetRate(Usd(), Cny(), "7.5", "2026-06-01");
  EXPECT_EQ(Convert(100, Usd(), Cny(), "2026-06-01"), 750);
  EXPECT_EQ(Convert(800, Cny(), Usd(), "2026-06-01"), 100);
}

TEST_F(FxTableTest, MissingPairIsFxRateNotFound) {
  SetRate(Usd(), Cny(), "7.0", "2026-01-01");
  EXPECT_EQ(ConvertError(100, Usd(), Jpy()), ErrorCode::kFxRateNotFound);
  EXPECT_EQ(ConvertError(100, Jpy(), Cny()), ErrorCode::kFxRateNotFound);
  Result<Money> missing = table_.Convert(Money{100, Usd()}, Jpy(), Day("2026-03-10"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("2026-03-10"), std::string::npos);
}

TEST_F(FxTableTest, OverflowIsAnErrorNotAWrap) {
  SetRate(Usd(), Cny(), "1000000", "2026-01-01");
  EXPECT_EQ(Convert(kAmountMinorMax / 1'000'000, Usd(), Cny()), kAmountMinorMax);
  EXPECT_EQ(ConvertError(kAmountMinorMax / 1'000'000 + 1, Usd(), Cny()),
            ErrorCode::kAmountOverflow);
  EXPECT_EQ(ConvertError(kAmountMinorMax, Usd(), Cny()), ErrorCode::kAmountOverflow);
  EXPECT_EQ(ConvertError(INT64_MAX, Usd(), Cny()), ErrorCode::kAmountOverflow);
  EXPECT_EQ(ConvertError(INT64_MIN, Usd(), Cny()), ErrorCode::kAmountOverflow);
  SetRate(Jpy(), Kwd(), "1000000", "2026-01-01");
  EXPECT_EQ(ConvertError(INT64_MAX, Jpy(), Kwd()), ErrorCode::kAmountOverflow);
  SetRate(Usd(), Jpy(), "0.0000000001", "2026-01-01");  // Through the inverse pair.
  EXPECT_EQ(ConvertError(INT64_MAX, Jpy(), Usd()), ErrorCode::kAmountOverflow);
  EXPECT_EQ(ConvertError(INT64_MIN, Jpy(), Usd()), ErrorCode::kAmountOverflow);
}

}  // namespace
}  // namespace creditline
