// Payment behaviour of one account: running aggregates that Apply keeps current, and the
// metrics a review derives from them.
//
// Every aggregate moves in O(1) per event (a settlement adds its amount and its lateness, an
// exposure change adds exposure x days to the current month, an invoice adds to the month's
// purchases), so a review of a million accounts reads a few numbers per account and never scans
// history. Months are calendar months of the business date; at most kBehaviourMonthsKept are
// kept, newest last. Owned by the account (core::State); value types, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.hpp"

namespace creditline {

// Twelve full months plus the current one.
inline constexpr size_t kBehaviourMonthsKept = 13;
// The window of "over 12 months" metrics, in days.
inline constexpr int32_t kBehaviourWindowDays = 365;
// Purchases are compared over this many months for the volume trend and averaged for the
// proposal; DSO uses the same months of sales.
inline constexpr int32_t kBehaviourRecentMonths = 3;

struct MonthActivity {
  int32_t month = 0;                // year * 12 + (month - 1).
  int32_t max_days_late = 0;        // The latest payment settled in the month, in days past due.
  uint32_t holds = 0;               // Orders held for review.
  int64_t invoiced_minor = 0;       // Purchases: invoices issued.
  int64_t exposure_day_minor = 0;   // Sum of exposure x days (saturating).
  int64_t peak_exposure_minor = 0;  // Highest exposure seen.
  template <class F>
  void Fields(F&& f) {
    f("month", month), f("max_days_late", max_days_late), f("holds", holds),
        f("invoiced_minor", invoiced_minor), f("exposure_day_minor", exposure_day_minor),
        f("peak_exposure_minor", peak_exposure_minor);
  }
  bool operator==(const MonthActivity&) const = default;
};

struct Behaviour {
  Date opened_on = kNoDate;        // The business date the account was opened.
  Date exposure_since = kNoDate;   // Exposure x days is accumulated up to this date.
  int64_t paid_minor = 0;          // Payments matched to invoices.
  int64_t paid_on_time_minor = 0;  // ... received on or before the due date.
  int64_t late_day_minor = 0;      // Sum of amount x days late (saturating).
  uint32_t write_offs = 0;
  std::vector<MonthActivity> months;  // Oldest first.
  template <class F>
  void Fields(F&& f) {
    f("opened_on", opened_on), f("exposure_since", exposure_since), f("paid_minor", paid_minor),
        f("paid_on_time_minor", paid_on_time_minor), f("late_day_minor", late_day_minor);
    f("write_offs", write_offs), f("months", months);
  }
  bool operator==(const Behaviour&) const = default;
};

int32_t MonthIndexOf(Date date);

// Updates, called by Apply. `today` is the event's business date.
MonthActivity& CurrentMonth(Behaviour& behaviour, Date today);
// The account's exposure moved by `delta_minor` to `exposure_minor`.
void NoteExposure(Behaviour& behaviour, Date today, int64_t exposure_minor, int64_t delta_minor);
// A payment settled `amount_minor` of an invoice due on `due_on`, received on `received_on`.
void NoteSettlement(Behaviour& behaviour, Date today, Date due_on, Date received_on,
                    int64_t amount_minor);

// The metrics a scorecard reads; absent where there is nothing to measure yet.
struct BehaviourMetrics {
  std::optional<int64_t> on_time_bp;              // Share of paid amount paid by the due date.
  std::optional<int64_t> average_days_late;       // Amount-weighted, over all payments.
  std::optional<int64_t> dso_days;                // Receivables / sales of the last 3 months x 90.
  int64_t max_days_past_due = 0;                  // Over 12 months, open invoices included.
  std::optional<int64_t> average_utilization_bp;  // Mean exposure / effective limit, 12 months.
  std::optional<int64_t> peak_utilization_bp;     // Peak exposure / effective limit, 12 months.
  int64_t tenure_months = 0;
  std::optional<int64_t> volume_trend_bp;  // Purchases last 3 months / the 3 before, 10000 = flat.
  int64_t average_monthly_purchases_minor = 0;  // Over the last 3 months.
  bool has_purchases = false;                   // Any invoice in the last 12 months.
  int64_t holds = 0;                            // Over 12 months.
  int64_t write_offs = 0;                       // Ever.
};

struct ExposureNow {
  int64_t exposure_minor = 0, receivables_minor = 0, effective_limit_minor = 0;
  int32_t oldest_days_past_due = 0;
};
BehaviourMetrics ComputeMetrics(const Behaviour& behaviour, const ExposureNow& now, Date today);

}  // namespace creditline
