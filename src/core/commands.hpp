// The commands that change credit state, and the envelope every command travels in.
//
// A command is what a client asks for; core::State::Decide validates it against the state and
// turns it into an Event (events.hpp), and Apply(event) is the only way state changes. Each
// struct lists its fields once in Fields(), which drives the binary codec, the idempotency
// fingerprint and the state hash. Amounts carry their currency; amounts in another currency
// than the account's are converted at the FX rate in effect on the business date. Value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/assessment_policy.hpp"
#include "core/money.hpp"
#include "core/monitor.hpp"
#include "core/policy.hpp"
#include "core/scorecard.hpp"
#include "core/time.hpp"

namespace creditline {

enum class AccountStatus : uint8_t { kActive, kOnHold, kBlocked, kPrepaymentOnly };
inline constexpr uint8_t EnumLimit(AccountStatus) { return 4; }
std::string_view NameOf(AccountStatus status);
Result<AccountStatus> ParseAccountStatus(std::string_view text);

// Who sent a command, when, and under which client key. Stamped by the service.
struct Envelope {
  std::string idempotency_key;  // Empty: not deduplicated (only for trusted in-process callers).
  std::string actor;            // The authenticated principal, recorded in the event.
  TimeMs time = 0;              // The instant the service accepted the command.
  Date today;                   // The business date at `time` in the business time zone.
};

// An account is a customer's credit line, optionally per credit segment (company, unit).
struct AccountRef {
  std::string customer_id;
  std::string segment;  // Empty for the customer's default account.

  template <class F>
  void Fields(F&& f) {
    f("customer_id", customer_id), f("segment", segment);
  }
  bool operator==(const AccountRef&) const = default;
};
// "C001" or "C001/EU": '/' never appears in an id, so keys are unambiguous.
std::string AccountKey(const AccountRef& ref);

struct OpenAccount {
  AccountRef account;
  Currency currency;
  int64_t limit_minor = 0;
  int32_t payment_terms_days = 30;
  std::string grade;
  std::string policy{kDefaultPolicyName};
  Date review_on = kNoDate;
  std::string group_id;  // Empty: not in a credit group.
  AccountStatus status = AccountStatus::kActive;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("currency", currency), f("limit_minor", limit_minor),
        f("payment_terms_days", payment_terms_days), f("grade", grade), f("policy", policy);
    f("review_on", review_on), f("group_id", group_id), f("status", status);
  }
  bool operator==(const OpenAccount&) const = default;
};

struct UpdateAccount {
  AccountRef account;
  std::optional<int32_t> payment_terms_days;
  std::optional<std::string> grade;
  std::optional<Date> review_on;
  std::optional<std::string> policy;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("payment_terms_days", payment_terms_days), f("grade", grade),
        f("review_on", review_on), f("policy", policy);
  }
  bool operator==(const UpdateAccount&) const = default;
};

struct CreateCustomer {
  std::string customer_id, name, industry, region;
  std::vector<std::string> tags;
  // Opens the customer's default credit account in the same event, so that a customer never
  // exists half-created. Its customer_id must be this customer's.
  std::optional<OpenAccount> account;
  template <class F>
  void Fields(F&& f) {
    f("customer_id", customer_id), f("name", name), f("industry", industry), f("region", region),
        f("tags", tags), f("account", account);
  }
  bool operator==(const CreateCustomer&) const = default;
};

struct UpdateCustomer {
  std::string customer_id;
  std::optional<std::string> name, industry, region;
  std::optional<std::vector<std::string>> tags;
  // Updates one of the customer's accounts in the same event (all or nothing).
  std::optional<UpdateAccount> account;
  template <class F>
  void Fields(F&& f) {
    f("customer_id", customer_id), f("name", name), f("industry", industry), f("region", region),
        f("tags", tags), f("account", account);
  }
  bool operator==(const UpdateCustomer&) const = default;
};

struct SetLimit {
  AccountRef account;
  Money limit;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("limit", limit), f("reason", reason);
  }
  bool operator==(const SetLimit&) const = default;
};

struct AddTemporaryLimit {
  AccountRef account;
  std::string temporary_limit_id;
  Money amount;
  Date valid_from, valid_to;  // Inclusive business dates.
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("temporary_limit_id", temporary_limit_id), f("amount", amount),
        f("valid_from", valid_from), f("valid_to", valid_to), f("reason", reason);
  }
  bool operator==(const AddTemporaryLimit&) const = default;
};

struct RemoveTemporaryLimit {
  AccountRef account;
  std::string temporary_limit_id;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("temporary_limit_id", temporary_limit_id);
  }
  bool operator==(const RemoveTemporaryLimit&) const = default;
};

struct AddCollateral {
  AccountRef account;
  std::string collateral_id;
  std::string kind;  // guarantee, deposit, credit_insurance, letter_of_credit, mortgage, ...
  Money amount;
  Date valid_to;  // Inclusive.
  bool counts_toward_limit = true;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("collateral_id", collateral_id), f("kind", kind), f("amount", amount),
        f("valid_to", valid_to), f("counts_toward_limit", counts_toward_limit);
  }
  bool operator==(const AddCollateral&) const = default;
};

struct RemoveCollateral {
  AccountRef account;
  std::string collateral_id;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("collateral_id", collateral_id);
  }
  bool operator==(const RemoveCollateral&) const = default;
};

struct SetStatus {
  AccountRef account;
  AccountStatus status = AccountStatus::kActive;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("status", status), f("reason", reason);
  }
  bool operator==(const SetStatus&) const = default;
};

struct CreateGroup {
  std::string group_id, name;
  Money limit;
  template <class F>
  void Fields(F&& f) {
    f("group_id", group_id), f("name", name), f("limit", limit);
  }
  bool operator==(const CreateGroup&) const = default;
};

struct SetGroupLimit {
  std::string group_id;
  Money limit;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("group_id", group_id), f("limit", limit), f("reason", reason);
  }
  bool operator==(const SetGroupLimit&) const = default;
};

struct JoinGroup {
  AccountRef account;
  std::string group_id;
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("group_id", group_id);
  }
  bool operator==(const JoinGroup&) const = default;
};

struct LeaveGroup {
  AccountRef account;
  std::string group_id;  // When set, the account must be a member of this group.
  template <class F>
  void Fields(F&& f) {
    f("account", account), f("group_id", group_id);
  }
  bool operator==(const LeaveGroup&) const = default;
};

struct SetPolicy {  // Creates or replaces the named policy.
  Policy policy;
  template <class F>
  void Fields(F&& f) {
    f("policy", policy);
  }
  bool operator==(const SetPolicy&) const = default;
};

struct SetFxRate {  // 1 `from` = rate `to`, from `effective_on` on.
  Currency from, to;
  int64_t rate_scaled = 0;
  Date effective_on;
  template <class F>
  void Fields(F&& f) {
    f("from", from), f("to", to), f("rate_scaled", rate_scaled), f("effective_on", effective_on);
  }
  bool operator==(const SetFxRate&) const = default;
};

struct ReserveOrder {  // Check, then reserve (or hold, or reject).
  std::string order_id;
  AccountRef account;
  Money amount;
  TimeMs expires_at = 0;  // 0: the reservation does not expire.
  template <class F>
  void Fields(F&& f) {
    f("order_id", order_id), f("account", account), f("amount", amount),
        f("expires_at", expires_at);
  }
  bool operator==(const ReserveOrder&) const = default;
};

struct ChangeOrder {  // Sets the order's new total; an increase is checked again.
  std::string order_id;
  Money amount;
  template <class F>
  void Fields(F&& f) {
    f("order_id", order_id), f("amount", amount);
  }
  bool operator==(const ChangeOrder&) const = default;
};

struct CancelOrder {  // Releases what is still reserved (or drops a held order).
  std::string order_id;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("order_id", order_id), f("reason", reason);
  }
  bool operator==(const CancelOrder&) const = default;
};

struct ExpireReservations {  // Cancels every order whose expires_at is at or before now.
  template <class F>
  void Fields(F&&) {}
  bool operator==(const ExpireReservations&) const = default;
};

struct CreateInvoice {
  std::string invoice_id;
  AccountRef account;
  std::string order_id;  // Empty: a standalone invoice.
  Money amount;
  Date issued_on;
  Date due_on = kNoDate;     // kNoDate: issued_on + the account's payment terms.
  bool close_order = false;  // Final invoice: release what the order still reserves.
  template <class F>
  void Fields(F&& f) {
    f("invoice_id", invoice_id), f("account", account), f("order_id", order_id),
        f("amount", amount), f("issued_on", issued_on), f("due_on", due_on),
        f("close_order", close_order);
  }
  bool operator==(const CreateInvoice&) const = default;
};

struct RecordPayment {  // Settles the named invoice, or the oldest due first.
  std::string payment_id;
  AccountRef account;
  std::string invoice_id;  // Empty: allocate oldest due first.
  Money amount;
  Date received_on;
  template <class F>
  void Fields(F&& f) {
    f("payment_id", payment_id), f("account", account), f("invoice_id", invoice_id),
        f("amount", amount), f("received_on", received_on);
  }
  bool operator==(const RecordPayment&) const = default;
};

struct IssueCreditNote {  // Reduces receivables like a payment, without cash.
  std::string credit_note_id;
  AccountRef account;
  std::string invoice_id;
  Money amount;
  Date issued_on;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("credit_note_id", credit_note_id), f("account", account), f("invoice_id", invoice_id),
        f("amount", amount), f("issued_on", issued_on), f("reason", reason);
  }
  bool operator==(const IssueCreditNote&) const = default;
};

struct WriteOff {  // Writes off (part of) an invoice's open amount as bad debt.
  std::string write_off_id;
  std::string invoice_id;
  std::optional<Money> amount;  // Absent: the whole open amount.
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("write_off_id", write_off_id), f("invoice_id", invoice_id), f("amount", amount),
        f("reason", reason);
  }
  bool operator==(const WriteOff&) const = default;
};

struct ReleaseHold {  // A credit manager's release: reserves even past the limit.
  std::string order_id;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("order_id", order_id), f("reason", reason);
  }
  bool operator==(const ReleaseHold&) const = default;
};

struct RejectHold {
  std::string order_id;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("order_id", order_id), f("reason", reason);
  }
  bool operator==(const RejectHold&) const = default;
};

// Credit assessment (docs/assessment.md).

struct RecordFinancials {  // Adds or replaces one period of a customer's financials.
  std::string customer_id;
  Financials financials;
  template <class F>
  void Fields(F&& f) {
    f("customer_id", customer_id), f("financials", financials);
  }
  bool operator==(const RecordFinancials&) const = default;
};

struct SetScorecard {
  Scorecard scorecard;
  template <class F>
  void Fields(F&& f) {
    f("scorecard", scorecard);
  }
  bool operator==(const SetScorecard&) const = default;
};

struct SetAssessmentPolicy {
  AssessmentPolicy policy;
  template <class F>
  void Fields(F&& f) {
    f("policy", policy);
  }
  bool operator==(const SetAssessmentPolicy&) const = default;
};

// Reviews the accounts due (review date today or earlier, or none yet), in opening order from
// position `from_account`, at most `accounts_max` of them (0: the most one event may hold).
// The event says where the next run should start.
struct RunReview {
  uint32_t from_account = 0;
  uint32_t accounts_max = 0;
  template <class F>
  void Fields(F&& f) {
    f("from_account", from_account), f("accounts_max", accounts_max);
  }
  bool operator==(const RunReview&) const = default;
};

// A request to set the account's limit to `amount`, or with `expires_on` a temporary increase
// of `amount` until that date (inclusive).
struct RequestLimitChange {
  std::string request_id;
  AccountRef account;
  Money amount;
  Date expires_on = kNoDate;
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("request_id", request_id), f("account", account), f("amount", amount),
        f("expires_on", expires_on), f("reason", reason);
  }
  bool operator==(const RequestLimitChange&) const = default;
};

struct DecideLimitRequest {  // Approve (and apply) or reject a pending request.
  std::string request_id;
  bool approve = false;
  std::string reason;
  std::string approver_role;  // The deciding principal's role, stamped by the service.
  template <class F>
  void Fields(F&& f) {
    f("request_id", request_id), f("approve", approve), f("reason", reason),
        f("approver_role", approver_role);
  }
  bool operator==(const DecideLimitRequest&) const = default;
};

struct InstallmentTerms {
  Date due_on;
  Money amount;
  template <class F>
  void Fields(F&& f) {
    f("due_on", due_on), f("amount", amount);
  }
  bool operator==(const InstallmentTerms&) const = default;
};

struct CreateRecoveryPlan {  // An installment plan (分期还款) for an account's open receivables.
  std::string plan_id;
  AccountRef account;
  std::vector<InstallmentTerms> installments;  // Due dates strictly ascending.
  std::string reason;
  template <class F>
  void Fields(F&& f) {
    f("plan_id", plan_id), f("account", account), f("installments", installments),
        f("reason", reason);
  }
  bool operator==(const CreateRecoveryPlan&) const = default;
};

// Settles every installment due today or earlier: paid, or missed (with the policy action);
// completes plans whose total is paid.
struct CheckRecoveryPlans {
  template <class F>
  void Fields(F&&) {}
  bool operator==(const CheckRecoveryPlans&) const = default;
};

using Command =
    std::variant<CreateCustomer, UpdateCustomer, OpenAccount, UpdateAccount, SetLimit,
                 AddTemporaryLimit, RemoveTemporaryLimit, AddCollateral, RemoveCollateral,
                 SetStatus, CreateGroup, SetGroupLimit, JoinGroup, LeaveGroup, SetPolicy, SetFxRate,
                 ReserveOrder, ChangeOrder, CancelOrder, ExpireReservations, CreateInvoice,
                 RecordPayment, IssueCreditNote, WriteOff, ReleaseHold, RejectHold,
                 RecordFinancials, SetScorecard, SetAssessmentPolicy, RunReview, RequestLimitChange,
                 DecideLimitRequest, CreateRecoveryPlan, CheckRecoveryPlans, RunMonitor,
                 AcknowledgeAlert, SetAlertRules>;

// "reserve_order" etc., by variant index.
std::string_view CommandName(const Command& command);

}  // namespace creditline
