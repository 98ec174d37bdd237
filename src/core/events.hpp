// Events: what happened, fully resolved, ready to journal and to replay.
//
// Decide() turns a Command into an Event; Apply(event) is the only way state changes. An event
// holds everything Apply needs (converted amounts, the decision, payment allocations), so replay
// never re-runs a rule, reads an FX rate or depends on anything but the events before it.
// Commands that need no resolution are their own event body. The binary encoding is in
// codec.hpp and documented in docs/events.md. Value types.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/commands.hpp"
#include "core/decision.hpp"

namespace creditline {

struct OrderDecided {
  ReserveOrder order;
  int64_t amount_minor = 0;  // In the account's currency.
  Decision decision;
  template <class F>
  void Fields(F&& f) {
    f("order", order), f("amount_minor", amount_minor), f("decision", decision);
  }
  bool operator==(const OrderDecided&) const = default;
};

struct OrderChanged {
  ChangeOrder change;
  int64_t new_amount_minor = 0;  // New total in the account's currency.
  bool applied = false;          // False when the check refused an increase.
  Decision decision;             // For increases; decreases are approved without rules.
  template <class F>
  void Fields(F&& f) {
    f("change", change), f("new_amount_minor", new_amount_minor), f("applied", applied),
        f("decision", decision);
  }
  bool operator==(const OrderChanged&) const = default;
};

struct OrderCancelled {
  CancelOrder cancel;
  int64_t released_minor = 0;  // Reservation released; 0 for a held order.
  template <class F>
  void Fields(F&& f) {
    f("cancel", cancel), f("released_minor", released_minor);
  }
  bool operator==(const OrderCancelled&) const = default;
};

struct ReservationsExpired {
  std::vector<std::string> order_ids;  // In expiry order.
  template <class F>
  void Fields(F&& f) {
    f("order_ids", order_ids);
  }
  bool operator==(const ReservationsExpired&) const = default;
};

struct InvoiceCreated {
  CreateInvoice invoice;
  int64_t amount_minor = 0;                // In the account's currency.
  Date due_on;                             // Resolved from payment terms when the command had none.
  int64_t reservation_consumed_minor = 0;  // Moved from the order's reservation.
  int64_t reservation_released_minor = 0;  // Released because the invoice closed the order.
  int64_t credit_applied_minor = 0;        // Unapplied credit settled against it at once.
  template <class F>
  void Fields(F&& f) {
    f("invoice", invoice), f("amount_minor", amount_minor), f("due_on", due_on),
        f("reservation_consumed_minor", reservation_consumed_minor);
    f("reservation_released_minor", reservation_released_minor),
        f("credit_applied_minor", credit_applied_minor);
  }
  bool operator==(const InvoiceCreated&) const = default;
};

struct Allocation {
  std::string invoice_id;
  int64_t amount_minor = 0;
  template <class F>
  void Fields(F&& f) {
    f("invoice_id", invoice_id), f("amount_minor", amount_minor);
  }
  bool operator==(const Allocation&) const = default;
};

struct PaymentRecorded {
  RecordPayment payment;
  int64_t amount_minor = 0;  // In the account's currency.
  std::vector<Allocation> allocations;
  int64_t unapplied_minor = 0;  // Kept as unapplied credit.
  template <class F>
  void Fields(F&& f) {
    f("payment", payment), f("amount_minor", amount_minor), f("allocations", allocations),
        f("unapplied_minor", unapplied_minor);
  }
  bool operator==(const PaymentRecorded&) const = default;
};

struct CreditNoteIssued {
  IssueCreditNote note;
  int64_t amount_minor = 0;
  std::vector<Allocation> allocations;
  int64_t unapplied_minor = 0;
  template <class F>
  void Fields(F&& f) {
    f("note", note), f("amount_minor", amount_minor), f("allocations", allocations),
        f("unapplied_minor", unapplied_minor);
  }
  bool operator==(const CreditNoteIssued&) const = default;
};

struct WrittenOff {
  WriteOff write_off;
  AccountRef account;
  int64_t amount_minor = 0;
  template <class F>
  void Fields(F&& f) {
    f("write_off", write_off), f("account", account), f("amount_minor", amount_minor);
  }
  bool operator==(const WrittenOff&) const = default;
};

struct HoldReleased {
  ReleaseHold release;
  int64_t amount_minor = 0;  // Reserved by the release.
  template <class F>
  void Fields(F&& f) {
    f("release", release), f("amount_minor", amount_minor);
  }
  bool operator==(const HoldReleased&) const = default;
};

// Credit assessment.

// kRequestPending: the review would have opened a limit change request, but the account already
// has one pending; the review leaves the limit and that request as they are.
enum class ReviewResult : uint8_t {
  kUnchanged,
  kRaised,
  kLowered,
  kSuspended,
  kRequested,
  kRequestPending
};
inline constexpr uint8_t EnumLimit(ReviewResult) { return 6; }
std::string_view NameOf(ReviewResult result);

// One account's review, fully resolved: replay applies it without scoring again.
struct ReviewOutcome {
  AccountRef account;
  int32_t score = 0;
  std::string grade;
  int64_t proposed_minor = 0;
  bool prepayment_only = false;
  ReviewResult result = ReviewResult::kUnchanged;
  int64_t limit_before_minor = 0, limit_after_minor = 0;
  Date next_review_on;
  // The limit change request opened (kRequested) or the one already pending (kRequestPending).
  std::string request_id;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("score", score), f("grade", grade),
        f("proposed_minor", proposed_minor), f("prepayment_only", prepayment_only);
    f("result", result), f("limit_before_minor", limit_before_minor),
        f("limit_after_minor", limit_after_minor), f("next_review_on", next_review_on),
        f("request_id", request_id);
  }
  bool operator==(const ReviewOutcome&) const = default;
};

struct ReviewRan {
  RunReview run;
  std::vector<ReviewOutcome> outcomes;
  uint32_t next_account = 0;  // Where the next run starts; kReviewFinished when none is left.
  template <class F>
  void Fields(F&& f) {
    f("run", run), f("outcomes", outcomes), f("next_account", next_account);
  }
  bool operator==(const ReviewRan&) const = default;
};
inline constexpr uint32_t kReviewFinished = UINT32_MAX;

struct LimitRequested {
  RequestLimitChange request;
  int64_t limit_before_minor = 0;
  template <class F>
  void Fields(F&& f) {
    f("request", request), f("limit_before_minor", limit_before_minor);
  }
  bool operator==(const LimitRequested&) const = default;
};

struct LimitRequestDecided {
  DecideLimitRequest decision;
  AccountRef account;
  int64_t limit_before_minor = 0;  // The base limit when decided.
  template <class F>
  void Fields(F&& f) {
    f("decision", decision), f("account", account), f("limit_before_minor", limit_before_minor);
  }
  bool operator==(const LimitRequestDecided&) const = default;
};

struct RecoveryPlanCreated {
  CreateRecoveryPlan plan;
  int64_t limit_before_minor = 0;
  AccountStatus status_before = AccountStatus::kActive;
  template <class F>
  void Fields(F&& f) {
    f("plan", plan), f("limit_before_minor", limit_before_minor), f("status_before", status_before);
  }
  bool operator==(const RecoveryPlanCreated&) const = default;
};

// An installment that fell due: paid (the plan's payments cover it) or missed.
struct InstallmentOutcome {
  std::string plan_id;
  uint32_t index = 0;
  bool paid = false;
  AccountStatus status_after = AccountStatus::kActive;  // For a missed one: the policy action.
  template <class F>
  void Fields(F&& f) {
    f("plan_id", plan_id), f("index", index), f("paid", paid), f("status_after", status_after);
  }
  bool operator==(const InstallmentOutcome&) const = default;
};

struct PlanCompleted {
  std::string plan_id;
  int64_t limit_after_minor = 0;
  template <class F>
  void Fields(F&& f) {
    f("plan_id", plan_id), f("limit_after_minor", limit_after_minor);
  }
  bool operator==(const PlanCompleted&) const = default;
};

struct RecoveryPlansChecked {
  std::vector<InstallmentOutcome> installments;
  std::vector<PlanCompleted> completed;
  template <class F>
  void Fields(F&& f) {
    f("installments", installments), f("completed", completed);
  }
  bool operator==(const RecoveryPlansChecked&) const = default;
};

// Append only: the variant index is the event type tag in the journal.
using EventBody =
    std::variant<CreateCustomer, UpdateCustomer, OpenAccount, UpdateAccount, SetLimit,
                 AddTemporaryLimit, RemoveTemporaryLimit, AddCollateral, RemoveCollateral,
                 SetStatus, CreateGroup, SetGroupLimit, JoinGroup, LeaveGroup, SetPolicy, SetFxRate,
                 OrderDecided, OrderChanged, OrderCancelled, ReservationsExpired, InvoiceCreated,
                 PaymentRecorded, CreditNoteIssued, WrittenOff, HoldReleased, RejectHold,
                 RecordFinancials, SetScorecard, SetAssessmentPolicy, ReviewRan, LimitRequested,
                 LimitRequestDecided, RecoveryPlanCreated, RecoveryPlansChecked, MonitorRan,
                 AcknowledgeAlert, SetAlertRules>;

struct Event {
  uint64_t seq = 0;  // 1, 2, 3, ... without gaps.
  TimeMs time = 0;
  Date today;
  std::string actor;
  std::string idempotency_key;
  uint64_t fingerprint = 0;  // Of the command, for idempotent retries.
  EventBody body;

  template <class F>
  void Fields(F&& f) {
    f("seq", seq), f("time", time), f("today", today), f("actor", actor),
        f("idempotency_key", idempotency_key), f("fingerprint", fingerprint), f("body", body);
  }
  bool operator==(const Event&) const = default;
};

std::string_view EventName(const EventBody& body);

}  // namespace creditline
