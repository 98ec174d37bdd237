// Money in integer minor units with an ISO 4217 currency.
//
// There is no floating point anywhere in money handling. Arithmetic is overflow-checked and
// refuses to mix currencies; conversion between currencies goes only through fx.hpp.
// Value types; thread-compatible. The currency table is immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace creditline {

// The largest amount one command may carry: 10^15 minor units (10 trillion in a 2-decimal
// currency). Bounding single amounts keeps running sums of millions of items far from int64
// overflow, which is still checked.
inline constexpr int64_t kAmountMinorMax = 1'000'000'000'000'000;

class Currency {
 public:
  Currency() = default;  // Invalid until parsed.

  static Result<Currency> Parse(std::string_view code);
  // REQUIRES: code is in the supported table (programmer use, e.g. tests and constants).
  static Currency Of(std::string_view code);

  bool valid() const { return index_ != kInvalidIndex; }
  std::string_view code() const;
  int exponent() const;  // Digits after the decimal point: CNY 2, JPY 0, KWD 3.
  uint8_t index() const { return index_; }
  static Currency FromIndex(uint8_t index);  // For decoding; invalid when out of range.

  bool operator==(const Currency&) const = default;

 private:
  static constexpr uint8_t kInvalidIndex = 0xFF;
  explicit Currency(uint8_t index) : index_(index) {}
  uint8_t index_ = kInvalidIndex;
};

struct Money {
  int64_t minor = 0;
  Currency currency;

  bool operator==(const Money&) const = default;
};

Result<Money> Add(Money a, Money b);
Result<Money> Subtract(Money a, Money b);
Result<int64_t> AddMinor(int64_t a, int64_t b);

// 10^n for 0 <= n <= 18.
int64_t PowerOfTen(int n);

// Parses a decimal amount in major units ("1234.56", "-3", "0.5") exactly: more fraction
// digits than the currency has is an error, never a rounding.
Result<Money> ParseMoney(std::string_view text, Currency currency);
// Formats minor units as a plain decimal ("1234.56", "-0.05", "1200" for JPY).
std::string FormatAmount(int64_t minor, Currency currency);
// "CNY 1,234.56": for people.
std::string FormatMoney(Money money);

}  // namespace creditline
