#include "core/decision.hpp"

#include <algorithm>

namespace creditline {
namespace {

constexpr std::array<std::string_view, 4> kOutcomeNames = {"approved", "approved_with_warning",
                                                           "held", "rejected"};
constexpr std::array<std::string_view, 13> kReasonNames = {
    "account_blocked",     "account_on_hold",  "prepayment_only",       "review_expired",
    "max_order_value",     "days_past_due",    "overdue_amount",        "day_quota",
    "month_quota",         "within_tolerance", "credit_limit_exceeded", "group_limit_exceeded",
    "utilization_warning",
};

std::string Percent(int32_t basis_points) {
  return std::to_string(basis_points / 100) + "." + std::to_string(basis_points % 100 / 10) +
         std::to_string(basis_points % 10) + "%";
}

}  // namespace

std::string_view NameOf(Outcome outcome) { return kOutcomeNames[static_cast<size_t>(outcome)]; }
std::string_view NameOf(ReasonCode code) { return kReasonNames[static_cast<size_t>(code)]; }

bool Reasons::Contains(ReasonCode code) const {
  return std::any_of(begin(), end(), [code](const Reason& r) { return r.code == code; });
}

bool Reasons::operator==(const Reasons& other) const {
  return std::equal(begin(), end(), other.begin(), other.end());
}

Outcome OutcomeFor(const Reasons& reasons) {
  RuleAction worst = RuleAction::kOff;
  for (const Reason& reason : reasons) worst = std::max(worst, reason.action);
  switch (worst) {
    case RuleAction::kOff:
      return Outcome::kApproved;
    case RuleAction::kWarn:
      return Outcome::kApprovedWithWarning;
    case RuleAction::kHold:
      return Outcome::kHeld;
    case RuleAction::kReject:
      return Outcome::kRejected;
  }
  return Outcome::kRejected;
}

std::string ExplainReason(const Decision& d, Reason reason) {
  auto money = [&](int64_t minor) { return FormatMoney(Money{minor, d.currency}); };
  int64_t exposure_after = d.exposure_before_minor + d.amount_minor;
  switch (reason.code) {
    case ReasonCode::kAccountBlocked:
      return "the account is blocked";
    case ReasonCode::kAccountOnHold:
      return "the account is on credit hold";
    case ReasonCode::kPrepaymentOnly:
      return "the account is prepayment only and its prepaid credit " +
             money(d.unapplied_credit_minor) + " does not cover the exposure after the order " +
             money(exposure_after);
    case ReasonCode::kReviewExpired:
      return "the account's credit review date has passed";
    case ReasonCode::kMaxOrderValue:
      return "the order amount " + money(d.amount_minor) +
             " is over the policy's maximum order value";
    case ReasonCode::kDaysPastDue:
      return "the oldest open invoice is " + std::to_string(d.days_past_due) +
             " days past due, over the policy's maximum";
    case ReasonCode::kOverdueAmount:
      return "the overdue amount " + money(d.overdue_minor) + " is over the policy's maximum";
    case ReasonCode::kDayQuota:
      return "the amount ordered today would pass the policy's daily quota";
    case ReasonCode::kMonthQuota:
      return "the amount ordered in the last 30 days would pass the policy's monthly quota";
    case ReasonCode::kWithinTolerance:
      return "the exposure after the order " + money(exposure_after) + " passes the limit " +
             money(d.effective_limit_minor) + " but stays within the policy's tolerance";
    case ReasonCode::kCreditLimitExceeded:
      return "the exposure after the order " + money(exposure_after) + " passes the limit " +
             money(d.effective_limit_minor) + " (available " + money(d.available_before_minor) +
             ")";
    case ReasonCode::kGroupLimitExceeded:
      return "the credit group's exposure after the order passes the group limit " +
             money(d.group_limit_minor);
    case ReasonCode::kUtilizationWarning:
      return "utilization after the order is " + Percent(d.utilization_after_bp);
  }
  return "unknown reason";
}

}  // namespace creditline
