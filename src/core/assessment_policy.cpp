#include "core/assessment_policy.hpp"

#include <algorithm>
#include <array>

#include "core/money.hpp"

namespace creditline {
namespace {

constexpr std::array<std::string_view, 3> kReviewModeNames = {"off", "auto", "request"};
constexpr std::array<std::string_view, 2> kMissedActionNames = {"hold", "block"};
constexpr std::array<std::string_view, 5> kRoleNames = {"viewer", "sales", "analyst",
                                                        "credit_manager", "admin"};
constexpr int kApproverRankMin = 2;  // Analysts and above approve; sales and viewers never.
constexpr size_t kGradeBytesMax = 16;

template <class Enum, size_t N>
Result<Enum> ParseName(const std::array<std::string_view, N>& names, std::string_view text,
                       const char* field) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string("unknown ") + field + " '" + std::string(text.substr(0, 40)) + "'",
                   field);
}

Error Invalid(std::string message, const char* field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), field);
}

}  // namespace

std::string_view NameOf(ReviewMode mode) { return kReviewModeNames.at(static_cast<size_t>(mode)); }
Result<ReviewMode> ParseReviewMode(std::string_view text) {
  return ParseName<ReviewMode>(kReviewModeNames, text, "review mode");
}
std::string_view NameOf(MissedInstallmentAction action) {
  return kMissedActionNames.at(static_cast<size_t>(action));
}
Result<MissedInstallmentAction> ParseMissedInstallmentAction(std::string_view text) {
  return ParseName<MissedInstallmentAction>(kMissedActionNames, text, "missed_action");
}

int RoleRank(std::string_view role) {
  for (size_t i = 0; i < kRoleNames.size(); ++i) {
    if (kRoleNames[i] == role) return static_cast<int>(i);
  }
  return -1;
}

AssessmentPolicy DefaultAssessmentPolicy() {
  AssessmentPolicy policy;
  policy.approval_tiers = {
      {"analyst", 50'000'000}, {"credit_manager", 500'000'000}, {"admin", kAmountMinorMax}};
  return policy;
}

Status ValidateAssessmentPolicy(const AssessmentPolicy& policy) {
  const ReviewPolicy& review = policy.review;
  if (static_cast<uint8_t>(review.lower) >= EnumLimit(ReviewMode{}) ||
      static_cast<uint8_t>(review.raise) >= EnumLimit(ReviewMode{})) {
    return Invalid("unknown review mode", "review");
  }
  if (review.raise_grade_min.empty() || review.raise_grade_min.size() > kGradeBytesMax) {
    return Invalid("raise_grade_min needs 1..16 characters", "raise_grade_min");
  }
  if (review.raise_step_bp < 0 || review.raise_step_bp > 10 * 10'000) {
    return Invalid("raise_step_bp must be 0..100000", "raise_step_bp");
  }
  if (review.change_threshold_bp < 0 || review.change_threshold_bp > 10'000) {
    return Invalid("change_threshold_bp must be 0..10000", "change_threshold_bp");
  }
  if (policy.approval_tiers.empty() || policy.approval_tiers.size() > kApprovalTiersMax) {
    return Invalid("approval_tiers needs 1..8 tiers", "approval_tiers");
  }
  int previous_rank = -1;
  for (const ApprovalTier& tier : policy.approval_tiers) {
    int rank = RoleRank(tier.role);
    if (rank < kApproverRankMin) {
      return Invalid("an approval tier's role must be analyst, credit_manager or admin",
                     "approval_tiers");
    }
    if (rank <= previous_rank) {
      return Invalid("approval tiers must list each role once, in ascending rank",
                     "approval_tiers");
    }
    if (tier.amount_max_minor < 0 || tier.amount_max_minor > kAmountMinorMax) {
      return Invalid("amount_max_minor must be 0..10^15", "approval_tiers");
    }
    previous_rank = rank;
  }
  if (static_cast<uint8_t>(policy.recovery.missed_action) >= EnumLimit(MissedInstallmentAction{})) {
    return Invalid("unknown missed_action", "missed_action");
  }
  if (policy.recovery.restore_limit_bp < 0 || policy.recovery.restore_limit_bp > 10'000) {
    return Invalid("restore_limit_bp must be 0..10000", "restore_limit_bp");
  }
  return Status::Ok();
}

int64_t ApprovalLimitMinor(const AssessmentPolicy& policy, std::string_view role) {
  int rank = RoleRank(role);
  int64_t limit = -1;
  // A higher role may approve whatever a lower tier may.
  for (const ApprovalTier& tier : policy.approval_tiers) {
    if (RoleRank(tier.role) <= rank) limit = std::max(limit, tier.amount_max_minor);
  }
  return limit;
}

}  // namespace creditline
