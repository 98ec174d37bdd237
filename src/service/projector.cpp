#include "service/projector.hpp"

#include <chrono>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "core/codec.hpp"
#include "service/recovery.hpp"

namespace creditline::service {
namespace {

// The ids a command or event names, found by walking its Fields(): every AccountRef, and the
// strings named order_id(s), invoice_id and customer_id outside an AccountRef.
struct NamedKeys {
  std::vector<AccountRef> accounts;
  std::vector<std::string> orders, invoices, customers;
};

class KeyWalker {
 public:
  explicit KeyWalker(NamedKeys* keys) : keys_(keys) {}

  template <class T>
  void operator()(std::string_view name, const T& value) {
    if constexpr (std::is_same_v<T, AccountRef>) {
      keys_->accounts.push_back(value);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (value.empty()) return;
      if (name == "order_id" || name == "order_ids") keys_->orders.push_back(value);
      if (name == "invoice_id") keys_->invoices.push_back(value);
      if (name == "customer_id") keys_->customers.push_back(value);
    } else if constexpr (IsVector<T>::value) {
      for (const auto& item : value) (*this)(name, item);
    } else if constexpr (IsOptional<T>::value) {
      if (value) (*this)(name, *value);
    } else if constexpr (IsVariant<T>::value) {
      std::visit([&](const auto& alternative) { (*this)(name, alternative); }, value);
    } else if constexpr (requires(T & t, KeyWalker & walker) { t.Fields(walker); }) {
      // Fields() only reads here; it is not const because the codec also writes through it.
      const_cast<T&>(value).Fields(*this);
    }
  }

 private:
  NamedKeys* keys_;
};

std::string DateText(Date date) { return date == kNoDate ? std::string() : FormatDate(date); }

std::string ReasonsText(const Reasons& reasons) {
  std::string text;
  for (const Reason& reason : reasons) {
    if (!text.empty()) text += ',';
    text += NameOf(reason.code);
  }
  return text;
}

store::CustomerRow CustomerRowOf(const Customer& customer) {
  std::string tags;
  for (const std::string& tag : customer.tags) tags += (tags.empty() ? "" : ",") + tag;
  return {customer.customer_id, customer.name, customer.industry, customer.region, tags};
}

store::AccountRow AccountRowOf(const AccountView& a, Date today) {
  store::AccountRow row;
  row.account_key = AccountKey(a.ref);
  row.customer_id = a.ref.customer_id;
  row.segment = a.ref.segment;
  row.currency = a.currency.code();
  row.status = NameOf(a.status);
  row.grade = a.grade, row.policy = a.policy, row.group_id = a.group_id;
  row.payment_terms_days = a.payment_terms_days;
  row.review_on = DateText(a.review_on);
  row.limit_minor = a.limit_minor, row.temporary_limits_minor = a.temporary_limits_minor;
  row.collateral_minor = a.collateral_minor, row.effective_limit_minor = a.effective_limit_minor;
  row.orders_open_minor = a.orders_open_minor;
  row.receivables_open_minor = a.receivables_open_minor;
  row.unapplied_credit_minor = a.unapplied_credit_minor;
  row.exposure_minor = a.exposure_minor, row.available_minor = a.available_minor;
  row.utilization_bp = a.utilization_bp, row.overdue_minor = a.overdue_minor;
  row.written_off_minor = a.written_off_minor;
  row.open_orders = static_cast<int32_t>(a.open_orders);
  row.held_orders = static_cast<int32_t>(a.held_orders);
  row.open_invoices = static_cast<int32_t>(a.open_invoices);
  row.as_of = FormatDate(today);
  return row;
}

store::OrderRow OrderRowOf(const OrderView& o) {
  return {o.order_id,
          AccountKey(o.account),
          o.account.customer_id,
          o.status == OrderStatus::kHeld ? "held" : "open",
          std::string(o.currency.code()),
          o.amount_minor,
          o.reserved_minor,
          o.invoiced_minor,
          o.placed_at,
          o.expires_at,
          std::string(NameOf(o.decision.outcome)),
          o.released_by};
}

store::InvoiceRow InvoiceRowOf(const InvoiceView& i) {
  return {i.invoice_id, AccountKey(i.account),          i.account.customer_id,
          i.order_id,   std::string(i.currency.code()), i.amount_minor,
          i.open_minor, FormatDate(i.issued_on),        FormatDate(i.due_on)};
}

store::DecisionRow DecisionBase(const Event& event, const std::string& order_id,
                                const AccountRef& account, const char* kind) {
  store::DecisionRow row;
  row.seq = event.seq;
  row.decided_at_ms = event.time;
  row.kind = kind;
  row.order_id = order_id;
  // Unknown only while catching up with records from before the projector's state; the
  // writer fills it in from the order's first decision.
  if (!account.customer_id.empty()) {
    row.account_key = AccountKey(account);
    row.customer_id = account.customer_id;
  }
  row.actor = event.actor;
  return row;
}

void AddDecision(store::DecisionRow& row, const Decision& decision) {
  row.outcome = NameOf(decision.outcome);
  row.reasons = ReasonsText(decision.reasons);
  row.currency = decision.currency.code();
  row.amount_minor = decision.amount_minor;
  row.available_after_minor = decision.available_after_minor;
}

}  // namespace

std::optional<store::DecisionRow> DecisionRowOf(const Event& event, const AccountRef& account) {
  if (const auto* decided = std::get_if<OrderDecided>(&event.body)) {
    store::DecisionRow row =
        DecisionBase(event, decided->order.order_id, decided->order.account, "order");
    AddDecision(row, decided->decision);
    return row;
  }
  if (const auto* changed = std::get_if<OrderChanged>(&event.body)) {
    store::DecisionRow row = DecisionBase(event, changed->change.order_id, account, "order_change");
    AddDecision(row, changed->decision);
    if (!changed->applied) row.outcome = "rejected";
    return row;
  }
  if (const auto* released = std::get_if<HoldReleased>(&event.body)) {
    store::DecisionRow row = DecisionBase(event, released->release.order_id, account, "release");
    row.outcome = "released";
    row.amount_minor = released->amount_minor;
    row.reason = released->release.reason;
    return row;
  }
  if (const auto* rejected = std::get_if<RejectHold>(&event.body)) {
    store::DecisionRow row = DecisionBase(event, rejected->order_id, account, "rejection");
    row.outcome = "rejected";
    row.reason = rejected->reason;
    return row;
  }
  return std::nullopt;
}

struct Projector::Touched {
  absl::flat_hash_map<std::string, AccountRef> accounts;  // By account key.
  absl::flat_hash_set<std::string> customers, orders, invoices;
  void Account(const AccountRef& ref) { accounts.emplace(AccountKey(ref), ref); }
};

Projector::Projector(store::Store& store, BusinessCalendar calendar, Log log)
    : store_(store), calendar_(std::move(calendar)), log_(std::move(log)) {}

Projector::~Projector() { Stop(); }

void Projector::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Projector::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Projector::Loop() {
  while (true) {
    Status synced = SyncOnce(SystemNowMs());
    if (!synced.ok() && synced.error().message != last_error_) {
      last_error_ = synced.error().message;
      log_("the SQL projection is behind: " + last_error_ + "; trying again");
    } else if (synced.ok()) {
      last_error_.clear();
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::milliseconds(kProjectorFollowMs),
                       [&] { return stopping_; })) {
      return;
    }
  }
}

void Projector::Reset() {
  writer_.reset();
  reader_.reset();
  state_.reset();
  checker_.reset();
  holds_lease_ = false;
}

Status Projector::SyncOnce(TimeMs now) {
  Date today = calendar_.Today(now);
  Status synced = writer_ == nullptr ? Open(today) : Follow(today);
  // Any failure starts over with a full rewrite: simpler than knowing what a broken
  // connection did or did not commit.
  if (!synced.ok()) Reset();
  return synced;
}

Status Projector::Open(Date today) {
  Result<std::unique_ptr<store::ProjectionWriter>> writer = store_.OpenProjectionWriter();
  if (!writer.ok()) {
    return writer.error().code == ErrorCode::kWriterLeaseHeld ? Status::Ok() : writer.error();
  }
  writer_ = std::move(*writer);
  holds_lease_ = true;
  CL_ASSIGN_OR_RETURN(reader_, store_.OpenReader());
  CL_ASSIGN_OR_RETURN(uint64_t projected, writer_->ProjectedSeq());
  state_.emplace();
  CL_ASSIGN_OR_RETURN(RecoveryReport report,
                      Recover(*reader_, &*state_, [](uint64_t, uint64_t) {}));
  checker_.emplace(report.tip);
  store::ProjectionChanges changes;
  changes.full = true;
  changes.through_seq = report.tip.seq;
  AddEverything(today, &changes);
  // The decisions the projection lacks, from the journal.
  if (projected < report.tip.seq) {
    CL_RETURN_IF_ERROR(
        reader_->Scan(projected, report.tip.seq, [&](store::JournalRecord& record) -> Status {
          CL_ASSIGN_OR_RETURN(Event event, DecodeEvent(record.body));
          std::optional<store::DecisionRow> row = DecisionRowOf(event, AccountRef{});
          if (row) changes.decisions.push_back(std::move(*row));
          return Status::Ok();
        }));
  }
  CL_RETURN_IF_ERROR(writer_->Write(changes));
  business_date_ = today;
  projected_seq_ = report.tip.seq;
  log_("the SQL projection was rewritten through journal record " + std::to_string(report.tip.seq));
  return Status::Ok();
}

void Projector::AddEverything(Date today, store::ProjectionChanges* changes) const {
  changes->business_date = FormatDate(today);
  std::string after;
  while (true) {
    std::vector<const Customer*> page =
        state_->ListCustomers(CustomerFilter{}, after, kProjectorCustomersPerPage);
    for (const Customer* customer : page) {
      changes->customers.push_back(CustomerRowOf(*customer));
      Result<std::vector<AccountView>> accounts =
          state_->ViewCustomerAccounts(customer->customer_id, today);
      for (const AccountView& account : *accounts) {
        changes->accounts.push_back(AccountRowOf(account, today));
        Result<std::vector<OrderView>> orders = state_->OpenOrders(account.ref);
        for (const OrderView& order : *orders) changes->orders.push_back(OrderRowOf(order));
        Result<std::vector<InvoiceView>> invoices = state_->OpenInvoices(account.ref, today);
        for (const InvoiceView& invoice : *invoices) {
          changes->invoices.push_back(InvoiceRowOf(invoice));
        }
      }
    }
    if (page.size() < kProjectorCustomersPerPage) return;
    after = page.back()->customer_id;
  }
}

Status Projector::Follow(Date today) {
  CL_ASSIGN_OR_RETURN(store::JournalTip tip, reader_->Tip());
  if (today != business_date_) {
    // Days past due and temporary limits move with the date: rewrite the current state.
    store::ProjectionChanges changes;
    changes.full = true;
    changes.through_seq = checker_->tip().seq;
    AddEverything(today, &changes);
    CL_RETURN_IF_ERROR(writer_->Write(changes));
    business_date_ = today;
  }
  while (checker_->tip().seq < tip.seq) {
    uint64_t through = std::min(tip.seq, checker_->tip().seq + kProjectorRecordsPerWrite);
    Touched touched;
    store::ProjectionChanges changes;
    changes.business_date = FormatDate(today);
    CL_RETURN_IF_ERROR(
        reader_->Scan(checker_->tip().seq, through, [&](store::JournalRecord& record) -> Status {
          CL_ASSIGN_OR_RETURN(Event event, checker_->CheckAndDecode(record));
          Collect(event, today, &touched, &changes);
          state_->Apply(event);
          return Status::Ok();
        }));
    if (checker_->tip().seq != through) {
      return MakeError(ErrorCode::kCorruptRecord,
                       "journal record " + std::to_string(checker_->tip().seq + 1) + " is missing");
    }
    AddTouched(touched, today, &changes);
    changes.through_seq = through;
    CL_RETURN_IF_ERROR(writer_->Write(changes));
    projected_seq_ = through;
  }
  return Status::Ok();
}

void Projector::Collect(const Event& event, Date today, Touched* touched,
                        store::ProjectionChanges* changes) const {
  NamedKeys keys;
  KeyWalker walker(&keys);
  std::visit([&](const auto& body) { walker("body", body); }, event.body);
  for (const AccountRef& ref : keys.accounts) touched->Account(ref);
  for (const std::string& id : keys.customers) touched->customers.insert(id);
  AccountRef order_account;
  for (const std::string& id : keys.orders) {
    touched->orders.insert(id);
    if (Result<OrderView> order = state_->ViewOrder(id); order.ok()) {
      touched->Account(order->account);
      order_account = order->account;
    }
  }
  for (const std::string& id : keys.invoices) {
    touched->invoices.insert(id);
    if (Result<InvoiceView> invoice = state_->ViewInvoice(id, today); invoice.ok()) {
      touched->Account(invoice->account);
    }
  }
  std::optional<store::DecisionRow> row = DecisionRowOf(event, order_account);
  if (row) changes->decisions.push_back(std::move(*row));
}

void Projector::AddTouched(const Touched& touched, Date today,
                           store::ProjectionChanges* changes) const {
  for (const std::string& id : touched.customers) {
    if (const Customer* customer = state_->FindCustomer(id)) {
      changes->customers.push_back(CustomerRowOf(*customer));
    }
  }
  for (const auto& [key, ref] : touched.accounts) {
    if (Result<AccountView> account = state_->ViewAccount(ref, today); account.ok()) {
      changes->accounts.push_back(AccountRowOf(*account, today));
    }
  }
  for (const std::string& id : touched.orders) {
    Result<OrderView> order = state_->ViewOrder(id);
    if (order.ok()) {
      changes->orders.push_back(OrderRowOf(*order));
    } else {
      changes->deleted_orders.push_back(id);
    }
  }
  for (const std::string& id : touched.invoices) {
    Result<InvoiceView> invoice = state_->ViewInvoice(id, today);
    if (invoice.ok()) {
      changes->invoices.push_back(InvoiceRowOf(*invoice));
    } else {
      changes->deleted_invoices.push_back(id);
    }
  }
}

}  // namespace creditline::service
