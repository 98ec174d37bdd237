#include "core/aggregates.hpp"

#include <algorithm>
#include <cassert>

namespace creditline {

size_t UtilizationBand(int64_t exposure_minor, int64_t limit_minor) {
  if (limit_minor <= 0) return 0;
  int32_t bp = UtilizationBp(exposure_minor, limit_minor);
  for (size_t i = 0; i < kUtilizationBandUpperBp.size(); ++i) {
    if (bp < kUtilizationBandUpperBp[i]) return i + 1;
  }
  return kUtilizationBandCount - 1;
}

int32_t UtilizationBp(int64_t exposure_minor, int64_t limit_minor) {
  if (exposure_minor <= 0) return 0;
  if (limit_minor <= 0) return kUtilizationBpMax;
  __int128 bp = __int128{exposure_minor} * 10'000 / limit_minor;
  return static_cast<int32_t>(std::min<__int128>(bp, kUtilizationBpMax));
}

namespace {

__int128 Squared(int64_t exposure_minor) {
  __int128 positive = std::max<int64_t>(exposure_minor, 0);
  return positive * positive;
}

}  // namespace

void Aggregates::Update(uint32_t slot, Currency currency, const AccountFigures& now,
                        const std::array<const std::string*, kDimensionCount>& names,
                        bool rebucket) {
  if (slot >= marks_.size()) marks_.resize(slot + 1);
  Mark& mark = marks_[slot];
  PortfolioTotals& t = totals_[currency.index()];
  const AccountFigures& was = mark.figures;
  if (!mark.counted) {
    ++t.accounts;
    rebucket = true;
  } else {
    --t.bands[mark.band];
  }
  t.limit_minor += now.limit_minor - was.limit_minor;
  t.exposure_minor += now.exposure_minor - was.exposure_minor;
  t.orders_minor += now.orders_minor - was.orders_minor;
  t.receivables_minor += now.receivables_minor - was.receivables_minor;
  t.unapplied_minor += now.unapplied_minor - was.unapplied_minor;
  t.positive_exposure_minor +=
      std::max<int64_t>(now.exposure_minor, 0) - std::max<int64_t>(was.exposure_minor, 0);
  t.exposure_squared += Squared(now.exposure_minor) - Squared(was.exposure_minor);
  mark.band = static_cast<uint8_t>(UtilizationBand(now.exposure_minor, now.limit_minor));
  ++t.bands[mark.band];
  for (size_t d = 0; d < kDimensionCount; ++d) {
    if (rebucket) {
      if (mark.counted) Move(mark.buckets[d], d, was, -1);
      mark.buckets[d] = BucketOf(d, *names[d], currency);
      Move(mark.buckets[d], d, now, +1);
    } else {
      BucketTotals& b = buckets_[d][mark.buckets[d]];
      b.limit_minor += now.limit_minor - was.limit_minor;
      b.exposure_minor += now.exposure_minor - was.exposure_minor;
      b.receivables_minor += now.receivables_minor - was.receivables_minor;
    }
  }
  mark.counted = true;
  mark.figures = now;
}

void Aggregates::Move(uint32_t bucket, size_t dimension, const AccountFigures& figures,
                      int sign) {
  BucketTotals& b = buckets_[dimension][bucket];
  b.accounts += sign;
  b.limit_minor += sign * figures.limit_minor;
  b.exposure_minor += sign * figures.exposure_minor;
  b.receivables_minor += sign * figures.receivables_minor;
}

uint32_t Aggregates::BucketOf(size_t dimension, const std::string& name, Currency currency) {
  // The currency code leads the key: a bucket never mixes currencies.
  std::string key(currency.code());
  key += '\0';
  key += name;
  auto [entry, inserted] = bucket_index_[dimension].try_emplace(
      std::move(key), static_cast<uint32_t>(buckets_[dimension].size()));
  if (inserted) buckets_[dimension].push_back(BucketTotals{name, currency});
  return entry->second;
}

void Aggregates::AddDue(Currency currency, Date due_on, int64_t amount_minor) {
  absl::btree_map<int32_t, int64_t>& days = due_[currency.index()];
  auto [entry, inserted] = days.try_emplace(due_on.days, 0);
  entry->second += amount_minor;
  assert(entry->second >= 0);
  if (entry->second == 0) days.erase(entry);
}

const absl::btree_map<int32_t, int64_t>& Aggregates::due(Currency currency) const {
  static const absl::btree_map<int32_t, int64_t> kEmpty;
  auto found = due_.find(currency.index());
  return found == due_.end() ? kEmpty : found->second;
}

}  // namespace creditline
