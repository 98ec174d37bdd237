// Monitoring in the state: the time-based alert scan (Decide of RunMonitor), the alert
// queries, and the rebuild of the derived aggregates.
#include <algorithm>
#include <array>

#include "core/state.hpp"

namespace creditline {
namespace {

// One monitor event carries at most this many alerts, bounding the event's size; a scan that
// finds more finishes on the next tick.
constexpr size_t kMonitorAlertsPerRunMax = 10'000;

constexpr std::array<std::string_view, EnumLimit(AlertRule{})> kRuleNames = {
    "utilization_warning",
    "utilization_exceeded",
    "invoice_overdue",
    "overdue_days",
    "hold_created",
    "hold_sla",
    "temporary_limit_expiring",
    "collateral_expiring",
    "review_due",
    "grade_downgrade"};

}  // namespace

std::string_view NameOf(AlertRule rule) { return kRuleNames[static_cast<size_t>(rule)]; }

Result<AlertRule> ParseAlertRule(std::string_view text) {
  for (size_t i = 0; i < kRuleNames.size(); ++i) {
    if (kRuleNames[i] == text) return static_cast<AlertRule>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown alert rule '" + std::string(text) + "'",
                   "rule");
}

int GradeRank(std::string_view grade) {
  for (size_t i = 0; i < std::size(kGradeOrder); ++i) {
    if (kGradeOrder[i] == grade) return static_cast<int>(i);
  }
  return -1;
}

Status ValidateAlertRules(const AlertRules& rules) {
  auto days = [](int32_t value, const char* field) -> Status {
    if (value < 0 || value > kAlertRuleDaysMax) {
      return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " must be 0..3650", field);
    }
    return Status::Ok();
  };
  CL_RETURN_IF_ERROR(days(rules.overdue_days, "overdue_days"));
  CL_RETURN_IF_ERROR(days(rules.expiry_notice_days, "expiry_notice_days"));
  CL_RETURN_IF_ERROR(days(rules.review_notice_days, "review_notice_days"));
  if (rules.hold_sla_minutes < 1 || rules.hold_sla_minutes > kAlertRuleMinutesMax) {
    return MakeError(ErrorCode::kInvalidArgument, "hold_sla_minutes must be 1..525600",
                     "hold_sla_minutes");
  }
  return Status::Ok();
}

// Finds the time-based alerts due at the envelope's time. Pure: reads the state only.
class MonitorDecider {
 public:
  MonitorDecider(const State& state, const Envelope& envelope) : s_(state), env_(envelope) {}

  MonitorRan Run() {
    const MonitorState& m = s_.monitor_;
    ScanHolds();
    if (m.scanned_day != env_.today) {
      event_.day_complete = true;
      for (const Account& account : s_.accounts_) {
        if (!ScanAccount(account)) {
          event_.day_complete = false;
          break;
        }
      }
    }
    event_.record_trend = m.trend.empty() || m.trend.back().day != env_.today;
    return std::move(event_);
  }

 private:
  bool Full() const { return event_.alerts.size() >= kMonitorAlertsPerRunMax; }

  Alert Make(const Account& account, AlertRule rule, std::string subject_id, int64_t amount_minor,
             int32_t value) const {
    Alert alert;
    alert.rule = rule;
    alert.customer_id = account.ref.customer_id;
    alert.segment = account.ref.segment;
    alert.subject_id = std::move(subject_id);
    alert.amount_minor = amount_minor;
    alert.currency = account.currency;
    alert.value = value;
    return alert;
  }

  void ScanHolds() {
    TimeMs sla_ms = TimeMs{s_.monitor_.rules.hold_sla_minutes} * 60'000;
    for (uint32_t i = s_.hold_queue_.first; i != kNone && !Full();
         i = s_.orders_[i].hold_links.next) {
      const Order& order = s_.orders_[i];
      if (order.placed_at + sla_ms > env_.time) break;  // The queue is in placement order.
      if (order.sla_alerted) continue;
      int32_t minutes = static_cast<int32_t>(
          std::min<TimeMs>((env_.time - order.placed_at) / 60'000, kAlertRuleMinutesMax * 10));
      event_.alerts.push_back(Make(s_.accounts_[order.account], AlertRule::kHoldSla, order.order_id,
                                   order.amount_minor, minutes));
    }
  }

  // False when the event is full before the account is done.
  bool ScanAccount(const Account& account) {
    const AlertRules& rules = s_.monitor_.rules;
    for (uint32_t i = account.invoices.first; i != kNone; i = s_.invoices_[i].account_links.next) {
      const Invoice& invoice = s_.invoices_[i];
      if (invoice.due_on >= env_.today) break;  // The list is in due-date order.
      int32_t days = DaysBetween(invoice.due_on, env_.today);
      if (invoice.overdue_level < 1) {
        if (Full()) return false;
        event_.alerts.push_back(Make(account, AlertRule::kInvoiceOverdue, invoice.invoice_id,
                                     invoice.open_minor, days));
      }
      if (invoice.overdue_level < 2 && days > rules.overdue_days) {
        if (Full()) return false;
        event_.alerts.push_back(
            Make(account, AlertRule::kOverdueDays, invoice.invoice_id, invoice.open_minor, days));
      }
    }
    auto expiring = [&](Date valid_to, bool alerted) {
      return !alerted && valid_to >= env_.today &&
             DaysBetween(env_.today, valid_to) <= rules.expiry_notice_days;
    };
    for (const TemporaryLimit& limit : account.temporary_limits) {
      if (!expiring(limit.valid_to, limit.expiry_alerted)) continue;
      if (Full()) return false;
      event_.alerts.push_back(Make(account, AlertRule::kTemporaryLimitExpiring,
                                   limit.temporary_limit_id, limit.amount_minor,
                                   DaysBetween(env_.today, limit.valid_to)));
    }
    for (const Collateral& item : account.collateral) {
      if (!expiring(item.valid_to, item.expiry_alerted)) continue;
      if (Full()) return false;
      event_.alerts.push_back(Make(account, AlertRule::kCollateralExpiring, item.collateral_id,
                                   item.amount_minor, DaysBetween(env_.today, item.valid_to)));
    }
    if (account.review_on != kNoDate && account.review_alerted_on != account.review_on &&
        DaysBetween(env_.today, account.review_on) <= rules.review_notice_days) {
      if (Full()) return false;
      event_.alerts.push_back(Make(account, AlertRule::kReviewDue, "", account.ExposureMinor(),
                                   DaysBetween(env_.today, account.review_on)));
    }
    return true;
  }

  const State& s_;
  const Envelope& env_;
  MonitorRan event_;
};

Result<EventBody> State::DecideMonitor(const Envelope& envelope) const {
  return MonitorDecider(*this, envelope).Run();
}

bool State::MonitorDue(TimeMs now, Date today) const {
  if (monitor_.scanned_day != today) return true;
  if (monitor_.trend.empty() || monitor_.trend.back().day != today) return true;
  TimeMs sla_ms = TimeMs{monitor_.rules.hold_sla_minutes} * 60'000;
  for (uint32_t i = hold_queue_.first; i != kNone; i = orders_[i].hold_links.next) {
    const Order& order = orders_[i];
    if (order.placed_at + sla_ms > now) return false;
    if (!order.sla_alerted) return true;
  }
  return false;
}

const Alert* State::FindAlert(uint64_t alert_id) const {
  const std::vector<Alert>& alerts = monitor_.alerts;
  auto found = std::lower_bound(alerts.begin(), alerts.end(), alert_id,
                                [](const Alert& a, uint64_t id) { return a.alert_id < id; });
  return found != alerts.end() && found->alert_id == alert_id ? &*found : nullptr;
}

Alert* State::FindAlert(uint64_t alert_id) {
  return const_cast<Alert*>(static_cast<const State*>(this)->FindAlert(alert_id));
}

std::vector<Alert> State::Alerts(const AlertFilter& filter, size_t limit) const {
  std::vector<Alert> out;
  const std::vector<Alert>& alerts = monitor_.alerts;
  auto it = std::upper_bound(alerts.begin(), alerts.end(), filter.after_id,
                             [](uint64_t id, const Alert& a) { return id < a.alert_id; });
  for (; it != alerts.end() && out.size() < limit; ++it) {
    if (filter.rule && it->rule != *filter.rule) continue;
    if (!filter.customer_id.empty() && it->customer_id != filter.customer_id) continue;
    if (filter.acknowledged && it->acknowledged_by.empty() == *filter.acknowledged) continue;
    out.push_back(*it);
  }
  return out;
}

void State::RefreshDatedLimits(Date today) {
  for (uint32_t slot = 0; slot < accounts_.size(); ++slot) {
    const Account& account = accounts_[slot];
    if (account.temporary_limits.empty() && account.collateral.empty()) continue;
    if (!aggregates_.counted(slot)) continue;
    aggregates_.Update(slot, account.currency, FiguresOn(account, today), {}, false);
  }
}

void State::RebuildAggregates(Date today) {
  aggregates_.Clear();
  due_index_.Clear();
  for (uint32_t slot = 0; slot < accounts_.size(); ++slot) {
    const Account& account = accounts_[slot];
    const Customer& customer = customers_.at(account.ref.customer_id);
    aggregates_.Update(slot, account.currency, FiguresOn(account, today),
                       {&account.grade, &customer.industry, &customer.region}, true);
  }
  for (uint32_t slot = 0; slot < invoices_.size(); ++slot) {
    const Invoice& invoice = invoices_[slot];
    if (invoice.invoice_id.empty()) continue;
    aggregates_.AddDue(accounts_[invoice.account].currency, invoice.due_on, invoice.open_minor);
    due_index_.Add(DueKey{invoice.due_on.days, invoice.created_seq, slot});
  }
}

}  // namespace creditline
