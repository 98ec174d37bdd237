#include "core/behaviour.hpp"

#include <algorithm>
#include <limits>

namespace creditline {
namespace {

using int128 = __int128;

// Utilization ratios are bounded so that a tiny limit cannot produce absurd figures.
constexpr int64_t kUtilizationBasisPointsMax = 1'000'000;  // 10,000%.
constexpr int64_t kTrendBasisPointsMax = 1'000'000;

int64_t SaturatingAdd(int64_t total, int128 add) {
  int128 sum = int128{total} + add;
  if (sum > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (sum < 0) return 0;
  return static_cast<int64_t>(sum);
}

int64_t Ratio(int128 numerator, int128 denominator, int64_t maximum) {
  int128 ratio = numerator / denominator;
  return static_cast<int64_t>(std::clamp<int128>(ratio, 0, maximum));
}

}  // namespace

int32_t MonthIndexOf(Date date) {
  // Events of one business day come in long runs, so one remembered answer saves the civil
  // date conversion on almost every call. Per thread, so concurrent States stay independent.
  thread_local Date cached_date{INT32_MIN};
  thread_local int32_t cached_month = 0;
  if (date != cached_date) {
    int year = 0;
    unsigned month = 0, day = 0;
    CivilFromDate(date, &year, &month, &day);
    cached_date = date;
    cached_month = year * 12 + static_cast<int32_t>(month) - 1;
  }
  return cached_month;
}

MonthActivity& CurrentMonth(Behaviour& behaviour, Date today) {
  int32_t month = MonthIndexOf(today);
  std::vector<MonthActivity>& months = behaviour.months;
  // A business date earlier than the newest month (the clock stepped back) counts in the
  // newest month: the buckets stay in order and bounded.
  if (!months.empty() && months.back().month >= month) return months.back();
  if (months.size() >= kBehaviourMonthsKept) months.erase(months.begin());
  months.push_back(MonthActivity{month});
  return months.back();
}

void NoteExposure(Behaviour& behaviour, Date today, int64_t exposure_minor, int64_t delta_minor) {
  MonthActivity& month = CurrentMonth(behaviour, today);
  if (behaviour.exposure_since != kNoDate && today > behaviour.exposure_since) {
    int64_t before = exposure_minor - delta_minor;
    if (before > 0) {
      int128 days = DaysBetween(behaviour.exposure_since, today);
      month.exposure_day_minor = SaturatingAdd(month.exposure_day_minor, days * before);
    }
  }
  if (behaviour.exposure_since == kNoDate || today > behaviour.exposure_since) {
    behaviour.exposure_since = today;
  }
  month.peak_exposure_minor = std::max(month.peak_exposure_minor, exposure_minor);
}

void NoteSettlement(Behaviour& behaviour, Date today, Date due_on, Date received_on,
                    int64_t amount_minor) {
  behaviour.paid_minor = SaturatingAdd(behaviour.paid_minor, amount_minor);
  int32_t days_late = DaysBetween(due_on, received_on);
  if (days_late <= 0) {
    behaviour.paid_on_time_minor = SaturatingAdd(behaviour.paid_on_time_minor, amount_minor);
    return;
  }
  behaviour.late_day_minor =
      SaturatingAdd(behaviour.late_day_minor, int128{amount_minor} * days_late);
  MonthActivity& month = CurrentMonth(behaviour, today);
  month.max_days_late = std::max(month.max_days_late, days_late);
}

BehaviourMetrics ComputeMetrics(const Behaviour& behaviour, const ExposureNow& now, Date today) {
  BehaviourMetrics m;
  int32_t this_month = MonthIndexOf(today);
  int128 recent = 0, prior = 0, exposure_days = 0;
  int64_t peak = now.exposure_minor;
  int32_t max_late = 0;
  for (const MonthActivity& month : behaviour.months) {
    int32_t age = this_month - month.month;  // 0 for the current month.
    if (age < 0 || age >= 12) continue;
    if (age < kBehaviourRecentMonths) recent += month.invoiced_minor;
    if (age >= kBehaviourRecentMonths && age < 2 * kBehaviourRecentMonths) {
      prior += month.invoiced_minor;
    }
    m.has_purchases = m.has_purchases || month.invoiced_minor > 0;
    exposure_days += month.exposure_day_minor;
    peak = std::max(peak, month.peak_exposure_minor);
    max_late = std::max(max_late, month.max_days_late);
    m.holds += month.holds;
  }
  if (behaviour.paid_minor > 0) {
    m.on_time_bp =
        Ratio(int128{behaviour.paid_on_time_minor} * 10'000, behaviour.paid_minor, 10'000);
    m.average_days_late = Ratio(behaviour.late_day_minor, behaviour.paid_minor, 100'000);
  }
  int64_t sales_days = 30 * kBehaviourRecentMonths;
  if (recent > 0) {
    m.dso_days = Ratio(int128{now.receivables_minor} * sales_days, recent, 100'000);
  } else if (now.receivables_minor == 0) {
    m.dso_days = 0;
  }
  m.max_days_past_due = std::max(max_late, now.oldest_days_past_due);
  Date opened = behaviour.opened_on == kNoDate ? today : behaviour.opened_on;
  if (behaviour.exposure_since != kNoDate && today > behaviour.exposure_since) {
    exposure_days += int128{now.exposure_minor} * DaysBetween(behaviour.exposure_since, today);
  }
  if (now.effective_limit_minor > 0) {
    int64_t window = std::clamp(DaysBetween(opened, today), 1, kBehaviourWindowDays);
    m.average_utilization_bp = Ratio(exposure_days * 10'000 / window, now.effective_limit_minor,
                                     kUtilizationBasisPointsMax);
    m.peak_utilization_bp =
        Ratio(int128{peak} * 10'000, now.effective_limit_minor, kUtilizationBasisPointsMax);
  }
  m.tenure_months = std::max(0, this_month - MonthIndexOf(opened));
  if (prior > 0) m.volume_trend_bp = Ratio(recent * 10'000, prior, kTrendBasisPointsMax);
  m.average_monthly_purchases_minor = static_cast<int64_t>(recent / kBehaviourRecentMonths);
  m.write_offs = behaviour.write_offs;
  return m;
}

}  // namespace creditline
