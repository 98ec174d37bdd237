// Monitoring: the alert records, the alert rules' parameters, the daily portfolio trend and the
// commands that drive them.
//
// Alerts are part of the credit state. Rules that an event triggers (utilization crossing the
// warning threshold or 100 %, a hold created, a grade downgrade) raise their alert in Apply;
// rules that time triggers (an invoice falling overdue, overdue past N days, a hold waiting
// past its SLA, a temporary limit or collateral about to expire, a review due) are found by
// Decide(RunMonitor), which the engine's housekeeping tick sends with the time, and recorded by
// Apply(MonitorRan). Each item remembers which alert it raised, so a rule fires once per
// crossing, and replay raises exactly the same alerts. Value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/money.hpp"
#include "core/time.hpp"

namespace creditline {

enum class AlertRule : uint8_t {
  kUtilizationWarning,   // Utilization reached the policy's warning threshold.
  kUtilizationExceeded,  // Utilization reached 100 % of the effective limit.
  kInvoiceOverdue,       // An invoice fell past its due date.
  kOverdueDays,          // An invoice is overdue more than overdue_days.
  kHoldCreated,          // An order went to the hold queue.
  kHoldSla,              // A held order waited longer than hold_sla_minutes.
  kTemporaryLimitExpiring,
  kCollateralExpiring,
  kReviewDue,        // The account's review date is within review_notice_days.
  kGradeDowngrade,   // The account's grade moved to a worse one.
};
inline constexpr uint8_t EnumLimit(AlertRule) { return 10; }
std::string_view NameOf(AlertRule rule);
Result<AlertRule> ParseAlertRule(std::string_view text);

// The grade order for downgrade alerts, best first; grades outside it never count as a
// downgrade.
inline constexpr std::string_view kGradeOrder[] = {"AAA", "AA", "A", "BBB", "BB", "B", "C", "D"};
// The position of `grade` in kGradeOrder, or -1.
int GradeRank(std::string_view grade);

struct Alert {
  uint64_t alert_id = 0;  // 1, 2, 3, ... in the order raised.
  AlertRule rule = AlertRule::kUtilizationWarning;
  std::string customer_id, segment;
  std::string subject_id;    // The invoice, order, temporary limit or collateral; else empty.
  int64_t amount_minor = 0;  // Exposure, open amount or order amount, account currency.
  Currency currency;
  int32_t value = 0;         // Utilization bp, days past due, minutes waited, days left.
  std::string detail;        // For people, e.g. "BBB -> BB".
  uint64_t seq = 0;          // The event that raised it.
  TimeMs time = 0;
  Date day;
  std::string acknowledged_by;  // Empty while unacknowledged.
  TimeMs acknowledged_at = 0;
  template <class F>
  void Fields(F&& f) {
    f("alert_id", alert_id), f("rule", rule), f("customer_id", customer_id), f("segment", segment),
        f("subject_id", subject_id), f("amount_minor", amount_minor), f("currency", currency);
    f("value", value), f("detail", detail), f("seq", seq), f("time", time), f("day", day),
        f("acknowledged_by", acknowledged_by), f("acknowledged_at", acknowledged_at);
  }
  bool operator==(const Alert&) const = default;
};

// The parameters of the time-based rules; the utilization warning uses each account's policy.
struct AlertRules {
  int32_t overdue_days = 30;          // kOverdueDays fires past this many days.
  int32_t hold_sla_minutes = 240;     // kHoldSla fires past this wait.
  int32_t expiry_notice_days = 14;    // Temporary limits and collateral expiring within this.
  int32_t review_notice_days = 0;     // Reviews due within this (0: on the review date).
  template <class F>
  void Fields(F&& f) {
    f("overdue_days", overdue_days), f("hold_sla_minutes", hold_sla_minutes),
        f("expiry_notice_days", expiry_notice_days), f("review_notice_days", review_notice_days);
  }
  bool operator==(const AlertRules&) const = default;
};
// Rule parameters stay within a few years so that date arithmetic stays trivially safe.
inline constexpr int32_t kAlertRuleDaysMax = 3650;
inline constexpr int32_t kAlertRuleMinutesMax = 525'600;  // One year.
Status ValidateAlertRules(const AlertRules& rules);

// Portfolio totals of one currency at the start of a business day.
struct TrendPoint {
  Date day;
  Currency currency;
  int64_t accounts = 0;
  int64_t limit_minor = 0, exposure_minor = 0, receivables_minor = 0, overdue_minor = 0;
  int64_t invoiced_total_minor = 0;  // Cumulative invoicing, for DSO over any window.
  template <class F>
  void Fields(F&& f) {
    f("day", day), f("currency", currency), f("accounts", accounts), f("limit_minor", limit_minor),
        f("exposure_minor", exposure_minor), f("receivables_minor", receivables_minor);
    f("overdue_minor", overdue_minor), f("invoiced_total_minor", invoiced_total_minor);
  }
  bool operator==(const TrendPoint&) const = default;
};

struct CurrencyAmount {
  Currency currency;
  int64_t amount_minor = 0;
  template <class F>
  void Fields(F&& f) {
    f("currency", currency), f("amount_minor", amount_minor);
  }
  bool operator==(const CurrencyAmount&) const = default;
};

// Cumulative hold-queue counts since the portfolio began.
struct HoldCounters {
  int64_t created = 0, released = 0, rejected = 0, cancelled = 0, expired = 0;
  int64_t wait_ms_total = 0;  // Summed over released and rejected holds.
  template <class F>
  void Fields(F&& f) {
    f("created", created), f("released", released), f("rejected", rejected),
        f("cancelled", cancelled), f("expired", expired), f("wait_ms_total", wait_ms_total);
  }
  bool operator==(const HoldCounters&) const = default;
};

// Alerts kept in memory (and in snapshots); the oldest are dropped beyond this.
inline constexpr size_t kAlertsRetainedMax = 100'000;
// The daily trend keeps two years, comfortably more than the 400 days reports ask for.
inline constexpr size_t kTrendDaysMax = 731;

// Everything monitoring keeps besides the per-item marks on accounts, orders and invoices.
struct MonitorState {
  AlertRules rules;
  uint64_t last_alert_id = 0;
  std::vector<Alert> alerts;  // Oldest first, ids ascending.
  Date scanned_day = kNoDate;  // The last business day whose daily scan completed.
  std::vector<TrendPoint> trend;  // Oldest first.
  std::vector<CurrencyAmount> invoiced_totals;  // Cumulative, per currency.
  HoldCounters holds;
  Date last_day = kNoDate;  // The latest business date of any event.
  template <class F>
  void Fields(F&& f) {
    f("rules", rules), f("last_alert_id", last_alert_id), f("alerts", alerts),
        f("scanned_day", scanned_day), f("trend", trend), f("invoiced_totals", invoiced_totals);
    f("holds", holds), f("last_day", last_day);
  }
  bool operator==(const MonitorState&) const = default;
};

// Commands.
struct RunMonitor {  // Raises the time-based alerts due at the envelope's time.
  template <class F>
  void Fields(F&&) {}
  bool operator==(const RunMonitor&) const = default;
};

struct AcknowledgeAlert {
  uint64_t alert_id = 0;
  template <class F>
  void Fields(F&& f) {
    f("alert_id", alert_id);
  }
  bool operator==(const AcknowledgeAlert&) const = default;
};

struct SetAlertRules {
  AlertRules rules;
  template <class F>
  void Fields(F&& f) {
    f("rules", rules);
  }
  bool operator==(const SetAlertRules&) const = default;
};

// The event of RunMonitor: the alerts found (ids and seq are assigned by Apply) and whether
// the day's scan finished (a scan that found more than one event may carry stops early and
// continues on the next tick).
struct MonitorRan {
  std::vector<Alert> alerts;
  bool day_complete = false;
  bool record_trend = false;  // The first run of a business day records the trend point.
  template <class F>
  void Fields(F&& f) {
    f("alerts", alerts), f("day_complete", day_complete), f("record_trend", record_trend);
  }
  bool operator==(const MonitorRan&) const = default;
};

}  // namespace creditline
