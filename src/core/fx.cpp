#include "core/fx.hpp"

#include <algorithm>

namespace creditline {
namespace {

using int128 = __int128;

// Rounds numerator / denominator half away from zero. REQUIRES: denominator > 0.
int128 DivideRounded(int128 numerator, int128 denominator) {
  int128 quotient = numerator / denominator;
  int128 remainder = numerator % denominator;
  if (remainder < 0) remainder = -remainder;
  if (remainder * 2 >= denominator) quotient += numerator < 0 ? -1 : 1;
  return quotient;
}

}  // namespace

Result<int64_t> ParseFxRate(std::string_view text) {
  auto invalid = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid FX rate '" + std::string(text.substr(0, 40)) +
                         "': expected a positive decimal with at most 10 fraction digits",
                     "rate");
  };
  size_t point = text.find('.');
  std::string_view whole = text.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? "" : text.substr(point + 1);
  if (whole.empty() || whole.size() > 7 || fraction.size() > kFxRateDecimals) return invalid();
  if (point != std::string_view::npos && fraction.empty()) return invalid();
  int64_t value = 0;
  for (std::string_view part : {whole, fraction}) {
    for (char c : part) {
      if (c < '0' || c > '9') return invalid();
      value = value * 10 + (c - '0');
    }
  }
  value *= PowerOfTen(kFxRateDecimals - static_cast<int>(fraction.size()));
  if (value <= 0 || value > kFxRateScaledMax) return invalid();
  return value;
}

std::string FormatFxRate(int64_t rate_scaled) {
  std::string whole = std::to_string(rate_scaled / kFxRateScale);
  std::string fraction = std::to_string(rate_scaled % kFxRateScale);
  fraction = std::string(kFxRateDecimals - fraction.size(), '0') + fraction;
  while (fraction.size() > 1 && fraction.back() == '0') fraction.pop_back();
  return whole + "." + fraction;
}

void FxTable::Set(Currency from, Currency to, Date effective_on, int64_t rate_scaled) {
  std::vector<FxRateEntry>& entries = rates_[{from.index(), to.index()}];
  auto position = std::lower_bound(
      entries.begin(), entries.end(), effective_on,
      [](const FxRateEntry& entry, Date date) { return entry.effective_on < date; });
  if (position != entries.end() && position->effective_on == effective_on) {
    position->rate_scaled = rate_scaled;
  } else {
    entries.insert(position, FxRateEntry{effective_on, rate_scaled});
  }
}

const FxRateEntry* FxTable::Find(Currency from, Currency to, Date on) const {
  auto found = rates_.find({from.index(), to.index()});
  if (found == rates_.end()) return nullptr;
  const std::vector<FxRateEntry>& entries = found->second;
  auto after = std::upper_bound(
      entries.begin(), entries.end(), on,
      [](Date date, const FxRateEntry& entry) { return date < entry.effective_on; });
  if (after == entries.begin()) return nullptr;
  return &*(after - 1);
}

Result<Money> FxTable::Convert(Money money, Currency to, Date on) const {
  if (money.currency == to) return money;
  // amount_to = amount_from * rate * 10^(exp_to - exp_from), kept as one exact fraction.
  int128 numerator = money.minor;
  int128 denominator = 1;
  // The latest rate in effect wins, whichever direction it was set in: a pair updated through
  // its inverse must not keep converting at a stale direct rate. On the same date, direct wins.
  const FxRateEntry* direct = Find(money.currency, to, on);
  const FxRateEntry* inverse = Find(to, money.currency, on);
  if (direct != nullptr && inverse != nullptr && inverse->effective_on > direct->effective_on) {
    direct = nullptr;
  }
  if (direct != nullptr) {
    numerator *= direct->rate_scaled;
    denominator *= kFxRateScale;
  } else if (inverse != nullptr) {
    numerator *= kFxRateScale;
    denominator *= inverse->rate_scaled;
  } else {
    return MakeError(ErrorCode::kFxRateNotFound,
                     "no FX rate from " + std::string(money.currency.code()) + " to " +
                         std::string(to.code()) + " in effect on " + FormatDate(on),
                     "currency");
  }
  int exponent_difference = to.exponent() - money.currency.exponent();
  if (exponent_difference > 0) numerator *= PowerOfTen(exponent_difference);
  if (exponent_difference < 0) denominator *= PowerOfTen(-exponent_difference);
  int128 converted = DivideRounded(numerator, denominator);
  if (converted > kAmountMinorMax || converted < -kAmountMinorMax) {
    return MakeError(ErrorCode::kAmountOverflow, "converted amount is too large", "amount_minor");
  }
  return Money{static_cast<int64_t>(converted), to};
}

}  // namespace creditline
