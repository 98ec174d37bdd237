// Limit change requests (额度调整申请) and recovery plans (分期还款计划) as the state keeps them.
//
// A limit request is created by sales or analysts (or opened by a review), and approved or
// rejected by someone else whose role's approval tier covers the amount; it is kept after its
// decision, with every actor, time and reason, as the audit trail. A recovery plan spreads an
// account's open receivables over installments; payments on the account count toward them.
// Owned by core::State; value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/commands.hpp"

namespace creditline {

enum class LimitRequestStatus : uint8_t { kPending, kApproved, kRejected };
inline constexpr uint8_t EnumLimit(LimitRequestStatus) { return 3; }
std::string_view NameOf(LimitRequestStatus status);
Result<LimitRequestStatus> ParseLimitRequestStatus(std::string_view text);

struct LimitRequest {
  std::string request_id;
  AccountRef account;
  Currency currency;
  int64_t amount_minor = 0;   // The new limit, or the temporary increase.
  Date expires_on = kNoDate;  // Set for a temporary increase.
  std::string reason;
  std::string requested_by;
  TimeMs requested_at = 0;
  int64_t limit_before_minor = 0;  // When requested.
  LimitRequestStatus status = LimitRequestStatus::kPending;
  std::string decided_by, decision_reason;
  TimeMs decided_at = 0;
  template <class F>
  void Fields(F&& f) {
    f("request_id", request_id), f("account", account), f("currency", currency),
        f("amount_minor", amount_minor), f("expires_on", expires_on), f("reason", reason);
    f("requested_by", requested_by), f("requested_at", requested_at),
        f("limit_before_minor", limit_before_minor), f("status", status);
    f("decided_by", decided_by), f("decision_reason", decision_reason), f("decided_at", decided_at);
  }
  bool operator==(const LimitRequest&) const = default;
};

// The actor recorded on the requests a review opens.
inline constexpr std::string_view kReviewActor = "system:review";
// The id of the temporary limit an approved temporary request adds.
std::string TemporaryLimitIdFor(const std::string& request_id);

enum class InstallmentStatus : uint8_t { kPending, kPaid, kMissed };
inline constexpr uint8_t EnumLimit(InstallmentStatus) { return 3; }
std::string_view NameOf(InstallmentStatus status);

struct Installment {
  Date due_on;
  int64_t amount_minor = 0;
  InstallmentStatus status = InstallmentStatus::kPending;
  template <class F>
  void Fields(F&& f) {
    f("due_on", due_on), f("amount_minor", amount_minor), f("status", status);
  }
  bool operator==(const Installment&) const = default;
};

enum class RecoveryPlanStatus : uint8_t { kActive, kCompleted };
inline constexpr uint8_t EnumLimit(RecoveryPlanStatus) { return 2; }
std::string_view NameOf(RecoveryPlanStatus status);

struct RecoveryPlan {
  std::string plan_id;
  AccountRef account;
  Currency currency;
  std::vector<Installment> installments;
  int64_t total_minor = 0;
  int64_t paid_minor = 0;  // Payments received on the account since the plan was agreed.
  int64_t limit_before_minor = 0;
  AccountStatus status_before = AccountStatus::kActive;
  RecoveryPlanStatus status = RecoveryPlanStatus::kActive;
  std::string reason, created_by;
  Date created_on;
  template <class F>
  void Fields(F&& f) {
    f("plan_id", plan_id), f("account", account), f("currency", currency),
        f("installments", installments), f("total_minor", total_minor);
    f("paid_minor", paid_minor), f("limit_before_minor", limit_before_minor),
        f("status_before", status_before), f("status", status);
    f("reason", reason), f("created_by", created_by), f("created_on", created_on);
  }
  bool operator==(const RecoveryPlan&) const = default;
};

inline constexpr size_t kInstallmentsPerPlanMax = 120;

}  // namespace creditline
