// Tests for core/money: currencies, exact parsing, formatting and checked arithmetic.
#include "core/money.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace creditline {
namespace {

Currency Cny() { return Currency::Of("CNY"); }
Currency Usd() { return Currency::Of("USD"); }
Currency Jpy() { return Currency::Of("JPY"); }
Currency Kwd() { return Currency::Of("KWD"); }

// Parses text that must be valid and returns its minor units.
int64_t ParseMinor(std::string_view text, Currency currency) {
  Result<Money> money = ParseMoney(text, currency);
  EXPECT_TRUE(money.ok()) << "'" << text << "': " << money.error().message;
  if (!money.ok()) return 0;
  EXPECT_EQ(money->currency, currency);
  return money->minor;
}

// Expects text to be refused with the given code.
void ExpectParseError(std::string_view text, Currency currency,
                      ErrorCode code = ErrorCode::kInvalidAmount) {
  Result<Money> money = ParseMoney(text, currency);
  ASSERT_FALSE(money.ok()) << "'" << text << "' parsed as " << money->minor;
  EXPECT_EQ(money.error().code, code) << "'" << text << "': " << money.error().message;
}

void ExpectErrorCode(const Result<Money>& result, ErrorCode code) {
  ASSERT_FALSE(result.ok()) << "unexpected value " << result->minor;
  EXPECT_EQ(result.error().code, code) << result.error().message;
}

TEST(CurrencyTest, ParsesKnownCodes) {
  for (std::string_view code : {"CNY", "USD", "EUR", "JPY", "HKD", "GBP", "SGD", "CHF", "AUD",
                                "CAD", "KRW", "TWD", "INR", "KWD", "MOP", "THB"}) {
    Result<Currency> currency = Currency::Parse(code);
    ASSERT_TRUE(currency.ok()) << code;
    EXPECT_TRUE(currency->valid());
    EXPECT_EQ(currency->code(), code);
    EXPECT_EQ(Currency::FromIndex(currency->index()), *currency);
  }
}

TEST(CurrencyTest, RefusesUnknownAndLowercaseCodes) {
  for (std::string_view code : {"usd", "Usd", "XYZ", "", "US", "USDX", " USD", "USD ", "XXX"}) {
    Result<Currency> currency = Currency::Parse(code);
    ASSERT_FALSE(currency.ok()) << "'" << code << "'";
    EXPECT_EQ(currency.error().code, ErrorCode::kUnknownCurrency);
    EXPECT_EQ(currency.error().field, "currency");
  }
}

TEST(CurrencyTest, IndexesAreStableForTheEventEncoding) {
  // The index is stored in events: these must never change.
  EXPECT_EQ(Cny().index(), 0);
  EXPECT_EQ(Usd().index(), 1);
  EXPECT_EQ(Jpy().index(), 3);
  EXPECT_EQ(Kwd().index(), 13);
  EXPECT_EQ(Currency::Of("THB").index(), 15);
}

TEST(CurrencyTest, DefaultAndOutOfRangeAreInvalid) {
  Currency none;
  EXPECT_FALSE(none.valid());
  EXPECT_EQ(none.code(), "XXX");
  EXPECT_FALSE(Currency::FromIndex(16).valid());
  EXPECT_FALSE(Currency::FromIndex(0xFF).valid());
  EXPECT_NE(none, Cny());
}

TEST(CurrencyTest, Exponents) {
  EXPECT_EQ(Cny().exponent(), 2);
  EXPECT_EQ(Usd().exponent(), 2);
  EXPECT_EQ(Jpy().exponent(), 0);
  EXPECT_EQ(Currency::Of("KRW").exponent(), 0);
  EXPECT_EQ(Kwd().exponent(), 3);
}

TEST(ParseMoneyTest, ParsesExactAmounts) {
  EXPECT_EQ(ParseMinor("1234.56", Cny()), 123456);
  EXPECT_EQ(ParseMinor("1234.5", Cny()), 123450);
  EXPECT_EQ(ParseMinor("1234", Cny()), 123400);
  EXPECT_EQ(ParseMinor("0", Cny()), 0);
  EXPECT_EQ(ParseMinor("0.01", Cny()), 1);
  EXPECT_EQ(ParseMinor("007.10", Cny()), 710);
  EXPECT_EQ(ParseMinor("-3", Cny()), -300);
  EXPECT_EQ(ParseMinor("-0.05", Cny()), -5);
  EXPECT_EQ(ParseMinor("1200", Jpy()), 1200);
  EXPECT_EQ(ParseMinor("1.234", Kwd()), 1234);
  EXPECT_EQ(ParseMinor("0.001", Kwd()), 1);
  EXPECT_EQ(ParseMinor("5", Kwd()), 5000);
}

TEST(ParseMoneyTest, RefusesTooManyDecimalsInsteadOfRounding) {
  ExpectParseError("1.234", Cny());
  ExpectParseError("0.001", Cny());
  ExpectParseError("1.5", Jpy());
  ExpectParseError("1.0", Jpy());
  ExpectParseError("1.2345", Kwd());
  Result<Money> refused = ParseMoney("1.999", Usd());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "amount");
  EXPECT_NE(refused.error().message.find("2 decimal places"), std::string::npos)
      << refused.error().message;
}

TEST(ParseMoneyTest, RefusesMalformedText) {
  for (std::string_view text :
       {"",      "-",  ".",  "-.",  "1.",  "-1.", ".5",    "-.5",  "abc", "+1", "+1.00",
        "1,000", " 1", "1 ", "1e3", "--1", "1-",  "1.2.3", "0x10", "1.a", "１"}) {
    SCOPED_TRACE(std::string(text));
    ExpectParseError(text, Cny());
  }
}

TEST(ParseMoneyTest, HugeValuesAreAnErrorNotAWrap) {
  EXPECT_EQ(ParseMinor("92233720368547758.07", Cny()), INT64_MAX);
  EXPECT_EQ(ParseMinor("-92233720368547758.07", Cny()), -INT64_MAX);
  ExpectParseError("92233720368547758.08", Cny());
  ExpectParseError("92233720368547758.1", Cny());  // Overflows when scaled to minor units.
  ExpectParseError("92233720368547759", Cny());
  ExpectParseError("9223372036854775808", Jpy());
  ExpectParseError("99999999999999999999999999", Jpy());
  ExpectParseError("-99999999999999999999999999", Jpy());
  EXPECT_EQ(ParseMinor("9223372036854775807", Jpy()), INT64_MAX);
  ExpectParseError("9223372036854776", Kwd());
}

TEST(ParseMoneyTest, RefusesAnInvalidCurrency) {
  ExpectParseError("1.00", Currency(), ErrorCode::kUnknownCurrency);
}

TEST(FormatAmountTest, FormatsPlainDecimals) {
  EXPECT_EQ(FormatAmount(123456, Cny()), "1234.56");
  EXPECT_EQ(FormatAmount(0, Cny()), "0.00");
  EXPECT_EQ(FormatAmount(5, Cny()), "0.05");
  EXPECT_EQ(FormatAmount(-5, Cny()), "-0.05");
  EXPECT_EQ(FormatAmount(-123456, Cny()), "-1234.56");
  EXPECT_EQ(FormatAmount(1200, Jpy()), "1200");
  EXPECT_EQ(FormatAmount(-1200, Jpy()), "-1200");
  EXPECT_EQ(FormatAmount(1, Kwd()), "0.001");
  EXPECT_EQ(FormatAmount(1234, Kwd()), "1.234");
  EXPECT_EQ(FormatAmount(INT64_MAX, Cny()), "92233720368547758.07");
  EXPECT_EQ(FormatAmount(INT64_MIN, Cny()), "-92233720368547758.08");
  EXPECT_EQ(FormatAmount(INT64_MIN, Jpy()), "-9223372036854775808");
  EXPECT_EQ(FormatAmount(INT64_MIN, Kwd()), "-9223372036854775.808");
}

TEST(FormatAmountTest, RoundTripsThroughParseMoney) {
  for (Currency currency : {Cny(), Jpy(), Kwd()}) {
    for (int64_t minor :
         {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{10}, int64_t{999}, int64_t{-1000},
          int64_t{123456789}, kAmountMinorMax, -kAmountMinorMax, INT64_MAX, -INT64_MAX}) {
      std::string text = FormatAmount(minor, currency);
      EXPECT_EQ(ParseMinor(text, currency), minor) << text;
    }
  }
}

TEST(FormatMoneyTest, GroupsThousandsForPeople) {
  EXPECT_EQ(FormatMoney(Money{123456, Cny()}), "CNY 1,234.56");
  EXPECT_EQ(FormatMoney(Money{123456789, Cny()}), "CNY 1,234,567.89");
  EXPECT_EQ(FormatMoney(Money{100000, Cny()}), "CNY 1,000.00");
  EXPECT_EQ(FormatMoney(Money{99999, Cny()}), "CNY 999.99");
  EXPECT_EQ(FormatMoney(Money{0, Usd()}), "USD 0.00");
  EXPECT_EQ(FormatMoney(Money{-123456, Cny()}), "CNY -1,234.56");
  EXPECT_EQ(FormatMoney(Money{-5, Cny()}), "CNY -0.05");
  EXPECT_EQ(FormatMoney(Money{1200, Jpy()}), "JPY 1,200");
  EXPECT_EQ(FormatMoney(Money{-1000000, Jpy()}), "JPY -1,000,000");
  EXPECT_EQ(FormatMoney(Money{1234567, Kwd()}), "KWD 1,234.567");
  EXPECT_EQ(FormatMoney(Money{INT64_MIN, Cny()}), "CNY -92,233,720,368,547,758.08");
  EXPECT_EQ(FormatMoney(Money{INT64_MAX, Jpy()}), "JPY 9,223,372,036,854,775,807");
}

TEST(ArithmeticTest, AddsAndSubtractsInOneCurrency) {
  Result<Money> sum = Add(Money{150, Cny()}, Money{-50, Cny()});
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(*sum, (Money{100, Cny()}));
  Result<Money> difference = Subtract(Money{150, Cny()}, Money{200, Cny()});
  ASSERT_TRUE(difference.ok());
  EXPECT_EQ(*difference, (Money{-50, Cny()}));
  Result<int64_t> minor = AddMinor(7, -9);
  ASSERT_TRUE(minor.ok());
  EXPECT_EQ(*minor, -2);
}

TEST(ArithmeticTest, OverflowIsAnError) {
  ExpectErrorCode(Add(Money{INT64_MAX, Cny()}, Money{1, Cny()}), ErrorCode::kAmountOverflow);
  ExpectErrorCode(Add(Money{INT64_MIN, Cny()}, Money{-1, Cny()}), ErrorCode::kAmountOverflow);
  ExpectErrorCode(Subtract(Money{INT64_MIN, Cny()}, Money{1, Cny()}), ErrorCode::kAmountOverflow);
  ExpectErrorCode(Subtract(Money{INT64_MAX, Cny()}, Money{-1, Cny()}), ErrorCode::kAmountOverflow);
  ExpectErrorCode(Subtract(Money{0, Cny()}, Money{INT64_MIN, Cny()}), ErrorCode::kAmountOverflow);
  Result<int64_t> minor = AddMinor(INT64_MAX, INT64_MAX);
  ASSERT_FALSE(minor.ok());
  EXPECT_EQ(minor.error().code, ErrorCode::kAmountOverflow);
}

TEST(ArithmeticTest, ResultsAtTheEdgeOfTheRangeAreExact) {
  Result<Money> top = Add(Money{INT64_MAX - 1, Cny()}, Money{1, Cny()});
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->minor, INT64_MAX);
  Result<Money> bottom = Subtract(Money{INT64_MIN + 1, Cny()}, Money{1, Cny()});
  ASSERT_TRUE(bottom.ok());
  EXPECT_EQ(bottom->minor, INT64_MIN);
  // -1 - INT64_MIN == INT64_MAX fits, so it is not an overflow.
  Result<Money> negated = Subtract(Money{-1, Cny()}, Money{INT64_MIN, Cny()});
  ASSERT_TRUE(negated.ok()) << negated.error().message;
  EXPECT_EQ(negated->minor, INT64_MAX);
}

TEST(ArithmeticTest, MixingCurrenciesIsAnError) {
  ExpectErrorCode(Add(Money{1, Cny()}, Money{1, Usd()}), ErrorCode::kCurrencyMismatch);
  ExpectErrorCode(Subtract(Money{1, Cny()}, Money{1, Usd()}), ErrorCode::kCurrencyMismatch);
  ExpectErrorCode(Add(Money{1, Cny()}, Money{1, Currency()}), ErrorCode::kCurrencyMismatch);
  // The mismatch is reported even when the amounts would also overflow.
  ExpectErrorCode(Subtract(Money{1, Cny()}, Money{INT64_MIN, Usd()}), ErrorCode::kCurrencyMismatch);
  Result<Money> mismatch = Add(Money{1, Jpy()}, Money{1, Kwd()});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("JPY"), std::string::npos);
  EXPECT_NE(mismatch.error().message.find("KWD"), std::string::npos);
}

TEST(ArithmeticTest, PowerOfTen) {
  EXPECT_EQ(PowerOfTen(0), 1);
  EXPECT_EQ(PowerOfTen(2), 100);
  EXPECT_EQ(PowerOfTen(15), kAmountMinorMax);
  EXPECT_EQ(PowerOfTen(18), 1'000'000'000'000'000'000);
}

TEST(ErrorTableTest, NamesAreStable) {
  EXPECT_EQ(NameOf(ErrorCode::kInvalidAmount), "invalid_amount");
  EXPECT_EQ(NameOf(ErrorCode::kAmountOverflow), "amount_overflow");
  EXPECT_EQ(NameOf(ErrorCode::kCurrencyMismatch), "currency_mismatch");
  EXPECT_EQ(NameOf(ErrorCode::kCorruptRecord), "corrupt_record");
  EXPECT_EQ(InfoOf(ErrorCode::kCustomerNotFound).http_status, 404);
  EXPECT_EQ(InfoOf(ErrorCode::kIdempotencyConflict).cli_exit_code, 4);
}

}  // namespace
}  // namespace creditline
