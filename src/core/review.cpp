// Assessment queries (State::Assess and friends) and the review decision for one account.
#include "core/review.hpp"

#include <algorithm>
#include <cassert>

namespace creditline {
namespace {

using int128 = __int128;

int64_t BasisPointsOf(int64_t amount_minor, int32_t bp) {
  return static_cast<int64_t>(int128{amount_minor} * bp / kBasisPointsPerUnit);
}

uint32_t GradeIndexOf(const Scorecard& scorecard, const std::string& grade) {
  for (uint32_t i = 0; i < scorecard.grades.size(); ++i) {
    if (scorecard.grades[i].grade == grade) return i;
  }
  return kNone;
}

}  // namespace

ReviewOutcome DecideReview(const AccountAssessment& a, const Scorecard& scorecard,
                           const ReviewPolicy& policy, Date today) {
  const GradeBand& band = scorecard.grades.at(a.score.grade_index);
  ReviewOutcome out{a.ref,
                    a.score.score,
                    a.score.grade,
                    a.proposal.limit_minor,
                    a.proposal.prepayment_only,
                    ReviewResult::kUnchanged,
                    a.limit_minor,
                    a.limit_minor,
                    AddDays(today, band.review_interval_days),
                    ""};
  if (a.proposal.prepayment_only) {
    if (policy.suspend_prepayment_only && a.status != AccountStatus::kPrepaymentOnly) {
      out.result = ReviewResult::kSuspended;
    }
    return out;
  }
  // Lifting a suspension or a block is a person's decision, never a review's.
  if (a.status == AccountStatus::kPrepaymentOnly || a.status == AccountStatus::kBlocked) {
    return out;
  }
  int64_t current = a.limit_minor, proposed = a.proposal.limit_minor;
  int64_t threshold = BasisPointsOf(current, policy.change_threshold_bp);
  if (std::abs(proposed - current) <= threshold) return out;
  ReviewMode mode = proposed < current ? policy.lower : policy.raise;
  if (proposed > current) {
    uint32_t raise_min = GradeIndexOf(scorecard, policy.raise_grade_min);
    if (raise_min == kNone || a.score.grade_index > raise_min) return out;
  }
  if (mode == ReviewMode::kOff) return out;
  if (mode == ReviewMode::kRequest) {
    out.result = ReviewResult::kRequested;
    return out;
  }
  if (proposed < current) {
    out.result = ReviewResult::kLowered;
    out.limit_after_minor = proposed;
    return out;
  }
  int64_t step = BasisPointsOf(current, policy.raise_step_bp);
  int64_t raised = std::min(proposed, current + step);
  raised -= raised % scorecard.rounding_minor;
  if (raised <= current) return out;
  out.result = ReviewResult::kRaised;
  out.limit_after_minor = raised;
  return out;
}

AccountAssessment State::AssessSlot(uint32_t slot, Date today) const {
  const Account& account = accounts_[slot];
  AccountAssessment a;
  a.ref = account.ref;
  a.currency = account.currency;
  a.status = account.status;
  a.limit_minor = account.base_limit_minor;
  a.last_score = account.score;
  a.reviewed_on = account.reviewed_on;
  a.review_on = account.review_on;
  ExposureNow now{account.ExposureMinor(), account.receivables_open_minor,
                  EffectiveLimitMinor(account, today), 0};
  // Open invoices are kept by due date: the first one is the most overdue.
  if (account.invoices.first != kNone) {
    now.oldest_days_past_due =
        std::max(0, DaysBetween(invoices_[account.invoices.first].due_on, today));
  }
  a.metrics = ComputeMetrics(account.behaviour, now, today);
  const Customer& customer = customers_.find(account.ref.customer_id)->second;
  AssessmentInputs inputs{a.metrics, nullptr};
  std::optional<int64_t> equity;
  if (!customer.financials.empty()) {
    const Financials& newest = customer.financials.back();
    inputs.financials = &newest;
    a.financials_period = newest.period;
    if (newest.currency == account.currency || newest.equity_minor <= 0) {
      equity = newest.equity_minor;
    } else if (Result<int64_t> converted = InAccountCurrency(
                   account, Money{newest.equity_minor, newest.currency}, today, "currency");
               converted.ok()) {
      equity = *converted;
    }
  }
  a.score = Score(scorecard_, inputs);
  a.proposal = ProposeLimit(scorecard_, a.score.grade_index, a.metrics, equity);
  return a;
}

Result<AccountAssessment> State::Assess(const AccountRef& ref, Date today) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, AccountSlot(ref));
  return AssessSlot(slot, today);
}

size_t State::CountDueForReview(Date today) const {
  return std::count_if(accounts_.begin(), accounts_.end(), [&](const Account& account) {
    return account.review_on == kNoDate || account.review_on <= today;
  });
}

const LimitRequest* State::FindLimitRequest(const std::string& request_id) const {
  auto found = limit_request_index_.find(request_id);
  return found == limit_request_index_.end() ? nullptr : &limit_requests_[found->second];
}

std::vector<const LimitRequest*> State::ListLimitRequests(const LimitRequestFilter& filter,
                                                          size_t from, size_t limit,
                                                          size_t* next) const {
  std::vector<const LimitRequest*> page;
  *next = 0;
  for (size_t i = from; i < limit_requests_.size(); ++i) {
    const LimitRequest& request = limit_requests_[i];
    if (filter.status && request.status != *filter.status) continue;
    if (!filter.customer_id.empty() && request.account.customer_id != filter.customer_id) continue;
    if (page.size() == limit) {
      *next = i;
      break;
    }
    page.push_back(&request);
  }
  return page;
}

void State::NotePendingRequestClosed(Account& account, uint32_t slot) {
  assert(account.pending_limit_requests > 0);
  --account.pending_limit_requests;
  if (account.pending_limit_request != slot) return;
  account.pending_limit_request = kNone;
  if (account.pending_limit_requests == 0) return;
  // Only a journal from before the one-pending-request rule gets here: find the newest other.
  for (uint32_t i = slot; i-- > 0;) {
    const LimitRequest& request = limit_requests_[i];
    if (request.status == LimitRequestStatus::kPending && request.account == account.ref) {
      account.pending_limit_request = i;
      return;
    }
  }
}

const RecoveryPlan* State::FindRecoveryPlan(const std::string& plan_id) const {
  auto found = recovery_plan_index_.find(plan_id);
  return found == recovery_plan_index_.end() ? nullptr : &recovery_plans_[found->second];
}

}  // namespace creditline
