// Apply for the credit assessment events: the only place their state changes.
#include <algorithm>
#include <cassert>

#include "core/assessment_internal.hpp"

namespace creditline {

void AssessmentApplier::operator()(const RecordFinancials& e) {
  Customer& customer = s_.customers_.at(e.customer_id);
  for (uint32_t slot : customer.accounts) s_.NoteHistory(slot, event_.seq);
  std::vector<Financials>& periods = customer.financials;
  auto position = std::lower_bound(
      periods.begin(), periods.end(), e.financials.period,
      [](const Financials& f, const std::string& period) { return f.period < period; });
  if (position != periods.end() && position->period == e.financials.period) {
    *position = e.financials;
  } else {
    periods.insert(position, e.financials);
  }
  if (periods.size() > kFinancialPeriodsKept) periods.erase(periods.begin());
}

void AssessmentApplier::operator()(const SetScorecard& e) { s_.scorecard_ = e.scorecard; }

void AssessmentApplier::operator()(const SetAssessmentPolicy& e) {
  s_.assessment_policy_ = e.policy;
}

void AssessmentApplier::operator()(const ReviewRan& e) {
  for (const ReviewOutcome& outcome : e.outcomes) {
    // A new grade moves the account to another bucket of the by-grade totals.
    bool regraded = s_.accounts_[s_.FindAccountSlot(outcome.account)].grade != outcome.grade;
    Account& account = AccountOf(outcome.account, regraded);
    account.grade = outcome.grade;
    account.score = outcome.score;
    account.reviewed_on = event_.today;
    account.review_on = outcome.next_review_on;
    account.base_limit_minor = outcome.limit_after_minor;
    if (outcome.result == ReviewResult::kSuspended) {
      account.status = AccountStatus::kPrepaymentOnly;
    }
    if (outcome.result == ReviewResult::kRequested) {
      LimitRequest request;
      request.request_id = outcome.request_id;
      request.account = outcome.account;
      request.currency = account.currency;
      request.amount_minor = outcome.proposed_minor;
      request.reason =
          "review: score " + std::to_string(outcome.score) + ", grade " + outcome.grade;
      request.requested_by = std::string(kReviewActor);
      request.requested_at = event_.time;
      request.limit_before_minor = outcome.limit_before_minor;
      AddRequest(std::move(request));
    }
  }
}

void AssessmentApplier::AddRequest(LimitRequest request) {
  auto slot = static_cast<uint32_t>(s_.limit_requests_.size());
  Account& account = AccountOf(request.account);
  ++account.pending_limit_requests;
  account.pending_limit_request = slot;
  s_.limit_request_index_.emplace(request.request_id, slot);
  s_.limit_requests_.push_back(std::move(request));
}

void AssessmentApplier::operator()(const LimitRequested& e) {
  const RequestLimitChange& c = e.request;
  AccountOf(c.account);  // Notes the request in the account's history.
  LimitRequest request;
  request.request_id = c.request_id;
  request.account = c.account;
  request.currency = c.amount.currency;
  request.amount_minor = c.amount.minor;
  request.expires_on = c.expires_on;
  request.reason = c.reason;
  request.requested_by = event_.actor;
  request.requested_at = event_.time;
  request.limit_before_minor = e.limit_before_minor;
  AddRequest(std::move(request));
}

void AssessmentApplier::operator()(const LimitRequestDecided& e) {
  uint32_t slot = s_.limit_request_index_.at(e.decision.request_id);
  LimitRequest& request = s_.limit_requests_[slot];
  assert(request.status == LimitRequestStatus::kPending);
  request.status =
      e.decision.approve ? LimitRequestStatus::kApproved : LimitRequestStatus::kRejected;
  request.decided_by = event_.actor;
  request.decision_reason = e.decision.reason;
  request.decided_at = event_.time;
  Account& account = AccountOf(e.account);
  s_.NotePendingRequestClosed(account, slot);
  if (!e.decision.approve) return;
  if (request.expires_on == kNoDate) {
    account.base_limit_minor = request.amount_minor;
  } else {
    account.temporary_limits.push_back(TemporaryLimit{TemporaryLimitIdFor(request.request_id),
                                                      request.amount_minor, event_.today,
                                                      request.expires_on, request.reason});
  }
}

void AssessmentApplier::operator()(const RecoveryPlanCreated& e) {
  const CreateRecoveryPlan& c = e.plan;
  RecoveryPlan plan;
  plan.plan_id = c.plan_id;
  plan.account = c.account;
  plan.currency = c.installments.front().amount.currency;
  for (const InstallmentTerms& terms : c.installments) {
    plan.installments.push_back(Installment{terms.due_on, terms.amount.minor});
    plan.total_minor += terms.amount.minor;
  }
  plan.limit_before_minor = e.limit_before_minor;
  plan.status_before = e.status_before;
  plan.reason = c.reason;
  plan.created_by = event_.actor;
  plan.created_on = event_.today;
  uint32_t slot = static_cast<uint32_t>(s_.recovery_plans_.size());
  s_.recovery_plan_index_.emplace(plan.plan_id, slot);
  s_.recovery_plans_.push_back(std::move(plan));
  AccountOf(c.account).recovery_plan = slot;
}

void AssessmentApplier::operator()(const RecoveryPlansChecked& e) {
  for (const InstallmentOutcome& outcome : e.installments) {
    RecoveryPlan& plan = s_.recovery_plans_[s_.recovery_plan_index_.at(outcome.plan_id)];
    plan.installments.at(outcome.index).status =
        outcome.paid ? InstallmentStatus::kPaid : InstallmentStatus::kMissed;
    if (!outcome.paid) AccountOf(plan.account).status = outcome.status_after;
  }
  for (const PlanCompleted& completed : e.completed) {
    RecoveryPlan& plan = s_.recovery_plans_[s_.recovery_plan_index_.at(completed.plan_id)];
    plan.status = RecoveryPlanStatus::kCompleted;
    Account& account = AccountOf(plan.account);
    account.recovery_plan = kNone;
    account.base_limit_minor = completed.limit_after_minor;
    account.status = AccountStatus::kActive;
  }
}

}  // namespace creditline
