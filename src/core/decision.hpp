// The explained outcome of a credit check.
//
// A Decision carries the outcome, every rule that fired (in check order, with the action the
// policy gave it) and the figures the rules looked at, so that a person can see why an order was
// held without re-running anything. It is stored in the OrderDecided event, so the audit trail
// keeps the explanation as it was at decision time. Value type.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/money.hpp"
#include "core/policy.hpp"

namespace creditline {

enum class Outcome : uint8_t { kApproved, kApprovedWithWarning, kHeld, kRejected };
inline constexpr uint8_t EnumLimit(Outcome) { return 4; }
std::string_view NameOf(Outcome outcome);

// In check order (DESIGN.md section 4). Append only: stored by value in events.
enum class ReasonCode : uint8_t {
  kAccountBlocked,
  kAccountOnHold,
  kPrepaymentOnly,
  kReviewExpired,
  kMaxOrderValue,
  kDaysPastDue,
  kOverdueAmount,
  kDayQuota,
  kMonthQuota,
  kWithinTolerance,
  kCreditLimitExceeded,
  kGroupLimitExceeded,
  kUtilizationWarning,
};
inline constexpr uint8_t EnumLimit(ReasonCode) { return 13; }
std::string_view NameOf(ReasonCode code);

struct Reason {
  ReasonCode code = ReasonCode::kAccountBlocked;
  RuleAction action = RuleAction::kOff;

  template <class F>
  void Fields(F&& f) {
    f("code", code), f("action", action);
  }
  bool operator==(const Reason&) const = default;
};

// A fixed-capacity list: one check can fire each reason at most once.
class Reasons {
 public:
  static constexpr size_t kCapacity = 13;
  void Add(Reason reason) { items_[size_++] = reason; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Reason* begin() const { return items_.data(); }
  const Reason* end() const { return items_.data() + size_; }
  const Reason& operator[](size_t i) const { return items_[i]; }
  bool Contains(ReasonCode code) const;
  bool operator==(const Reasons& other) const;

  // Codec access: the count is validated by the decoder before items are read.
  uint8_t& size_for_codec() { return size_; }
  std::array<Reason, kCapacity>& items_for_codec() { return items_; }

 private:
  std::array<Reason, kCapacity> items_{};
  uint8_t size_ = 0;
};

struct Decision {
  Outcome outcome = Outcome::kApproved;
  Reasons reasons;
  Currency currency;                  // The account's currency: every figure below is in it.
  int64_t amount_minor = 0;           // The order amount (or the increase) checked.
  int64_t limit_minor = 0;            // Base limit.
  int64_t effective_limit_minor = 0;  // Base + active temporary limits + counted collateral.
  int64_t orders_open_minor = 0;
  int64_t receivables_open_minor = 0;
  int64_t unapplied_credit_minor = 0;
  int64_t exposure_before_minor = 0;
  int64_t available_before_minor = 0;
  int64_t available_after_minor = 0;
  int32_t utilization_after_bp = 0;
  int64_t overdue_minor = 0;
  int32_t days_past_due = 0;  // Of the oldest open invoice; 0 when none is overdue.
  bool in_group = false;
  int64_t group_limit_minor = 0;
  int64_t group_exposure_before_minor = 0;
  int64_t group_available_after_minor = 0;

  template <class F>
  void Fields(F&& f) {
    f("outcome", outcome), f("reasons", reasons), f("currency", currency),
        f("amount_minor", amount_minor), f("limit_minor", limit_minor);
    f("effective_limit_minor", effective_limit_minor), f("orders_open_minor", orders_open_minor),
        f("receivables_open_minor", receivables_open_minor);
    f("unapplied_credit_minor", unapplied_credit_minor),
        f("exposure_before_minor", exposure_before_minor),
        f("available_before_minor", available_before_minor);
    f("available_after_minor", available_after_minor),
        f("utilization_after_bp", utilization_after_bp), f("overdue_minor", overdue_minor),
        f("days_past_due", days_past_due);
    f("in_group", in_group), f("group_limit_minor", group_limit_minor),
        f("group_exposure_before_minor", group_exposure_before_minor);
    f("group_available_after_minor", group_available_after_minor);
  }
  bool operator==(const Decision&) const = default;
};

// The outcome for the most severe action among the fired reasons.
Outcome OutcomeFor(const Reasons& reasons);
// One sentence explaining a reason with the decision's figures, for people.
std::string ExplainReason(const Decision& decision, Reason reason);

}  // namespace creditline
