#include "core/commands.hpp"

#include <array>

#include "core/events.hpp"

namespace creditline {
namespace {

constexpr std::array<std::string_view, 4> kStatusNames = {"active", "on_hold", "blocked",
                                                          "prepayment_only"};

constexpr std::array<std::string_view, std::variant_size_v<Command>> kCommandNames = {
    "create_customer",
    "update_customer",
    "open_account",
    "update_account",
    "set_limit",
    "add_temporary_limit",
    "remove_temporary_limit",
    "add_collateral",
    "remove_collateral",
    "set_status",
    "create_group",
    "set_group_limit",
    "join_group",
    "leave_group",
    "set_policy",
    "set_fx_rate",
    "reserve_order",
    "change_order",
    "cancel_order",
    "expire_reservations",
    "create_invoice",
    "record_payment",
    "issue_credit_note",
    "write_off",
    "release_hold",
    "reject_hold",
    "record_financials",
    "set_scorecard",
    "set_assessment_policy",
    "run_review",
    "request_limit_change",
    "decide_limit_request",
    "create_recovery_plan",
    "check_recovery_plans",
    "run_monitor",
    "acknowledge_alert",
    "set_alert_rules",
};

constexpr std::array<std::string_view, std::variant_size_v<EventBody>> kEventNames = {
    "customer_created",
    "customer_updated",
    "account_opened",
    "account_updated",
    "limit_set",
    "temporary_limit_added",
    "temporary_limit_removed",
    "collateral_added",
    "collateral_removed",
    "status_set",
    "group_created",
    "group_limit_set",
    "group_joined",
    "group_left",
    "policy_set",
    "fx_rate_set",
    "order_decided",
    "order_changed",
    "order_cancelled",
    "reservations_expired",
    "invoice_created",
    "payment_recorded",
    "credit_note_issued",
    "written_off",
    "hold_released",
    "hold_rejected",
    "financials_recorded",
    "scorecard_set",
    "assessment_policy_set",
    "review_ran",
    "limit_requested",
    "limit_request_decided",
    "recovery_plan_created",
    "recovery_plans_checked",
    "monitor_ran",
    "alert_acknowledged",
    "alert_rules_set",
};

}  // namespace

std::string_view NameOf(AccountStatus status) { return kStatusNames[static_cast<size_t>(status)]; }

Result<AccountStatus> ParseAccountStatus(std::string_view text) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == text) return static_cast<AccountStatus>(i);
  }
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown status '" + std::string(text.substr(0, 20)) +
                       "': expected active, on_hold, blocked or prepayment_only",
                   "status");
}

std::string AccountKey(const AccountRef& ref) {
  if (ref.segment.empty()) return ref.customer_id;
  return ref.customer_id + "/" + ref.segment;
}

std::string_view NameOf(ReviewResult result) {
  static constexpr std::array<std::string_view, EnumLimit(ReviewResult{})> kNames = {
      "unchanged", "raised", "lowered", "suspended", "requested", "request_pending"};
  return kNames.at(static_cast<size_t>(result));
}

std::string_view CommandName(const Command& command) { return kCommandNames[command.index()]; }
std::string_view EventName(const EventBody& body) { return kEventNames[body.index()]; }

}  // namespace creditline
