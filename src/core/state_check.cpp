// The credit check: the figures of an order against its account, and the rules in the order
// DESIGN.md gives. Pure functions of the state; no mutation.
#include <algorithm>

#include "core/state.hpp"

namespace creditline {
namespace {

using int128 = __int128;

void AddReason(Reasons& reasons, ReasonCode code, RuleAction action) {
  if (action != RuleAction::kOff) reasons.Add(Reason{code, action});
}

}  // namespace

int64_t State::EffectiveLimitMinor(const Account& account, Date today, int64_t* temporary_minor,
                                   int64_t* collateral_minor) const {
  // Bounded counts of entries of bounded amounts: these sums cannot overflow.
  int64_t temporary = 0;
  for (const TemporaryLimit& limit : account.temporary_limits) {
    if (limit.valid_from <= today && today <= limit.valid_to) temporary += limit.amount_minor;
  }
  int64_t collateral = 0;
  for (const Collateral& item : account.collateral) {
    if (item.counts_toward_limit && today <= item.valid_to) collateral += item.amount_minor;
  }
  if (temporary_minor != nullptr) *temporary_minor = temporary;
  if (collateral_minor != nullptr) *collateral_minor = collateral;
  return account.base_limit_minor + temporary + collateral;
}

int64_t State::OverdueMinor(const Account& account, Date today, int32_t* oldest_days) const {
  // Invoices are kept by due date, so the walk stops at the first one not yet due.
  int64_t overdue = 0;
  *oldest_days = 0;
  for (uint32_t i = account.invoices.first; i != kNone; i = invoices_[i].account_links.next) {
    const Invoice& invoice = invoices_[i];
    if (invoice.due_on >= today) break;
    if (overdue == 0) *oldest_days = DaysBetween(invoice.due_on, today);
    overdue += invoice.open_minor;
  }
  return overdue;
}

int64_t State::OrderedSince(const Account& account, Date first_day) const {
  int64_t total = 0;
  for (const DayAmount& day : account.ordered_by_day) {
    if (day.day >= first_day) total += day.amount_minor;
  }
  return total;
}

Result<int64_t> State::InAccountCurrency(const Account& account, Money amount, Date on,
                                         const char* field) const {
  if (!amount.currency.valid()) {
    return MakeError(ErrorCode::kUnknownCurrency, "a currency is required", field);
  }
  CL_ASSIGN_OR_RETURN(Money converted, fx_.Convert(amount, account.currency, on));
  return converted.minor;
}

Result<Decision> State::Breakdown(const Account& account, int64_t amount_minor, Date today) const {
  Decision d;
  d.currency = account.currency;
  d.amount_minor = amount_minor;
  d.limit_minor = account.base_limit_minor;
  d.effective_limit_minor = EffectiveLimitMinor(account, today);
  d.orders_open_minor = account.orders_open_minor;
  d.receivables_open_minor = account.receivables_open_minor;
  d.unapplied_credit_minor = account.unapplied_credit_minor;
  d.exposure_before_minor = account.ExposureMinor();
  CL_ASSIGN_OR_RETURN(int64_t exposure_after, AddMinor(d.exposure_before_minor, amount_minor));
  d.available_before_minor = d.effective_limit_minor - d.exposure_before_minor;
  d.available_after_minor = d.effective_limit_minor - exposure_after;
  d.utilization_after_bp = UtilizationBp(exposure_after, d.effective_limit_minor);
  d.overdue_minor = OverdueMinor(account, today, &d.days_past_due);
  if (account.group != kNone) {
    const Group& group = groups_[account.group];
    CL_ASSIGN_OR_RETURN(int64_t group_after, AddMinor(group.exposure_minor, amount_minor));
    d.in_group = true;
    d.group_limit_minor = group.limit_minor;
    d.group_exposure_before_minor = group.exposure_minor;
    d.group_available_after_minor = group.limit_minor - group_after;
  }
  return d;
}

Result<Decision> State::RunChecks(const Account& account, int64_t amount_minor,
                                  int64_t order_total_minor, Date today) const {
  CL_ASSIGN_OR_RETURN(Decision d, Breakdown(account, amount_minor, today));
  const Policy& policy = policies_[account.policy];
  int64_t exposure_after = d.exposure_before_minor + amount_minor;  // Checked in Breakdown.
  Reasons& reasons = d.reasons;

  if (account.status == AccountStatus::kBlocked) {
    AddReason(reasons, ReasonCode::kAccountBlocked, policy.blocked_action);
  } else if (account.status == AccountStatus::kOnHold) {
    AddReason(reasons, ReasonCode::kAccountOnHold, policy.on_hold_action);
  } else if (account.status == AccountStatus::kPrepaymentOnly && exposure_after > 0) {
    AddReason(reasons, ReasonCode::kPrepaymentOnly, policy.prepayment_action);
  }
  if (account.review_on != kNoDate && account.review_on < today) {
    AddReason(reasons, ReasonCode::kReviewExpired, policy.review_expired_action);
  }
  if (policy.max_order_value) {
    CL_ASSIGN_OR_RETURN(int64_t maximum, InAccountCurrency(account, *policy.max_order_value, today,
                                                           "max_order_value"));
    if (order_total_minor > maximum) {
      AddReason(reasons, ReasonCode::kMaxOrderValue, policy.max_order_value_action);
    }
  }
  if (policy.max_days_past_due && d.days_past_due > *policy.max_days_past_due) {
    AddReason(reasons, ReasonCode::kDaysPastDue, policy.overdue_action);
  }
  if (policy.max_overdue_amount) {
    CL_ASSIGN_OR_RETURN(int64_t maximum, InAccountCurrency(account, *policy.max_overdue_amount,
                                                           today, "max_overdue_amount"));
    if (d.overdue_minor > maximum) {
      AddReason(reasons, ReasonCode::kOverdueAmount, policy.overdue_action);
    }
  }
  if (policy.day_quota) {
    CL_ASSIGN_OR_RETURN(int64_t quota,
                        InAccountCurrency(account, *policy.day_quota, today, "day_quota"));
    if (OrderedSince(account, today) + amount_minor > quota) {
      AddReason(reasons, ReasonCode::kDayQuota, policy.quota_action);
    }
  }
  if (policy.month_quota) {
    CL_ASSIGN_OR_RETURN(int64_t quota,
                        InAccountCurrency(account, *policy.month_quota, today, "month_quota"));
    if (OrderedSince(account, AddDays(today, 1 - kMonthQuotaDays)) + amount_minor > quota) {
      AddReason(reasons, ReasonCode::kMonthQuota, policy.quota_action);
    }
  }
  bool over_limit = exposure_after > d.effective_limit_minor;
  if (over_limit) {
    int128 tolerance = d.effective_limit_minor > 0 ? int128{d.effective_limit_minor} *
                                                         policy.tolerance_bp / kBasisPointsPerUnit
                                                   : 0;
    if (exposure_after <= d.effective_limit_minor + tolerance) {
      AddReason(reasons, ReasonCode::kWithinTolerance, policy.warning_action);
    } else {
      AddReason(reasons, ReasonCode::kCreditLimitExceeded, policy.limit_action);
    }
  }
  if (d.in_group && d.group_available_after_minor < 0) {
    AddReason(reasons, ReasonCode::kGroupLimitExceeded, policy.group_limit_action);
  }
  if (!over_limit && d.utilization_after_bp >= policy.warning_bp && exposure_after > 0) {
    AddReason(reasons, ReasonCode::kUtilizationWarning, policy.warning_action);
  }
  d.outcome = OutcomeFor(reasons);
  return d;
}

}  // namespace creditline
