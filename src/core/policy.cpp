#include "core/policy.hpp"

#include <array>

#include "core/ids.hpp"

namespace creditline {
namespace {

constexpr std::array<std::string_view, 4> kActionNames = {"off", "warn", "hold", "reject"};

Status ValidateOptionalAmount(const std::optional<Money>& amount, const char* field) {
  if (!amount) return Status::Ok();
  if (!amount->currency.valid()) {
    return MakeError(ErrorCode::kUnknownCurrency, std::string(field) + " needs a currency", field);
  }
  if (amount->minor < 0 || amount->minor > kAmountMinorMax) {
    return MakeError(ErrorCode::kInvalidAmount,
                     std::string(field) + " must be between 0 and 10^15 minor units", field);
  }
  return Status::Ok();
}

// Actions arrive parsed from names; an out-of-range value would be journaled but not decodable.
Status ValidateAction(RuleAction action, const char* field) {
  if (static_cast<uint8_t>(action) >= EnumLimit(RuleAction{})) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(field) + " must be off, warn, hold or reject", field);
  }
  return Status::Ok();
}

Status ValidateBasisPoints(int32_t value, const char* field) {
  if (value < 0 || value > kPolicyBasisPointsMax) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(field) + " must be between 0 and 100000 basis points", field);
  }
  return Status::Ok();
}

}  // namespace

std::string_view NameOf(RuleAction action) { return kActionNames[static_cast<size_t>(action)]; }

Result<RuleAction> ParseRuleAction(std::string_view text) {
  for (size_t i = 0; i < kActionNames.size(); ++i) {
    if (kActionNames[i] == text) return static_cast<RuleAction>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown rule action '" + std::string(text.substr(0, 20)) +
                       "': expected off, warn, hold or reject",
                   "action");
}

Status ValidatePolicy(const Policy& policy) {
  CL_RETURN_IF_ERROR(ValidateId(policy.name, "name"));
  CL_RETURN_IF_ERROR(ValidateBasisPoints(policy.tolerance_bp, "tolerance_bp"));
  CL_RETURN_IF_ERROR(ValidateBasisPoints(policy.warning_bp, "warning_bp"));
  CL_RETURN_IF_ERROR(ValidateOptionalAmount(policy.max_order_value, "max_order_value"));
  CL_RETURN_IF_ERROR(ValidateOptionalAmount(policy.max_overdue_amount, "max_overdue_amount"));
  CL_RETURN_IF_ERROR(ValidateOptionalAmount(policy.day_quota, "day_quota"));
  CL_RETURN_IF_ERROR(ValidateOptionalAmount(policy.month_quota, "month_quota"));
  if (policy.max_days_past_due &&
      (*policy.max_days_past_due < 0 || *policy.max_days_past_due > 3650)) {
    return MakeError(ErrorCode::kInvalidArgument, "max_days_past_due must be 0..3650",
                     "max_days_past_due");
  }
  for (const PolicyActionField& field : kPolicyActionFields) {
    CL_RETURN_IF_ERROR(ValidateAction(policy.*field.member, field.name));
  }
  return Status::Ok();
}

}  // namespace creditline
