// Portfolio aggregates: running totals over every account and open invoice, moved by Apply on
// each event so that portfolio and aging reports are sums over a few hundred buckets, never a
// scan of a million accounts or ten million invoices.
//
// Everything here is derived from the rest of the state: it is not journaled nor put in
// snapshots, but rebuilt from the accounts and invoices after a snapshot is decoded (Rebuild),
// which is also how tests check that the running totals equal the sums of their items.
// Owned by State; not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "core/money.hpp"
#include "core/time.hpp"

namespace creditline {

// Utilization bands of the histogram: no limit, then [0,50), [50,75), [75,90), [90,100), >=100 %.
inline constexpr size_t kUtilizationBandCount = 6;
inline constexpr std::array<int32_t, kUtilizationBandCount - 2> kUtilizationBandUpperBp = {
    5'000, 7'500, 9'000, 10'000};
// The band of an account; band 0 when it has no positive limit.
size_t UtilizationBand(int64_t exposure_minor, int64_t limit_minor);
// Utilization is capped so that an account with no limit still reports a finite figure.
inline constexpr int32_t kUtilizationBpMax = 999'999;
// Exposure as a share of the limit in basis points, capped at kUtilizationBpMax (no limit: 0
// when there is no exposure, else the cap).
int32_t UtilizationBp(int64_t exposure_minor, int64_t limit_minor);

struct PortfolioTotals {
  int64_t accounts = 0;
  int64_t limit_minor = 0, exposure_minor = 0, orders_minor = 0, receivables_minor = 0,
          unapplied_minor = 0;
  int64_t positive_exposure_minor = 0;  // Exposures above zero, for concentration.
  __int128 exposure_squared = 0;          // Sum of squared positive exposures, for HHI.
  std::array<int64_t, kUtilizationBandCount> bands{};
};

// Totals for one value of a dimension (grade, industry, region) in one currency.
struct BucketTotals {
  std::string name;
  Currency currency;
  int64_t accounts = 0, limit_minor = 0, exposure_minor = 0, receivables_minor = 0;
};

enum class Dimension : uint8_t { kGrade, kIndustry, kRegion };
inline constexpr size_t kDimensionCount = 3;

// What an account last contributed to the totals, so a change moves only the difference.
struct AccountFigures {
  int64_t limit_minor = 0, exposure_minor = 0, orders_minor = 0, receivables_minor = 0,
          unapplied_minor = 0;
};

class Aggregates {
 public:
  // Moves account `slot` from its last contribution to `now`. `names` are its grade, industry
  // and region; they are looked up only when `rebucket` is set or the account is new.
  void Update(uint32_t slot, Currency currency, const AccountFigures& now,
              const std::array<const std::string*, kDimensionCount>& names, bool rebucket);
  // Moves `amount_minor` of open receivables due on `due_on` (negative: settled).
  void AddDue(Currency currency, Date due_on, int64_t amount_minor);
  void Clear() { *this = Aggregates(); }
  bool counted(uint32_t slot) const { return slot < marks_.size() && marks_[slot].counted; }

  // Indexed by Currency::index(); unused currencies have zero accounts.
  const std::array<PortfolioTotals, 256>& totals() const { return totals_; }
  const std::vector<BucketTotals>& buckets(Dimension dimension) const {
    return buckets_[static_cast<size_t>(dimension)];
  }
  // Open receivables by due date of one currency.
  const absl::btree_map<int32_t, int64_t>& due(Currency currency) const;

 private:
  struct Mark {
    AccountFigures figures;
    uint8_t band = 0;
    bool counted = false;
    std::array<uint32_t, kDimensionCount> buckets{};
  };
  uint32_t BucketOf(size_t dimension, const std::string& name, Currency currency);
  void Move(uint32_t bucket, size_t dimension, const AccountFigures& figures, int sign);

  std::array<PortfolioTotals, 256> totals_{};
  std::vector<Mark> marks_;  // By account slot.
  std::array<std::vector<BucketTotals>, kDimensionCount> buckets_;
  std::array<absl::flat_hash_map<std::string, uint32_t>, kDimensionCount> bucket_index_;
  absl::flat_hash_map<uint8_t, absl::btree_map<int32_t, int64_t>> due_;
};

}  // namespace creditline
