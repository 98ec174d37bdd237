// Decide for the credit assessment commands: validate and resolve into events. Never mutates.
#include <algorithm>

#include "core/assessment_internal.hpp"
#include "core/ids.hpp"
#include "core/review.hpp"

namespace creditline {
namespace {

// Request ids with this prefix are the review's own (review-<seq>-<n>).
constexpr std::string_view kReviewRequestPrefix = "review-";

Error InvalidState(std::string message, const char* field) {
  return MakeError(ErrorCode::kInvalidState, std::move(message), field);
}

Status ValidateDateField(Date date, const char* field) {
  if (date < kDateMin || date > kDateMax) {
    return MakeError(ErrorCode::kInvalidDate, std::string(field) + " is required", field);
  }
  return Status::Ok();
}

Status CheckCurrency(Currency expected, Currency given) {
  if (!given.valid()) {
    return MakeError(ErrorCode::kUnknownCurrency, "a currency is required", "currency");
  }
  if (expected != given) {
    return MakeError(ErrorCode::kCurrencyMismatch,
                     "the amount must be in the account's currency " + std::string(expected.code()),
                     "currency");
  }
  return Status::Ok();
}

}  // namespace

Result<const Account*> AssessmentDecider::FindAccount(const AccountRef& ref) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, s_.AccountSlot(ref));
  return &s_.accounts_[slot];
}

Result<EventBody> AssessmentDecider::operator()(const RecordFinancials& c) const {
  if (s_.FindCustomer(c.customer_id) == nullptr) {
    CL_RETURN_IF_ERROR(ValidateId(c.customer_id, "customer_id"));
    return MakeError(ErrorCode::kCustomerNotFound,
                     "no customer '" + c.customer_id.substr(0, 80) + "'", "customer_id");
  }
  CL_RETURN_IF_ERROR(ValidateFinancials(c.financials));
  return c;
}

Result<EventBody> AssessmentDecider::operator()(const SetScorecard& c) const {
  CL_RETURN_IF_ERROR(ValidateScorecard(c.scorecard));
  return c;
}

Result<EventBody> AssessmentDecider::operator()(const SetAssessmentPolicy& c) const {
  CL_RETURN_IF_ERROR(ValidateAssessmentPolicy(c.policy));
  return c;
}

Result<EventBody> AssessmentDecider::operator()(const RunReview& c) const {
  uint32_t accounts_max = c.accounts_max == 0 ? kReviewAccountsPerEventMax : c.accounts_max;
  if (accounts_max > kReviewAccountsPerEventMax) {
    return MakeError(ErrorCode::kInvalidArgument, "accounts_max must be 0..10000", "accounts_max");
  }
  if (c.from_account > s_.accounts_.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "from_account is past the last account",
                     "from_account");
  }
  ReviewRan event{c, {}, kReviewFinished};
  event.outcomes.reserve(std::min<size_t>(accounts_max, s_.accounts_.size() - c.from_account));
  uint64_t seq = s_.last_seq_ + 1;
  for (uint32_t slot = c.from_account; slot < s_.accounts_.size(); ++slot) {
    const Account& account = s_.accounts_[slot];
    if (account.review_on != kNoDate && account.review_on > env_.today) continue;
    if (event.outcomes.size() == accounts_max) {
      event.next_account = slot;
      break;
    }
    ReviewOutcome& outcome = event.outcomes.emplace_back(DecideReview(
        s_.AssessSlot(slot, env_.today), s_.scorecard_, s_.assessment_policy_.review, env_.today));
    if (outcome.result == ReviewResult::kRequested && account.pending_limit_requests > 0) {
      // A request already waits for a decision: a second would only pile up beside it.
      outcome.result = ReviewResult::kRequestPending;
      outcome.request_id = s_.limit_requests_[account.pending_limit_request].request_id;
    } else if (outcome.result == ReviewResult::kRequested) {
      outcome.request_id = std::string(kReviewRequestPrefix) + std::to_string(seq) + "-" +
                           std::to_string(event.outcomes.size() - 1);
    }
  }
  return event;
}

Result<EventBody> AssessmentDecider::operator()(const RequestLimitChange& c) const {
  CL_RETURN_IF_ERROR(ValidateId(c.request_id, "request_id"));
  if (c.request_id.starts_with(kReviewRequestPrefix)) {
    return MakeError(ErrorCode::kInvalidId, "request ids starting with 'review-' are reserved",
                     "request_id");
  }
  if (s_.limit_request_index_.contains(c.request_id)) {
    return MakeError(ErrorCode::kDuplicateId, "request '" + c.request_id + "' already exists",
                     "request_id");
  }
  CL_ASSIGN_OR_RETURN(const Account* account, FindAccount(c.account));
  CL_RETURN_IF_ERROR(CheckCurrency(account->currency, c.amount.currency));
  bool temporary = c.expires_on != kNoDate;
  if (c.amount.minor < (temporary ? 1 : 0) || c.amount.minor > kAmountMinorMax) {
    return MakeError(ErrorCode::kInvalidAmount,
                     temporary ? "a temporary increase must be 1..10^15 minor units"
                               : "the new limit must be 0..10^15 minor units",
                     "amount_minor");
  }
  if (temporary) {
    CL_RETURN_IF_ERROR(ValidateDateField(c.expires_on, "expires_on"));
    if (c.expires_on < env_.today) {
      return MakeError(ErrorCode::kInvalidDate, "expires_on is in the past", "expires_on");
    }
  }
  CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", true));
  // The request itself is valid; it still waits for the one pending on the account.
  if (account->pending_limit_requests > 0) {
    return MakeError(ErrorCode::kLimitRequestPending,
                     "request '" + s_.limit_requests_[account->pending_limit_request].request_id +
                         "' for this account is still pending: approve or reject it first",
                     "account");
  }
  return LimitRequested{c, account->base_limit_minor};
}

Status AssessmentDecider::CheckApprover(const LimitRequest& request,
                                        const DecideLimitRequest& c) const {
  if (RoleRank(c.approver_role) < RoleRank("analyst")) {
    return MakeError(ErrorCode::kForbidden, "only analysts and above decide limit requests",
                     "approver_role");
  }
  if (!c.approve) return Status::Ok();
  // Four eyes: whoever asked for a limit never grants it.
  if (env_.actor == request.requested_by) {
    return MakeError(ErrorCode::kFourEyesViolation,
                     "the requester cannot approve their own request", "request_id");
  }
  int64_t approvable = ApprovalLimitMinor(s_.assessment_policy_, c.approver_role);
  if (request.amount_minor > approvable) {
    return MakeError(ErrorCode::kApprovalTierExceeded,
                     "role " + c.approver_role + " may approve up to " +
                         std::to_string(std::max<int64_t>(approvable, 0)) + " minor units",
                     "amount_minor");
  }
  return Status::Ok();
}

Result<EventBody> AssessmentDecider::operator()(const DecideLimitRequest& c) const {
  const LimitRequest* request = s_.FindLimitRequest(c.request_id);
  if (request == nullptr) {
    CL_RETURN_IF_ERROR(ValidateId(c.request_id, "request_id"));
    return MakeError(ErrorCode::kLimitRequestNotFound, "no limit request '" + c.request_id + "'",
                     "request_id");
  }
  if (request->status != LimitRequestStatus::kPending) {
    return InvalidState(
        "request '" + c.request_id + "' is already " + std::string(NameOf(request->status)),
        "request_id");
  }
  CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", true));
  CL_RETURN_IF_ERROR(CheckApprover(*request, c));
  CL_ASSIGN_OR_RETURN(const Account* account, FindAccount(request->account));
  if (c.approve && request->expires_on != kNoDate) {
    if (request->expires_on < env_.today) {
      return InvalidState("the temporary increase expired before approval", "expires_on");
    }
    std::string id = TemporaryLimitIdFor(request->request_id);
    for (const TemporaryLimit& existing : account->temporary_limits) {
      if (existing.temporary_limit_id == id) {
        return InvalidState("temporary limit '" + id + "' already exists", "request_id");
      }
    }
    if (account->temporary_limits.size() >= 32) {
      return InvalidState("an account has at most 32 temporary limits", "request_id");
    }
  }
  return LimitRequestDecided{c, account->ref, account->base_limit_minor};
}

Status AssessmentDecider::CheckInstallments(const Account& account,
                                            const CreateRecoveryPlan& c) const {
  if (c.installments.empty() || c.installments.size() > kInstallmentsPerPlanMax) {
    return MakeError(ErrorCode::kInvalidArgument, "a plan needs 1..120 installments",
                     "installments");
  }
  int64_t total = 0;
  Date previous = kNoDate;
  for (const InstallmentTerms& installment : c.installments) {
    CL_RETURN_IF_ERROR(ValidateDateField(installment.due_on, "due_on"));
    if (installment.due_on < env_.today) {
      return MakeError(ErrorCode::kInvalidDate, "an installment falls due in the past", "due_on");
    }
    if (previous != kNoDate && installment.due_on <= previous) {
      return MakeError(ErrorCode::kInvalidDate, "installment due dates must ascend", "due_on");
    }
    previous = installment.due_on;
    CL_RETURN_IF_ERROR(CheckCurrency(account.currency, installment.amount.currency));
    if (installment.amount.minor <= 0 || installment.amount.minor > kAmountMinorMax) {
      return MakeError(ErrorCode::kInvalidAmount, "an installment must be 1..10^15 minor units",
                       "amount_minor");
    }
    total += installment.amount.minor;  // At most 120 x 10^15: no overflow.
  }
  if (total > account.receivables_open_minor) {
    return MakeError(ErrorCode::kInvalidAmount,
                     "the installments add up to more than the open receivables", "installments");
  }
  return Status::Ok();
}

Result<EventBody> AssessmentDecider::operator()(const CreateRecoveryPlan& c) const {
  CL_RETURN_IF_ERROR(ValidateId(c.plan_id, "plan_id"));
  if (s_.recovery_plan_index_.contains(c.plan_id)) {
    return MakeError(ErrorCode::kDuplicateId, "plan '" + c.plan_id + "' already exists", "plan_id");
  }
  CL_ASSIGN_OR_RETURN(const Account* account, FindAccount(c.account));
  if (account->recovery_plan != kNone) {
    return InvalidState("the account already has active plan '" +
                            s_.recovery_plans_[account->recovery_plan].plan_id + "'",
                        "plan_id");
  }
  CL_RETURN_IF_ERROR(CheckInstallments(*account, c));
  CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
  return RecoveryPlanCreated{c, account->base_limit_minor, account->status};
}

void AssessmentDecider::CheckPlan(const RecoveryPlan& plan, RecoveryPlansChecked* event) const {
  const RecoveryRule& rule = s_.assessment_policy_.recovery;
  AccountStatus missed_status = rule.missed_action == MissedInstallmentAction::kBlock
                                    ? AccountStatus::kBlocked
                                    : AccountStatus::kOnHold;
  bool completed = plan.paid_minor >= plan.total_minor;
  int64_t due_so_far = 0;
  for (uint32_t i = 0; i < plan.installments.size(); ++i) {
    const Installment& installment = plan.installments[i];
    due_so_far += installment.amount_minor;
    if (installment.status != InstallmentStatus::kPending) continue;
    if (plan.paid_minor >= due_so_far) {
      event->installments.push_back({plan.plan_id, i, true, AccountStatus::kActive});
    } else if (installment.due_on <= env_.today) {
      event->installments.push_back({plan.plan_id, i, false, missed_status});
    }
  }
  if (!completed) return;
  const Account& account = s_.accounts_[s_.FindAccountSlot(plan.account)];
  int64_t restored = static_cast<int64_t>(__int128{plan.limit_before_minor} *
                                          rule.restore_limit_bp / kBasisPointsPerUnit);
  event->completed.push_back({plan.plan_id, std::max(account.base_limit_minor, restored)});
}

Result<EventBody> AssessmentDecider::operator()(const CheckRecoveryPlans&) const {
  RecoveryPlansChecked event;
  for (const RecoveryPlan& plan : s_.recovery_plans_) {
    if (plan.status == RecoveryPlanStatus::kActive) CheckPlan(plan, &event);
  }
  return event;
}

}  // namespace creditline
