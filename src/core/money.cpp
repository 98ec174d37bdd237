#include "core/money.hpp"

#include <array>
#include <cassert>
#include <cstdlib>

namespace creditline {
namespace {

struct CurrencyInfo {
  std::string_view code;
  int exponent;
};

// Order is part of the event encoding (currencies are stored by index): append only.
constexpr std::array<CurrencyInfo, 16> kCurrencies = {{
    {"CNY", 2},
    {"USD", 2},
    {"EUR", 2},
    {"JPY", 0},
    {"HKD", 2},
    {"GBP", 2},
    {"SGD", 2},
    {"CHF", 2},
    {"AUD", 2},
    {"CAD", 2},
    {"KRW", 0},
    {"TWD", 2},
    {"INR", 2},
    {"KWD", 3},
    {"MOP", 2},
    {"THB", 2},
}};

}  // namespace

Result<Currency> Currency::Parse(std::string_view code) {
  for (size_t i = 0; i < kCurrencies.size(); ++i) {
    if (kCurrencies[i].code == code) return Currency(static_cast<uint8_t>(i));
  }
  return MakeError(ErrorCode::kUnknownCurrency,
                   "unknown or unsupported currency '" + std::string(code.substr(0, 16)) + "'",
                   "currency");
}

Currency Currency::Of(std::string_view code) {
  Result<Currency> currency = Parse(code);
  assert(currency.ok());
  return *currency;
}

Currency Currency::FromIndex(uint8_t index) {
  if (index >= kCurrencies.size()) return Currency();
  return Currency(index);
}

std::string_view Currency::code() const {
  if (!valid()) return "XXX";
  return kCurrencies[index_].code;
}

int Currency::exponent() const {
  assert(valid());
  return kCurrencies[index_].exponent;
}

Result<int64_t> AddMinor(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return MakeError(ErrorCode::kAmountOverflow, "amount arithmetic overflows");
  }
  return sum;
}

Result<Money> Add(Money a, Money b) {
  if (a.currency != b.currency) {
    return MakeError(ErrorCode::kCurrencyMismatch, std::string("cannot add ") +
                                                       std::string(a.currency.code()) + " and " +
                                                       std::string(b.currency.code()));
  }
  CL_ASSIGN_OR_RETURN(int64_t sum, AddMinor(a.minor, b.minor));
  return Money{sum, a.currency};
}

Result<Money> Subtract(Money a, Money b) {
  if (a.currency != b.currency) {
    return MakeError(ErrorCode::kCurrencyMismatch, std::string("cannot subtract ") +
                                                       std::string(b.currency.code()) + " from " +
                                                       std::string(a.currency.code()));
  }
  // Subtract directly: negating b first would refuse b == INT64_MIN even when a - b fits.
  int64_t difference = 0;
  if (__builtin_sub_overflow(a.minor, b.minor, &difference)) {
    return MakeError(ErrorCode::kAmountOverflow, "amount arithmetic overflows");
  }
  return Money{difference, a.currency};
}

int64_t PowerOfTen(int n) {
  assert(n >= 0 && n <= 18);
  int64_t value = 1;
  for (int i = 0; i < n; ++i) value *= 10;
  return value;
}

Result<Money> ParseMoney(std::string_view text, Currency currency) {
  auto invalid = [&](std::string why) {
    return MakeError(ErrorCode::kInvalidAmount,
                     "invalid amount '" + std::string(text.substr(0, 40)) + "': " + why, "amount");
  };
  if (!currency.valid()) return MakeError(ErrorCode::kUnknownCurrency, "no currency", "currency");
  bool negative = !text.empty() && text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  size_t point = digits.find('.');
  std::string_view whole = digits.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? "" : digits.substr(point + 1);
  if (whole.empty()) return invalid("expected digits");
  if (point != std::string_view::npos && fraction.empty()) return invalid("expected digits");
  if (static_cast<int>(fraction.size()) > currency.exponent()) {
    return invalid(std::string(currency.code()) + " has " + std::to_string(currency.exponent()) +
                   " decimal places");
  }
  int64_t minor = 0;
  for (std::string_view part : {whole, fraction}) {
    for (char c : part) {
      if (c < '0' || c > '9') return invalid("expected digits");
      if (__builtin_mul_overflow(minor, 10, &minor) ||
          __builtin_add_overflow(minor, c - '0', &minor)) {
        return invalid("too large");
      }
    }
  }
  int scale = currency.exponent() - static_cast<int>(fraction.size());
  if (__builtin_mul_overflow(minor, PowerOfTen(scale), &minor)) return invalid("too large");
  return Money{negative ? -minor : minor, currency};
}

std::string FormatAmount(int64_t minor, Currency currency) {
  int exponent = currency.valid() ? currency.exponent() : 2;
  // Work in unsigned to format INT64_MIN correctly.
  uint64_t magnitude = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  uint64_t scale = static_cast<uint64_t>(PowerOfTen(exponent));
  std::string text = std::to_string(magnitude / scale);
  if (exponent > 0) {
    std::string fraction = std::to_string(magnitude % scale);
    text += "." + std::string(exponent - fraction.size(), '0') + fraction;
  }
  if (minor < 0) text.insert(text.begin(), '-');
  return text;
}

std::string FormatMoney(Money money) {
  std::string plain = FormatAmount(money.minor, money.currency);
  bool negative = plain[0] == '-';
  size_t start = negative ? 1 : 0;
  size_t point = plain.find('.');
  size_t end = point == std::string::npos ? plain.size() : point;
  std::string grouped;
  for (size_t i = start; i < end; ++i) {
    if (i > start && (end - i) % 3 == 0) grouped += ',';
    grouped += plain[i];
  }
  return std::string(money.currency.code()) + " " + (negative ? "-" : "") + grouped +
         plain.substr(end);
}

}  // namespace creditline
