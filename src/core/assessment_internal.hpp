// Internal to src/core: the Decide and Apply halves of the credit assessment commands
// (financials, scorecard, assessment policy, reviews, limit requests, recovery plans), kept out
// of state_decide.cpp and state_apply.cpp, which forward these commands and events here. Both
// are friends of State; the same threading rules apply (the engine thread only).
#pragma once

#include "core/state.hpp"

namespace creditline {

// The most accounts one review event holds: a few hundred kilobytes in the journal, and a
// pause of milliseconds for the engine, however large the portfolio.
inline constexpr uint32_t kReviewAccountsPerEventMax = 10'000;

class AssessmentDecider {
 public:
  AssessmentDecider(const State& state, const Envelope& envelope) : s_(state), env_(envelope) {}

  Result<EventBody> operator()(const RecordFinancials& c) const;
  Result<EventBody> operator()(const SetScorecard& c) const;
  Result<EventBody> operator()(const SetAssessmentPolicy& c) const;
  Result<EventBody> operator()(const RunReview& c) const;
  Result<EventBody> operator()(const RequestLimitChange& c) const;
  Result<EventBody> operator()(const DecideLimitRequest& c) const;
  Result<EventBody> operator()(const CreateRecoveryPlan& c) const;
  Result<EventBody> operator()(const CheckRecoveryPlans& c) const;

 private:
  Result<const Account*> FindAccount(const AccountRef& ref) const;
  Status CheckApprover(const LimitRequest& request, const DecideLimitRequest& c) const;
  Status CheckInstallments(const Account& account, const CreateRecoveryPlan& c) const;
  void CheckPlan(const RecoveryPlan& plan, RecoveryPlansChecked* event) const;

  const State& s_;
  const Envelope& env_;
};

class AssessmentApplier {
 public:
  AssessmentApplier(State& state, const Event& event) : s_(state), event_(event) {}

  void operator()(const RecordFinancials& e);
  void operator()(const SetScorecard& e);
  void operator()(const SetAssessmentPolicy& e);
  void operator()(const ReviewRan& e);
  void operator()(const LimitRequested& e);
  void operator()(const LimitRequestDecided& e);
  void operator()(const RecoveryPlanCreated& e);
  void operator()(const RecoveryPlansChecked& e);

 private:
  // The account an event changes: noted in its history and refreshed in the aggregates after
  // the event (`rebucket` when its grade may change).
  Account& AccountOf(const AccountRef& ref, bool rebucket = false) {
    uint32_t slot = s_.FindAccountSlot(ref);
    s_.TouchAccount(slot, event_.seq, rebucket);
    return s_.accounts_[slot];
  }
  void AddRequest(LimitRequest request);

  State& s_;
  const Event& event_;
};

}  // namespace creditline
