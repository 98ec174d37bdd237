// core::State: construction, Execute (idempotency + Decide + Apply), lookups and queries.
#include "core/state.hpp"

#include <algorithm>
#include <cassert>

#include "absl/strings/string_view.h"
#include "core/codec.hpp"
#include "core/ids.hpp"

namespace creditline {

State::State(StateOptions options) : options_(options) {
  // Every account needs a policy; the default one exists from the start and can be replaced.
  policies_.push_back(Policy{});
  policy_index_.emplace(std::string(kDefaultPolicyName), 0);
}

void State::ReserveForReplay(uint64_t events) {
  idempotency_index_.reserve(idempotency_index_.size() +
                             std::min<uint64_t>(events, kReplayKeysReservedMax));
}

bool State::RemembersKey(const std::string& key, TimeMs now) const {
  auto found = idempotency_index_.find(absl::string_view(key));
  if (found == idempotency_index_.end()) return false;
  return idempotency_log_.At(found->second).time + options_.idempotency_retention_ms >= now;
}

Result<CommandResult> State::Execute(const Envelope& envelope, const Command& command,
                                     std::vector<Event>* emitted) {
  uint64_t fingerprint = Fingerprint(command);
  if (!envelope.idempotency_key.empty()) {
    auto found = idempotency_index_.find(absl::string_view(envelope.idempotency_key));
    std::optional<IdempotencyLog::Entry> record;
    if (found != idempotency_index_.end()) record = idempotency_log_.At(found->second);
    // A key past its retention is forgotten now, not only when a later event happens to sweep
    // it out (Apply's sweep uses the same condition, so replay agrees).
    if (record && record->time + options_.idempotency_retention_ms >= envelope.time) {
      if (record->fingerprint != fingerprint) {
        return MakeError(ErrorCode::kIdempotencyConflict,
                         "idempotency key '" + envelope.idempotency_key +
                             "' was already used for a different command",
                         "idempotency_key");
      }
      CommandResult replay = IdempotencyLog::Reply(*record);
      replay.replayed = true;
      return replay;
    }
  }
  Event event;
  CL_RETURN_IF_ERROR(Decide(envelope, command, fingerprint, &event));
  Apply(event);
  CommandResult result = ResultOf(event);
  if (emitted != nullptr) emitted->push_back(std::move(event));
  return result;
}

namespace {

// Fills the figures a command's reply needs from its event (see CommandResult).
struct ResultFiller {
  CommandResult& r;
  void operator()(const OrderDecided& e) {
    r.decision = e.decision, r.amount_minor = e.amount_minor;
  }
  void operator()(const OrderChanged& e) {
    r.decision = e.decision, r.applied = e.applied, r.amount_minor = e.new_amount_minor;
  }
  void operator()(const OrderCancelled& e) { r.amount_minor = e.released_minor; }
  void operator()(const HoldReleased& e) { r.amount_minor = e.amount_minor; }
  void operator()(const InvoiceCreated& e) {
    r.amount_minor = e.amount_minor, r.due_on = e.due_on;
    r.reservation_consumed_minor = e.reservation_consumed_minor;
    r.reservation_released_minor = e.reservation_released_minor;
    r.credit_applied_minor = e.credit_applied_minor;
  }
  void operator()(const PaymentRecorded& e) {
    r.amount_minor = e.amount_minor, r.allocations = e.allocations;
    r.unapplied_minor = e.unapplied_minor;
  }
  void operator()(const CreditNoteIssued& e) {
    r.amount_minor = e.amount_minor, r.allocations = e.allocations;
    r.unapplied_minor = e.unapplied_minor;
  }
  void operator()(const WrittenOff& e) { r.amount_minor = e.amount_minor, r.account = e.account; }
  template <class Other>
  void operator()(const Other&) {}
};

}  // namespace

CommandResult ResultOf(const Event& event) {
  CommandResult result;
  FillResult(event, &result);
  return result;
}

void FillResult(const Event& event, CommandResult* result) {
  result->seq = event.seq;
  std::visit(ResultFiller{*result}, event.body);
}

Result<Decision> State::Check(const AccountRef& ref, Money amount, Date today) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, AccountSlot(ref));
  const Account& account = accounts_[slot];
  if (amount.minor <= 0 || amount.minor > kAmountMinorMax) {
    return MakeError(ErrorCode::kInvalidAmount, "amount must be between 1 and 10^15 minor units",
                     "amount_minor");
  }
  CL_ASSIGN_OR_RETURN(int64_t amount_minor, InAccountCurrency(account, amount, today, "currency"));
  return RunChecks(account, amount_minor, amount_minor, today);
}

uint32_t State::FindAccountSlot(const AccountRef& ref) const {
  if (ref.segment.empty()) {
    auto found = account_index_.find(absl::string_view(ref.customer_id));
    if (found == account_index_.end()) return kNone;
    // Keys join customer and segment with '/': an (invalid) customer id "C1/EU" must not
    // reach customer C1's EU account.
    return accounts_[found->second].ref.segment.empty() ? found->second : kNone;
  }
  auto found = account_index_.find(AccountKey(ref));
  return found == account_index_.end() ? kNone : found->second;
}

Result<uint32_t> State::AccountSlot(const AccountRef& ref) const {
  uint32_t slot = FindAccountSlot(ref);
  if (slot == kNone) {
    // A malformed reference gets its own error rather than "not found".
    CL_RETURN_IF_ERROR(ValidateId(ref.customer_id, "customer_id"));
    if (!ref.segment.empty()) CL_RETURN_IF_ERROR(ValidateId(ref.segment, "segment"));
    if (customers_.find(ref.customer_id) == customers_.end()) {
      return MakeError(ErrorCode::kCustomerNotFound,
                       "no customer '" + ref.customer_id.substr(0, 80) + "'", "customer_id");
    }
    return MakeError(ErrorCode::kAccountNotFound,
                     "customer '" + ref.customer_id + "' has no credit account in segment '" +
                         ref.segment.substr(0, 80) + "'",
                     "segment");
  }
  return slot;
}

namespace {

// The slot of `id` in one of the state's id indexes, or a not-found error naming it.
Result<uint32_t> SlotIn(const absl::flat_hash_map<std::string, uint32_t>& index,
                        const std::string& id, ErrorCode code, const char* what,
                        const char* field) {
  auto found = index.find(id);
  if (found == index.end()) {
    return MakeError(code, std::string(what) + " '" + id.substr(0, 80) + "'", field);
  }
  return found->second;
}

}  // namespace

Result<uint32_t> State::OrderSlot(const std::string& order_id) const {
  return SlotIn(order_index_, order_id, ErrorCode::kOrderNotFound, "no open or held order",
                "order_id");
}

Result<uint32_t> State::InvoiceSlot(const std::string& invoice_id) const {
  return SlotIn(invoice_index_, invoice_id, ErrorCode::kInvoiceNotFound, "no open invoice",
                "invoice_id");
}

Result<uint32_t> State::GroupSlot(const std::string& group_id) const {
  return SlotIn(group_index_, group_id, ErrorCode::kGroupNotFound, "no credit group", "group_id");
}

Result<uint32_t> State::PolicySlot(const std::string& name) const {
  return SlotIn(policy_index_, name, ErrorCode::kPolicyNotFound, "no policy", "policy");
}

const Customer* State::FindCustomer(const std::string& customer_id) const {
  auto found = customers_.find(customer_id);
  return found == customers_.end() ? nullptr : &found->second;
}

const Policy* State::FindPolicy(const std::string& name) const {
  auto found = policy_index_.find(name);
  return found == policy_index_.end() ? nullptr : &policies_[found->second];
}

Result<std::vector<AccountView>> State::ViewCustomerAccounts(const std::string& customer_id,
                                                             Date today) const {
  const Customer* customer = FindCustomer(customer_id);
  if (customer == nullptr) {
    return MakeError(ErrorCode::kCustomerNotFound,
                     "no customer '" + customer_id.substr(0, 80) + "'", "customer_id");
  }
  std::vector<AccountView> views;
  for (uint32_t slot : customer->accounts) {
    CL_ASSIGN_OR_RETURN(AccountView view, ViewAccount(accounts_[slot].ref, today));
    views.push_back(std::move(view));
  }
  return views;
}

namespace {

bool ContainsIgnoringAsciiCase(std::string_view text, std::string_view needle) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

}  // namespace

std::vector<const Customer*> State::ListCustomers(const CustomerFilter& filter,
                                                  const std::string& after_id, size_t limit) const {
  std::vector<const Customer*> page;
  auto it = after_id.empty() ? customer_order_.begin() : customer_order_.upper_bound(after_id);
  for (; it != customer_order_.end() && page.size() < limit; ++it) {
    const Customer& customer = customers_.at(*it);
    if (!filter.query.empty() && !ContainsIgnoringAsciiCase(customer.customer_id, filter.query) &&
        !ContainsIgnoringAsciiCase(customer.name, filter.query)) {
      continue;
    }
    bool status_ok = !filter.status, grade_ok = !filter.grade;
    for (uint32_t slot : customer.accounts) {
      status_ok = status_ok || accounts_[slot].status == *filter.status;
      grade_ok = grade_ok || accounts_[slot].grade == *filter.grade;
    }
    if (status_ok && grade_ok) page.push_back(&customer);
  }
  return page;
}

std::optional<TimeMs> State::NextExpiry() const {
  if (expiry_index_.empty()) return std::nullopt;
  return expiry_index_.begin()->first;
}

Result<AccountView> State::ViewAccount(const AccountRef& ref, Date today) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, AccountSlot(ref));
  const Account& account = accounts_[slot];
  AccountView view;
  view.ref = account.ref;
  view.customer_name = customers_.at(account.ref.customer_id).name;
  view.currency = account.currency;
  view.status = account.status;
  view.grade = account.grade;
  view.policy = policies_[account.policy].name;
  if (account.group != kNone) view.group_id = groups_[account.group].group_id;
  view.payment_terms_days = account.payment_terms_days;
  view.review_on = account.review_on;
  view.limit_minor = account.base_limit_minor;
  view.effective_limit_minor =
      EffectiveLimitMinor(account, today, &view.temporary_limits_minor, &view.collateral_minor);
  CL_ASSIGN_OR_RETURN(Decision figures, Breakdown(account, 0, today));
  view.orders_open_minor = account.orders_open_minor;
  view.receivables_open_minor = account.receivables_open_minor;
  view.unapplied_credit_minor = account.unapplied_credit_minor;
  view.exposure_minor = account.ExposureMinor();
  view.available_minor = figures.available_before_minor;
  view.utilization_bp = figures.utilization_after_bp;
  view.overdue_minor = figures.overdue_minor;
  view.oldest_days_past_due = figures.days_past_due;
  view.written_off_minor = account.written_off_minor;
  view.open_orders = account.open_orders;
  view.held_orders = account.held_orders;
  view.open_invoices = account.open_invoices;
  return view;
}

OrderView State::ToView(const Order& order) const {
  const Account& account = accounts_[order.account];
  return OrderView{order.order_id,       account.ref,        order.status,
                   account.currency,     order.amount_minor, order.reserved_minor,
                   order.invoiced_minor, order.requested,    order.placed_at,
                   order.expires_at,     order.decision,     order.released_by,
                   order.release_reason};
}

Result<std::vector<OrderView>> State::OpenOrders(const AccountRef& ref) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, AccountSlot(ref));
  std::vector<OrderView> views;
  for (uint32_t i = accounts_[slot].orders.first; i != kNone; i = orders_[i].account_links.next) {
    views.push_back(ToView(orders_[i]));
  }
  return views;
}

InvoiceView State::ToView(const Invoice& invoice, Date today) const {
  const Account& account = accounts_[invoice.account];
  return InvoiceView{
      invoice.invoice_id, invoice.order_id,     account.ref,
      account.currency,   invoice.amount_minor, invoice.open_minor,
      invoice.issued_on,  invoice.due_on,       std::max(0, DaysBetween(invoice.due_on, today))};
}

Result<std::vector<InvoiceView>> State::OpenInvoices(const AccountRef& ref, Date today) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, AccountSlot(ref));
  std::vector<InvoiceView> views;
  for (uint32_t i = accounts_[slot].invoices.first; i != kNone;
       i = invoices_[i].account_links.next) {
    views.push_back(ToView(invoices_[i], today));
  }
  return views;
}

Result<InvoiceView> State::ViewInvoice(const std::string& invoice_id, Date today) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, InvoiceSlot(invoice_id));
  return ToView(invoices_[slot], today);
}

std::vector<OrderView> State::Holds(size_t limit) const {
  std::vector<OrderView> views;
  for (uint32_t i = hold_queue_.first; i != kNone && views.size() < limit;
       i = orders_[i].hold_links.next) {
    views.push_back(ToView(orders_[i]));
  }
  return views;
}

Result<OrderView> State::ViewOrder(const std::string& order_id) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, OrderSlot(order_id));
  return ToView(orders_[slot]);
}

Result<GroupView> State::ViewGroup(const std::string& group_id) const {
  CL_ASSIGN_OR_RETURN(uint32_t slot, GroupSlot(group_id));
  const Group& group = groups_[slot];
  GroupView view{group.group_id,
                 group.name,
                 group.currency,
                 group.limit_minor,
                 group.exposure_minor,
                 group.limit_minor - group.exposure_minor,
                 {}};
  for (uint32_t member : group.members) view.members.push_back(accounts_[member].ref);
  return view;
}

State::ItemSums State::SumOpenItems(const AccountRef& ref) const {
  ItemSums sums;
  Result<uint32_t> slot = AccountSlot(ref);
  if (!slot.ok()) return sums;
  const Account& account = accounts_[*slot];
  for (uint32_t i = account.orders.first; i != kNone; i = orders_[i].account_links.next) {
    sums.orders_minor += orders_[i].reserved_minor;
  }
  for (uint32_t i = account.invoices.first; i != kNone; i = invoices_[i].account_links.next) {
    sums.receivables_minor += invoices_[i].open_minor;
  }
  return sums;
}

}  // namespace creditline
