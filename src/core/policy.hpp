// Credit policies: the named rule sets that decide what happens to an order.
//
// Each account names one policy. Every rule has an action (off, warn, hold, reject); the most
// severe action among the rules that fire becomes the decision. Percentages are integer basis
// points (1% = 100 bp) so that no floating point enters a credit decision. Value types.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/money.hpp"

namespace creditline {

enum class RuleAction : uint8_t { kOff, kWarn, kHold, kReject };
inline constexpr uint8_t EnumLimit(RuleAction) { return 4; }
std::string_view NameOf(RuleAction action);
Result<RuleAction> ParseRuleAction(std::string_view text);

inline constexpr int32_t kBasisPointsPerUnit = 10'000;  // 100%.
// Tolerance and warning thresholds are bounded to keep limit arithmetic meaningful.
inline constexpr int32_t kPolicyBasisPointsMax = 10 * kBasisPointsPerUnit;

inline constexpr std::string_view kDefaultPolicyName = "standard";

struct Policy {
  std::string name{kDefaultPolicyName};
  // An order may take exposure up to limit * (1 + tolerance) before the limit rule acts;
  // inside the tolerance it is approved with a warning.
  int32_t tolerance_bp = 0;
  int32_t warning_bp = 8'000;  // Warn when utilization after the order reaches this.
  std::optional<Money> max_order_value;
  std::optional<int32_t> max_days_past_due;  // Oldest open invoice past due more than this.
  std::optional<Money> max_overdue_amount;
  std::optional<Money> day_quota;    // Amount ordered today (business date).
  std::optional<Money> month_quota;  // Amount ordered in the rolling 30 days ending today.

  RuleAction blocked_action = RuleAction::kReject;
  RuleAction on_hold_action = RuleAction::kHold;
  RuleAction prepayment_action = RuleAction::kReject;
  RuleAction review_expired_action = RuleAction::kWarn;
  RuleAction max_order_value_action = RuleAction::kHold;
  RuleAction overdue_action = RuleAction::kHold;
  RuleAction quota_action = RuleAction::kHold;
  RuleAction limit_action = RuleAction::kHold;
  RuleAction group_limit_action = RuleAction::kHold;
  RuleAction warning_action = RuleAction::kWarn;

  template <class F>
  void Fields(F&& f) {
    f("name", name), f("tolerance_bp", tolerance_bp), f("warning_bp", warning_bp),
        f("max_order_value", max_order_value), f("max_days_past_due", max_days_past_due);
    f("max_overdue_amount", max_overdue_amount), f("day_quota", day_quota),
        f("month_quota", month_quota);
    f("blocked_action", blocked_action), f("on_hold_action", on_hold_action),
        f("prepayment_action", prepayment_action),
        f("review_expired_action", review_expired_action);
    f("max_order_value_action", max_order_value_action), f("overdue_action", overdue_action),
        f("quota_action", quota_action), f("limit_action", limit_action);
    f("group_limit_action", group_limit_action), f("warning_action", warning_action);
  }
  bool operator==(const Policy&) const = default;
};

// Every rule action of a policy with its field name: the one list that validation, the API
// reader and the API writer all walk.
struct PolicyActionField {
  const char* name;
  RuleAction Policy::*member;
};
inline constexpr std::array<PolicyActionField, 10> kPolicyActionFields = {{
    {"blocked_action", &Policy::blocked_action},
    {"on_hold_action", &Policy::on_hold_action},
    {"prepayment_action", &Policy::prepayment_action},
    {"review_expired_action", &Policy::review_expired_action},
    {"max_order_value_action", &Policy::max_order_value_action},
    {"overdue_action", &Policy::overdue_action},
    {"quota_action", &Policy::quota_action},
    {"limit_action", &Policy::limit_action},
    {"group_limit_action", &Policy::group_limit_action},
    {"warning_action", &Policy::warning_action},
}};

// Checks ranges and names; an invalid policy is refused before it is stored.
Status ValidatePolicy(const Policy& policy);

}  // namespace creditline
