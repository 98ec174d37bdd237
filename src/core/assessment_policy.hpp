// The assessment policy: what a periodic review may do on its own, who may approve a limit
// change request of which amount, and what a recovery plan does when an installment is missed
// and when the plan is completed.
//
// One policy is in force, part of core::State, set by the SetAssessmentPolicy command. Role
// names and their order match the API's roles (viewer < sales < analyst < credit_manager <
// admin); the core knows them only as names and ranks. Value types; thread-safe functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace creditline {

// What a review does with a proposed change of one direction.
enum class ReviewMode : uint8_t { kOff, kAuto, kRequest };
inline constexpr uint8_t EnumLimit(ReviewMode) { return 3; }
std::string_view NameOf(ReviewMode mode);
Result<ReviewMode> ParseReviewMode(std::string_view text);

struct ReviewPolicy {
  ReviewMode lower = ReviewMode::kAuto;  // Proposal below the limit.
  ReviewMode raise = ReviewMode::kAuto;  // Proposal above the limit.
  // Raises only for this grade or better ("good behaviour"); a grade the scorecard does not
  // have disables raises.
  std::string raise_grade_min = "A";
  int32_t raise_step_bp = 2'000;  // An automatic raise adds at most 20% of the limit.
  // Proposals within 5% of the limit leave it alone, so limits do not churn.
  int32_t change_threshold_bp = 500;
  bool suspend_prepayment_only = true;  // A prepayment-only grade suspends the account.
  template <class F>
  void Fields(F&& f) {
    f("lower", lower), f("raise", raise), f("raise_grade_min", raise_grade_min),
        f("raise_step_bp", raise_step_bp), f("change_threshold_bp", change_threshold_bp),
        f("suspend_prepayment_only", suspend_prepayment_only);
  }
  bool operator==(const ReviewPolicy&) const = default;
};

// An approver of `role` (or higher) may approve requests up to amount_max_minor.
struct ApprovalTier {
  std::string role;
  int64_t amount_max_minor = 0;  // In the account's currency.
  template <class F>
  void Fields(F&& f) {
    f("role", role), f("amount_max_minor", amount_max_minor);
  }
  bool operator==(const ApprovalTier&) const = default;
};

enum class MissedInstallmentAction : uint8_t { kHold, kBlock };
inline constexpr uint8_t EnumLimit(MissedInstallmentAction) { return 2; }
std::string_view NameOf(MissedInstallmentAction action);
Result<MissedInstallmentAction> ParseMissedInstallmentAction(std::string_view text);

struct RecoveryRule {
  MissedInstallmentAction missed_action = MissedInstallmentAction::kHold;
  // A completed plan restores the account to active and its limit to at least this share of
  // the limit it had when the plan was agreed.
  int32_t restore_limit_bp = 5'000;
  template <class F>
  void Fields(F&& f) {
    f("missed_action", missed_action), f("restore_limit_bp", restore_limit_bp);
  }
  bool operator==(const RecoveryRule&) const = default;
};

struct AssessmentPolicy {
  ReviewPolicy review;
  std::vector<ApprovalTier> approval_tiers;  // Ascending role rank.
  RecoveryRule recovery;
  template <class F>
  void Fields(F&& f) {
    f("review", review), f("approval_tiers", approval_tiers), f("recovery", recovery);
  }
  bool operator==(const AssessmentPolicy&) const = default;
};

inline constexpr size_t kApprovalTiersMax = 8;

AssessmentPolicy DefaultAssessmentPolicy();
Status ValidateAssessmentPolicy(const AssessmentPolicy& policy);
// 0 viewer .. 4 admin; -1 for an unknown name.
int RoleRank(std::string_view role);
// The most an approver of `role` may approve, or -1 when no tier admits the role.
int64_t ApprovalLimitMinor(const AssessmentPolicy& policy, std::string_view role);

}  // namespace creditline
