// Foreign-exchange rates and conversion of money between currencies.
//
// A rate is an exact decimal with up to kFxRateDecimals fraction digits, stored as an integer
// scaled by 10^kFxRateDecimals: "1 USD = 7.1234 CNY" is rate_scaled 71234000000. Rates are set
// by command with the date they take effect; conversion on a date uses the latest rate in effect
// then, directly or through the inverse pair. Results round half away from zero to the target
// currency's minor unit. Owned by core::State; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/money.hpp"
#include "core/time.hpp"

namespace creditline {

inline constexpr int kFxRateDecimals = 10;
inline constexpr int64_t kFxRateScale = 10'000'000'000;
// Rates above this are refused as input errors (no real currency pair is near it).
inline constexpr int64_t kFxRateScaledMax = kFxRateScale * 1'000'000;

// Parses "7.1234" into a scaled rate; must be positive.
Result<int64_t> ParseFxRate(std::string_view text);
std::string FormatFxRate(int64_t rate_scaled);

struct FxRateEntry {
  Date effective_on;
  int64_t rate_scaled = 0;
  template <class F>
  void Fields(F&& f) {
    f("effective_on", effective_on), f("rate_scaled", rate_scaled);
  }
};

class FxTable {
 public:
  // Sets (or replaces) the rate for from->to effective on the given date.
  void Set(Currency from, Currency to, Date effective_on, int64_t rate_scaled);

  // Converts money to `to` at the rate in effect on `on`. Same currency is the identity.
  Result<Money> Convert(Money money, Currency to, Date on) const;

  // All entries, ordered, for hashing and snapshots.
  const std::map<std::pair<uint8_t, uint8_t>, std::vector<FxRateEntry>>& entries() const {
    return rates_;
  }

 private:
  const FxRateEntry* Find(Currency from, Currency to, Date on) const;

  // Keyed by (from index, to index); each vector sorted by effective_on.
  std::map<std::pair<uint8_t, uint8_t>, std::vector<FxRateEntry>> rates_;
};

}  // namespace creditline
