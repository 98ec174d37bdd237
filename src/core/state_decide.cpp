// Decide: validate a command against the state and resolve it into an event. Never mutates.
#include <algorithm>

#include "core/assessment_internal.hpp"
#include "core/ids.hpp"
#include "core/state.hpp"

namespace creditline {
namespace {

// Per-account bounds keep effective-limit sums far from overflow and lists short.
constexpr size_t kTemporaryLimitsPerAccountMax = 32;
constexpr size_t kCollateralPerAccountMax = 32;
constexpr size_t kTagsPerCustomerMax = 32;
constexpr int32_t kPaymentTermsDaysMax = 3650;
// One expiry sweep cancels at most this many orders; the next sweep takes the rest.
constexpr size_t kExpiredPerSweepMax = 10'000;
constexpr size_t kGradeBytesMax = 16;

Status ValidatePositiveAmount(Money amount, const char* field) {
  if (!amount.currency.valid()) {
    return MakeError(ErrorCode::kUnknownCurrency, "a currency is required", "currency");
  }
  if (amount.minor <= 0 || amount.minor > kAmountMinorMax) {
    return MakeError(ErrorCode::kInvalidAmount,
                     std::string(field) + " must be between 1 and 10^15 minor units", field);
  }
  return Status::Ok();
}

Status ValidateLimitAmount(int64_t minor, const char* field) {
  if (minor < 0 || minor > kAmountMinorMax) {
    return MakeError(ErrorCode::kInvalidAmount,
                     std::string(field) + " must be between 0 and 10^15 minor units", field);
  }
  return Status::Ok();
}

Status ValidateDate(Date date, const char* field) {
  if (date < kDateMin || date > kDateMax) {
    return MakeError(ErrorCode::kInvalidDate, std::string(field) + " is required", field);
  }
  return Status::Ok();
}

Status ValidateAccountRef(const AccountRef& ref) {
  CL_RETURN_IF_ERROR(ValidateId(ref.customer_id, "customer_id"));
  if (!ref.segment.empty()) CL_RETURN_IF_ERROR(ValidateId(ref.segment, "segment"));
  return Status::Ok();
}

Status ValidateGrade(const std::string& grade) {
  if (grade.size() > kGradeBytesMax) {
    return MakeError(ErrorCode::kInvalidArgument, "grade is longer than 16 characters", "grade");
  }
  return ValidateText(grade, "grade", false);
}

Status ValidateTerms(int32_t days) {
  if (days < 0 || days > kPaymentTermsDaysMax) {
    return MakeError(ErrorCode::kInvalidArgument, "payment_terms_days must be 0..3650",
                     "payment_terms_days");
  }
  return Status::Ok();
}

Status ValidateTags(const std::vector<std::string>& tags) {
  if (tags.size() > kTagsPerCustomerMax) {
    return MakeError(ErrorCode::kInvalidArgument, "at most 32 tags", "tags");
  }
  for (const std::string& tag : tags) CL_RETURN_IF_ERROR(ValidateText(tag, "tags", true));
  return Status::Ok();
}

Status SameCurrency(Currency expected, Currency given, const char* field) {
  if (!given.valid()) {
    return MakeError(ErrorCode::kUnknownCurrency, "a currency is required", "currency");
  }
  if (expected != given) {
    return MakeError(ErrorCode::kCurrencyMismatch,
                     std::string(field) + " must be in " + std::string(expected.code()) + ", not " +
                         std::string(given.code()),
                     "currency");
  }
  return Status::Ok();
}

// Enums arrive parsed from names at the edges; an out-of-range value from an in-process caller
// must be refused here, or the journal would hold an event that DecodeEvent refuses.
Status ValidateStatus(AccountStatus status) {
  if (static_cast<uint8_t>(status) >= EnumLimit(AccountStatus{})) {
    return MakeError(ErrorCode::kInvalidArgument, "unknown account status", "status");
  }
  return Status::Ok();
}

Error InvalidState(std::string message, const char* field) {
  return MakeError(ErrorCode::kInvalidState, std::move(message), field);
}

}  // namespace

// One overload per command; each returns the event body or the reason the command is refused.
class Decider {
 public:
  Decider(const State& state, const Envelope& env) : s_(state), env_(env) {}

  Result<EventBody> operator()(const CreateCustomer& c) const {
    CL_RETURN_IF_ERROR(ValidateId(c.customer_id, "customer_id"));
    CL_RETURN_IF_ERROR(ValidateText(c.name, "name", true));
    CL_RETURN_IF_ERROR(ValidateText(c.industry, "industry", false));
    CL_RETURN_IF_ERROR(ValidateText(c.region, "region", false));
    CL_RETURN_IF_ERROR(ValidateTags(c.tags));
    if (s_.customers_.contains(c.customer_id)) {
      return MakeError(ErrorCode::kDuplicateId, "customer '" + c.customer_id + "' already exists",
                       "customer_id");
    }
    if (c.account) {
      if (c.account->account.customer_id != c.customer_id) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "the account must belong to the customer being created", "customer_id");
      }
      CL_RETURN_IF_ERROR(ValidateAccountTerms(*c.account));
    }
    return c;
  }

  Result<EventBody> operator()(const UpdateCustomer& c) const {
    if (s_.FindCustomer(c.customer_id) == nullptr) {
      return MakeError(ErrorCode::kCustomerNotFound,
                       "no customer '" + c.customer_id.substr(0, 80) + "'", "customer_id");
    }
    if (c.name) CL_RETURN_IF_ERROR(ValidateText(*c.name, "name", true));
    if (c.industry) CL_RETURN_IF_ERROR(ValidateText(*c.industry, "industry", false));
    if (c.region) CL_RETURN_IF_ERROR(ValidateText(*c.region, "region", false));
    if (c.tags) CL_RETURN_IF_ERROR(ValidateTags(*c.tags));
    if (c.account) {
      if (c.account->account.customer_id != c.customer_id) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "the account must belong to the customer being updated", "customer_id");
      }
      CL_RETURN_IF_ERROR((*this)(*c.account));
    }
    return c;
  }

  Result<EventBody> operator()(const OpenAccount& c) const {
    CL_RETURN_IF_ERROR(ValidateAccountRef(c.account));
    if (s_.FindCustomer(c.account.customer_id) == nullptr) {
      return MakeError(ErrorCode::kCustomerNotFound, "no customer '" + c.account.customer_id + "'",
                       "customer_id");
    }
    if (s_.account_index_.contains(AccountKey(c.account))) {
      return MakeError(ErrorCode::kDuplicateId,
                       "account '" + AccountKey(c.account) + "' already exists", "segment");
    }
    CL_RETURN_IF_ERROR(ValidateAccountTerms(c));
    return c;
  }

  // Everything about a new account that does not depend on its customer existing already.
  Status ValidateAccountTerms(const OpenAccount& c) const {
    CL_RETURN_IF_ERROR(ValidateAccountRef(c.account));
    if (!c.currency.valid()) {
      return MakeError(ErrorCode::kUnknownCurrency, "a currency is required", "currency");
    }
    CL_RETURN_IF_ERROR(ValidateLimitAmount(c.limit_minor, "limit_minor"));
    CL_RETURN_IF_ERROR(ValidateTerms(c.payment_terms_days));
    CL_RETURN_IF_ERROR(ValidateGrade(c.grade));
    CL_RETURN_IF_ERROR(s_.PolicySlot(c.policy));
    if (c.review_on != kNoDate) CL_RETURN_IF_ERROR(ValidateDate(c.review_on, "review_on"));
    if (!c.group_id.empty()) {
      CL_ASSIGN_OR_RETURN(uint32_t group, s_.GroupSlot(c.group_id));
      CL_RETURN_IF_ERROR(SameCurrency(s_.groups_[group].currency, c.currency, "the account"));
    }
    CL_RETURN_IF_ERROR(ValidateStatus(c.status));
    return Status::Ok();
  }

  Result<EventBody> operator()(const UpdateAccount& c) const {
    CL_RETURN_IF_ERROR(s_.AccountSlot(c.account));
    if (c.payment_terms_days) CL_RETURN_IF_ERROR(ValidateTerms(*c.payment_terms_days));
    if (c.grade) CL_RETURN_IF_ERROR(ValidateGrade(*c.grade));
    if (c.review_on && *c.review_on != kNoDate) {
      CL_RETURN_IF_ERROR(ValidateDate(*c.review_on, "review_on"));
    }
    if (c.policy) CL_RETURN_IF_ERROR(s_.PolicySlot(*c.policy));
    return c;
  }

  Result<EventBody> operator()(const SetLimit& c) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    CL_RETURN_IF_ERROR(SameCurrency(account->currency, c.limit.currency, "the limit"));
    CL_RETURN_IF_ERROR(ValidateLimitAmount(c.limit.minor, "limit_minor"));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
    return c;
  }

  Result<EventBody> operator()(const AddTemporaryLimit& c) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    CL_RETURN_IF_ERROR(ValidateId(c.temporary_limit_id, "temporary_limit_id"));
    CL_RETURN_IF_ERROR(SameCurrency(account->currency, c.amount.currency, "the temporary limit"));
    CL_RETURN_IF_ERROR(ValidatePositiveAmount(c.amount, "amount_minor"));
    CL_RETURN_IF_ERROR(ValidateDate(c.valid_from, "valid_from"));
    CL_RETURN_IF_ERROR(ValidateDate(c.valid_to, "valid_to"));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
    if (c.valid_to < c.valid_from) {
      return MakeError(ErrorCode::kInvalidDate, "valid_to is before valid_from", "valid_to");
    }
    for (const TemporaryLimit& existing : account->temporary_limits) {
      if (existing.temporary_limit_id == c.temporary_limit_id) {
        return MakeError(ErrorCode::kDuplicateId, "temporary limit already exists",
                         "temporary_limit_id");
      }
    }
    if (account->temporary_limits.size() >= kTemporaryLimitsPerAccountMax) {
      return InvalidState("an account has at most 32 temporary limits", "temporary_limit_id");
    }
    return c;
  }

  Result<EventBody> operator()(const RemoveTemporaryLimit& c) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    for (const TemporaryLimit& existing : account->temporary_limits) {
      if (existing.temporary_limit_id == c.temporary_limit_id) return c;
    }
    return MakeError(ErrorCode::kTemporaryLimitNotFound,
                     "no temporary limit '" + c.temporary_limit_id.substr(0, 80) + "'",
                     "temporary_limit_id");
  }

  Result<EventBody> operator()(const AddCollateral& c) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    CL_RETURN_IF_ERROR(ValidateId(c.collateral_id, "collateral_id"));
    CL_RETURN_IF_ERROR(ValidateId(c.kind, "kind"));
    CL_RETURN_IF_ERROR(SameCurrency(account->currency, c.amount.currency, "the collateral"));
    CL_RETURN_IF_ERROR(ValidatePositiveAmount(c.amount, "amount_minor"));
    CL_RETURN_IF_ERROR(ValidateDate(c.valid_to, "valid_to"));
    for (const Collateral& existing : account->collateral) {
      if (existing.collateral_id == c.collateral_id) {
        return MakeError(ErrorCode::kDuplicateId, "collateral already exists", "collateral_id");
      }
    }
    if (account->collateral.size() >= kCollateralPerAccountMax) {
      return InvalidState("an account has at most 32 collateral items", "collateral_id");
    }
    return c;
  }

  Result<EventBody> operator()(const RemoveCollateral& c) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    for (const Collateral& existing : account->collateral) {
      if (existing.collateral_id == c.collateral_id) return c;
    }
    return MakeError(ErrorCode::kCollateralNotFound,
                     "no collateral '" + c.collateral_id.substr(0, 80) + "'", "collateral_id");
  }

  Result<EventBody> operator()(const SetStatus& c) const {
    CL_RETURN_IF_ERROR(s_.AccountSlot(c.account));
    CL_RETURN_IF_ERROR(ValidateStatus(c.status));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
    return c;
  }

  Result<EventBody> operator()(const CreateGroup& c) const {
    CL_RETURN_IF_ERROR(ValidateId(c.group_id, "group_id"));
    CL_RETURN_IF_ERROR(ValidateText(c.name, "name", false));
    if (!c.limit.currency.valid()) {
      return MakeError(ErrorCode::kUnknownCurrency, "a currency is required", "currency");
    }
    CL_RETURN_IF_ERROR(ValidateLimitAmount(c.limit.minor, "limit_minor"));
    if (s_.group_index_.contains(c.group_id)) {
      return MakeError(ErrorCode::kDuplicateId, "group '" + c.group_id + "' already exists",
                       "group_id");
    }
    return c;
  }

  Result<EventBody> operator()(const SetGroupLimit& c) const {
    CL_ASSIGN_OR_RETURN(uint32_t group, s_.GroupSlot(c.group_id));
    CL_RETURN_IF_ERROR(SameCurrency(s_.groups_[group].currency, c.limit.currency, "the limit"));
    CL_RETURN_IF_ERROR(ValidateLimitAmount(c.limit.minor, "limit_minor"));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
    return c;
  }

  Result<EventBody> operator()(const JoinGroup& c) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    CL_ASSIGN_OR_RETURN(uint32_t group, s_.GroupSlot(c.group_id));
    if (account->group != kNone) {
      return InvalidState(
          "the account is already in group '" + s_.groups_[account->group].group_id + "'",
          "group_id");
    }
    CL_RETURN_IF_ERROR(SameCurrency(s_.groups_[group].currency, account->currency, "the account"));
    return c;
  }

  Result<EventBody> operator()(const LeaveGroup& c) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    if (account->group == kNone) return InvalidState("the account is in no group", "group_id");
    if (!c.group_id.empty() && s_.groups_[account->group].group_id != c.group_id) {
      return InvalidState("the account is not a member of group '" + c.group_id + "'", "group_id");
    }
    return c;
  }

  Result<EventBody> operator()(const SetPolicy& c) const {
    CL_RETURN_IF_ERROR(ValidatePolicy(c.policy));
    return c;
  }

  Result<EventBody> operator()(const SetFxRate& c) const {
    if (!c.from.valid() || !c.to.valid()) {
      return MakeError(ErrorCode::kUnknownCurrency, "both currencies are required", "currency");
    }
    if (c.from == c.to) {
      return MakeError(ErrorCode::kInvalidArgument, "an FX rate needs two different currencies",
                       "to");
    }
    if (c.rate_scaled <= 0 || c.rate_scaled > kFxRateScaledMax) {
      return MakeError(ErrorCode::kInvalidArgument, "the rate must be positive", "rate");
    }
    CL_RETURN_IF_ERROR(ValidateDate(c.effective_on, "effective_on"));
    return c;
  }

  Result<EventBody> operator()(const ReserveOrder& c) const {
    CL_RETURN_IF_ERROR(ValidateId(c.order_id, "order_id"));
    CL_ASSIGN_OR_RETURN(const Account* account, Find(c.account));
    CL_RETURN_IF_ERROR(ValidatePositiveAmount(c.amount, "amount_minor"));
    if (c.expires_at < 0) {
      return MakeError(ErrorCode::kInvalidDate, "expires_at is before 1970", "expires_at");
    }
    if (s_.order_index_.contains(c.order_id)) {
      return MakeError(ErrorCode::kDuplicateId, "order '" + c.order_id + "' is already open",
                       "order_id");
    }
    CL_ASSIGN_OR_RETURN(int64_t amount,
                        s_.InAccountCurrency(*account, c.amount, env_.today, "currency"));
    if (amount <= 0) {
      return MakeError(ErrorCode::kInvalidAmount, "amount converts to zero", "amount_minor");
    }
    // Copied once, from the check's result straight into the event.
    Result<Decision> decision = s_.RunChecks(*account, amount, amount, env_.today);
    if (!decision.ok()) return decision.error();
    return OrderDecided{c, amount, *decision};
  }

  Result<EventBody> operator()(const ChangeOrder& c) const {
    CL_ASSIGN_OR_RETURN(uint32_t slot, s_.OrderSlot(c.order_id));
    const Order& order = s_.orders_[slot];
    const Account& account = s_.accounts_[order.account];
    CL_RETURN_IF_ERROR(SameCurrency(order.requested.currency, c.amount.currency, "the change"));
    CL_RETURN_IF_ERROR(ValidatePositiveAmount(c.amount, "amount_minor"));
    CL_ASSIGN_OR_RETURN(int64_t total,
                        s_.InAccountCurrency(account, c.amount, env_.today, "currency"));
    if (total <= 0) {
      return MakeError(ErrorCode::kInvalidAmount, "amount converts to zero", "amount_minor");
    }
    if (total < order.invoiced_minor) {
      return MakeError(ErrorCode::kInvalidAmount,
                       "the new amount is below what is already invoiced", "amount_minor");
    }
    int64_t delta = total - order.amount_minor;
    OrderChanged event{c, total, true, {}};
    if (order.status == OrderStatus::kHeld || delta <= 0) {
      // A held order is reviewed as a whole at release; a decrease only gives credit back, and
      // its figures show the account after that release (a held order reserves nothing).
      int64_t exposure_change = order.status == OrderStatus::kHeld ? 0 : delta;
      CL_ASSIGN_OR_RETURN(event.decision, s_.Breakdown(account, exposure_change, env_.today));
      event.decision.amount_minor = delta;
      if (order.status == OrderStatus::kHeld) event.decision.outcome = Outcome::kHeld;
      return event;
    }
    CL_ASSIGN_OR_RETURN(event.decision, s_.RunChecks(account, delta, total, env_.today));
    // An increase cannot wait in the hold queue: a rule that would hold it refuses it.
    if (event.decision.outcome == Outcome::kHeld) event.decision.outcome = Outcome::kRejected;
    event.applied = event.decision.outcome != Outcome::kRejected;
    return event;
  }

  Result<EventBody> operator()(const CancelOrder& c) const {
    CL_ASSIGN_OR_RETURN(uint32_t slot, s_.OrderSlot(c.order_id));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
    return OrderCancelled{c, s_.orders_[slot].reserved_minor};
  }

  Result<EventBody> operator()(const ExpireReservations&) const {
    ReservationsExpired event;
    for (const auto& [expires_at, order_id] : s_.expiry_index_) {
      if (expires_at > env_.time || event.order_ids.size() >= kExpiredPerSweepMax) break;
      event.order_ids.push_back(order_id);
    }
    return event;
  }

  Result<EventBody> operator()(const CreateInvoice& c) const {
    CL_RETURN_IF_ERROR(ValidateId(c.invoice_id, "invoice_id"));
    CL_ASSIGN_OR_RETURN(uint32_t account_slot, s_.AccountSlot(c.account));
    const Account& account = s_.accounts_[account_slot];
    CL_RETURN_IF_ERROR(ValidatePositiveAmount(c.amount, "amount_minor"));
    CL_RETURN_IF_ERROR(ValidateDate(c.issued_on, "issued_on"));
    if (s_.invoice_index_.contains(c.invoice_id)) {
      return MakeError(ErrorCode::kDuplicateId, "invoice '" + c.invoice_id + "' is already open",
                       "invoice_id");
    }
    InvoiceCreated event{c, 0, c.due_on, 0, 0, 0};
    if (c.due_on == kNoDate) {
      event.due_on = AddDays(c.issued_on, account.payment_terms_days);
    } else {
      CL_RETURN_IF_ERROR(ValidateDate(c.due_on, "due_on"));
      if (c.due_on < c.issued_on) {
        return MakeError(ErrorCode::kInvalidDate, "due_on is before issued_on", "due_on");
      }
    }
    CL_ASSIGN_OR_RETURN(event.amount_minor,
                        s_.InAccountCurrency(account, c.amount, c.issued_on, "currency"));
    CL_RETURN_IF_ERROR(AddMinor(account.receivables_open_minor, event.amount_minor));
    if (!c.order_id.empty()) {
      CL_ASSIGN_OR_RETURN(uint32_t order_slot, s_.OrderSlot(c.order_id));
      const Order& order = s_.orders_[order_slot];
      if (order.account != account_slot) {
        return InvalidState("order '" + c.order_id + "' belongs to another account", "order_id");
      }
      if (order.status == OrderStatus::kHeld) {
        return InvalidState("order '" + c.order_id + "' is held for credit review", "order_id");
      }
      event.reservation_consumed_minor = std::min(event.amount_minor, order.reserved_minor);
      if (c.close_order) {
        event.reservation_released_minor = order.reserved_minor - event.reservation_consumed_minor;
      }
    } else if (c.close_order) {
      return MakeError(ErrorCode::kInvalidArgument, "close_order needs an order_id", "order_id");
    }
    event.credit_applied_minor = std::min(event.amount_minor, account.unapplied_credit_minor);
    return event;
  }

  Result<EventBody> operator()(const RecordPayment& c) const {
    CL_RETURN_IF_ERROR(ValidateId(c.payment_id, "payment_id"));
    PaymentRecorded event{c, 0, {}, 0};
    CL_RETURN_IF_ERROR(Settle(c.account, c.invoice_id, c.amount, c.received_on, "received_on",
                              &event.amount_minor, &event.allocations, &event.unapplied_minor));
    return event;
  }

  Result<EventBody> operator()(const IssueCreditNote& c) const {
    CL_RETURN_IF_ERROR(ValidateId(c.credit_note_id, "credit_note_id"));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
    CreditNoteIssued event{c, 0, {}, 0};
    CL_RETURN_IF_ERROR(Settle(c.account, c.invoice_id, c.amount, c.issued_on, "issued_on",
                              &event.amount_minor, &event.allocations, &event.unapplied_minor));
    return event;
  }

  Result<EventBody> operator()(const WriteOff& c) const {
    CL_RETURN_IF_ERROR(ValidateId(c.write_off_id, "write_off_id"));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", false));
    CL_ASSIGN_OR_RETURN(uint32_t slot, s_.InvoiceSlot(c.invoice_id));
    const Invoice& invoice = s_.invoices_[slot];
    const Account& account = s_.accounts_[invoice.account];
    int64_t amount = invoice.open_minor;
    if (c.amount) {
      CL_RETURN_IF_ERROR(SameCurrency(account.currency, c.amount->currency, "the write-off"));
      CL_RETURN_IF_ERROR(ValidatePositiveAmount(*c.amount, "amount_minor"));
      if (c.amount->minor > invoice.open_minor) {
        return MakeError(ErrorCode::kInvalidAmount,
                         "the write-off is more than the invoice's open amount", "amount_minor");
      }
      amount = c.amount->minor;
    }
    return WrittenOff{c, account.ref, amount};
  }

  Result<EventBody> operator()(const ReleaseHold& c) const {
    CL_ASSIGN_OR_RETURN(const Order* order, FindHeld(c.order_id));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", true));
    CL_RETURN_IF_ERROR(
        AddMinor(s_.accounts_[order->account].orders_open_minor, order->amount_minor));
    return HoldReleased{c, order->amount_minor};
  }

  Result<EventBody> operator()(const RejectHold& c) const {
    CL_RETURN_IF_ERROR(FindHeld(c.order_id));
    CL_RETURN_IF_ERROR(ValidateText(c.reason, "reason", true));
    return c;
  }

  Result<EventBody> operator()(const RunMonitor&) const { return s_.DecideMonitor(env_); }

  Result<EventBody> operator()(const AcknowledgeAlert& c) const {
    const Alert* alert = s_.FindAlert(c.alert_id);
    if (alert == nullptr) {
      return MakeError(ErrorCode::kAlertNotFound,
                       "no alert " + std::to_string(c.alert_id) + " (or it is no longer kept)",
                       "alert_id");
    }
    if (!alert->acknowledged_by.empty()) {
      return InvalidState("alert " + std::to_string(c.alert_id) + " is already acknowledged",
                          "alert_id");
    }
    return c;
  }

  Result<EventBody> operator()(const SetAlertRules& c) const {
    CL_RETURN_IF_ERROR(ValidateAlertRules(c.rules));
    return c;
  }

  // Credit assessment commands (assessment_decide.cpp).
  template <class AssessmentCommand>
  Result<EventBody> operator()(const AssessmentCommand& c) const {
    return AssessmentDecider(s_, env_)(c);
  }

 private:
  Result<const Account*> Find(const AccountRef& ref) const {
    uint32_t slot = s_.FindAccountSlot(ref);
    if (slot != kNone) return &s_.accounts_[slot];  // Stored ids were validated on creation.
    CL_RETURN_IF_ERROR(ValidateAccountRef(ref));
    CL_RETURN_IF_ERROR(s_.AccountSlot(ref));
    return MakeError(ErrorCode::kAccountNotFound, "no such account", "customer_id");
  }

  Result<const Order*> FindHeld(const std::string& order_id) const {
    CL_ASSIGN_OR_RETURN(uint32_t slot, s_.OrderSlot(order_id));
    const Order& order = s_.orders_[slot];
    if (order.status != OrderStatus::kHeld) {
      return InvalidState("order '" + order_id + "' is not in the hold queue", "order_id");
    }
    return &order;
  }

  // Allocates a payment or credit note: to the named invoice, else oldest due first; what is
  // left over becomes unapplied credit.
  Status Settle(const AccountRef& ref, const std::string& invoice_id, Money amount, Date on,
                const char* date_field, int64_t* amount_minor, std::vector<Allocation>* allocations,
                int64_t* unapplied_minor) const {
    CL_ASSIGN_OR_RETURN(const Account* account, Find(ref));
    CL_RETURN_IF_ERROR(ValidatePositiveAmount(amount, "amount_minor"));
    CL_RETURN_IF_ERROR(ValidateDate(on, date_field));
    CL_ASSIGN_OR_RETURN(*amount_minor, s_.InAccountCurrency(*account, amount, on, "currency"));
    int64_t left = *amount_minor;
    auto allocate = [&](const Invoice& invoice) {
      int64_t part = std::min(left, invoice.open_minor);
      if (part > 0) allocations->push_back(Allocation{invoice.invoice_id, part});
      left -= part;
    };
    if (!invoice_id.empty()) {
      CL_ASSIGN_OR_RETURN(uint32_t slot, s_.InvoiceSlot(invoice_id));
      if (s_.accounts_[s_.invoices_[slot].account].key != account->key) {
        return InvalidState("invoice '" + invoice_id + "' belongs to another account",
                            "invoice_id");
      }
      allocate(s_.invoices_[slot]);
    } else {
      for (uint32_t i = account->invoices.first; i != kNone && left > 0;
           i = s_.invoices_[i].account_links.next) {
        allocate(s_.invoices_[i]);
      }
    }
    CL_RETURN_IF_ERROR(AddMinor(account->unapplied_credit_minor, left));
    *unapplied_minor = left;
    return Status::Ok();
  }

  const State& s_;
  const Envelope& env_;
};

Status State::Decide(const Envelope& envelope, const Command& command, uint64_t fingerprint,
                     Event* event) const {
  if (!envelope.idempotency_key.empty()) {
    CL_RETURN_IF_ERROR(
        ValidateId(envelope.idempotency_key, "idempotency_key", kIdempotencyKeyBytesMax));
  }
  CL_RETURN_IF_ERROR(ValidateText(envelope.actor, "actor", false));
  CL_RETURN_IF_ERROR(ValidateDate(envelope.today, "today"));
  Result<EventBody> body = std::visit(Decider(*this, envelope), command);
  if (!body.ok()) return body.error();
  event->seq = last_seq_ + 1;
  event->time = envelope.time;
  event->today = envelope.today;
  event->actor = envelope.actor;
  event->idempotency_key = envelope.idempotency_key;
  event->fingerprint = fingerprint;
  event->body = std::move(body).value();
  return Status::Ok();
}

}  // namespace creditline
