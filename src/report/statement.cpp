// The customer statement and activity feed: a forward replay of one account's events through a
// mirror of the figures the statement reports (see statement.hpp).
#include "report/statement.hpp"

#include <map>
#include <optional>
#include <set>
#include <type_traits>

namespace creditline::report {
namespace {

struct MirrorOrder {
  bool held = false;
  int64_t amount_minor = 0, reserved_minor = 0;
};
struct MirrorInvoice {
  Date due_on;
  int64_t open_minor = 0;
};
struct MirrorTemporary {
  int64_t amount_minor = 0;
  Date valid_from, valid_to;
};
struct MirrorCollateral {
  int64_t amount_minor = 0;
  Date valid_to;
  bool counts = true;
};
struct MirrorRequest {
  int64_t amount_minor = 0;
  Date expires_on = kNoDate;
};

// The figures an activity entry compares before and after an event, in this order.
struct Figures {
  int64_t limit_minor = 0, temporary_limits_minor = 0, collateral_minor = 0;
  std::string status, grade, group_id;
  int32_t score = -1;
  int64_t orders_open_minor = 0, receivables_open_minor = 0, unapplied_credit_minor = 0;
};

// Fields of Figures that make the limit history (the rest is exposure).
constexpr size_t kLimitFieldCount = 7;

std::vector<FieldChange> Diff(const Figures& a, const Figures& b) {
  std::vector<FieldChange> out;
  auto money = [&](const char* name, int64_t x, int64_t y) {
    if (x != y) out.push_back(FieldChange{name, x, y});
  };
  auto text = [&](const char* name, const std::string& x, const std::string& y) {
    if (x != y) out.push_back(FieldChange{name, x, y});
  };
  money("limit_minor", a.limit_minor, b.limit_minor);
  money("temporary_limits_minor", a.temporary_limits_minor, b.temporary_limits_minor);
  money("collateral_minor", a.collateral_minor, b.collateral_minor);
  text("status", a.status, b.status);
  text("grade", a.grade, b.grade);
  text("group_id", a.group_id, b.group_id);
  if (a.score != b.score) {
    out.push_back(FieldChange{"score", int64_t{a.score}, int64_t{b.score}});
  }
  money("orders_open_minor", a.orders_open_minor, b.orders_open_minor);
  money("receivables_open_minor", a.receivables_open_minor, b.receivables_open_minor);
  money("unapplied_credit_minor", a.unapplied_credit_minor, b.unapplied_credit_minor);
  int64_t exposure_a = a.orders_open_minor + a.receivables_open_minor - a.unapplied_credit_minor;
  int64_t exposure_b = b.orders_open_minor + b.receivables_open_minor - b.unapplied_credit_minor;
  money("exposure_minor", exposure_a, exposure_b);
  return out;
}

bool IsLimitField(const std::string& field) {
  static const char* const kFields[kLimitFieldCount] = {
      "limit_minor", "temporary_limits_minor", "collateral_minor", "status", "grade", "group_id",
      "score"};
  for (const char* name : kFields) {
    if (field == name) return true;
  }
  return false;
}

std::string ReasonsText(const Reasons& reasons) {
  std::string out;
  for (const Reason& reason : reasons) {
    if (!out.empty()) out += ",";
    out += NameOf(reason.code);
  }
  return out;
}

// The statement's item sections; rows are added only for events inside the window.
struct ItemTables {
  Table invoices{"invoices",
                 {"seq", "time", "day", "actor", "invoice_id", "order_id", "issued_on", "due_on",
                  "amount_minor", "credit_applied_minor"},
                 {}};
  Table settlements{"settlements",
                    {"seq", "time", "day", "actor", "kind", "document_id", "document_minor",
                     "invoice_id", "allocated_minor", "unapplied_minor", "reason"},
                    {}};
  Table decisions{"decisions",
                  {"seq", "time", "day", "actor", "kind", "subject_id", "outcome", "reasons",
                   "amount_minor", "reason"},
                  {}};
  int64_t invoiced_minor = 0, paid_minor = 0, credited_minor = 0, written_off_minor = 0;
};

// One account's figures, moved by its events exactly as Apply moves the state's.
class Mirror {
 public:
  explicit Mirror(AccountRef ref) : ref_(std::move(ref)) {}

  bool opened() const { return opened_; }

  Figures Now() const {
    Figures f;
    f.limit_minor = limit_minor_;
    for (const auto& [id, item] : temporary_) f.temporary_limits_minor += item.amount_minor;
    for (const auto& [id, item] : collateral_) f.collateral_minor += item.amount_minor;
    f.status = opened_ ? std::string(NameOf(status_)) : "";
    f.grade = grade_;
    f.group_id = group_id_;
    f.score = score_;
    f.orders_open_minor = orders_open_minor_;
    f.receivables_open_minor = receivables_open_minor_;
    f.unapplied_credit_minor = unapplied_minor_;
    return f;
  }

  int64_t EffectiveLimitOn(Date day) const {
    int64_t limit = limit_minor_;
    for (const auto& [id, item] : temporary_) {
      if (item.valid_from <= day && day <= item.valid_to) limit += item.amount_minor;
    }
    for (const auto& [id, item] : collateral_) {
      if (item.counts && day <= item.valid_to) limit += item.amount_minor;
    }
    return limit;
  }

  // Open invoices due before `day` (days past due > 0 on that day), as State::OverdueMinor.
  int64_t OverdueOn(Date day) const {
    int64_t overdue = 0;
    for (const auto& [id, invoice] : invoices_) {
      if (invoice.due_on < day) overdue += invoice.open_minor;
    }
    return overdue;
  }

  // Moves the figures by `event`; `items` (may be null) receives the event's statement rows.
  // Returns whether the event concerned this account.
  bool Apply(const Event& event, ItemTables* items) {
    event_ = &event;
    items_ = items;
    touched_ = false;
    std::visit([this](const auto& body) { On(body); }, event.body);
    return touched_;
  }

 private:
  bool Mine(const AccountRef& ref) {
    bool mine = ref == ref_;
    touched_ = touched_ || mine;
    return mine;
  }
  bool MineOrder(const std::string& order_id) {
    bool mine = orders_.contains(order_id);
    touched_ = touched_ || mine;
    return mine;
  }

  void Open(const OpenAccount& e) {
    opened_ = true;
    limit_minor_ = e.limit_minor;
    grade_ = e.grade;
    status_ = e.status;
    group_id_ = e.group_id;
  }

  void On(const CreateCustomer& e) {
    if (e.account && Mine(e.account->account)) Open(*e.account);
  }
  void On(const UpdateCustomer& e) {
    if (e.customer_id == ref_.customer_id) touched_ = opened_;
    if (e.account) On(*e.account);
  }
  void On(const OpenAccount& e) {
    if (Mine(e.account)) Open(e);
  }
  void On(const UpdateAccount& e) {
    if (Mine(e.account) && e.grade) grade_ = *e.grade;
  }
  void On(const SetLimit& e) {
    if (Mine(e.account)) limit_minor_ = e.limit.minor;
  }
  void On(const AddTemporaryLimit& e) {
    if (!Mine(e.account)) return;
    temporary_[e.temporary_limit_id] = MirrorTemporary{e.amount.minor, e.valid_from, e.valid_to};
  }
  void On(const RemoveTemporaryLimit& e) {
    if (Mine(e.account)) temporary_.erase(e.temporary_limit_id);
  }
  void On(const AddCollateral& e) {
    if (!Mine(e.account)) return;
    collateral_[e.collateral_id] =
        MirrorCollateral{e.amount.minor, e.valid_to, e.counts_toward_limit};
  }
  void On(const RemoveCollateral& e) {
    if (Mine(e.account)) collateral_.erase(e.collateral_id);
  }
  void On(const SetStatus& e) {
    if (Mine(e.account)) status_ = e.status;
  }
  void On(const JoinGroup& e) {
    if (Mine(e.account)) group_id_ = e.group_id;
  }
  void On(const LeaveGroup& e) {
    if (Mine(e.account)) group_id_.clear();
  }

  void On(const OrderDecided& e) {
    if (!Mine(e.order.account)) return;
    AddDecision("order", e.order.order_id, std::string(NameOf(e.decision.outcome)),
                ReasonsText(e.decision.reasons), e.amount_minor, "");
    if (e.decision.outcome == Outcome::kRejected) return;
    bool held = e.decision.outcome == Outcome::kHeld;
    orders_[e.order.order_id] = MirrorOrder{held, e.amount_minor, held ? 0 : e.amount_minor};
    if (!held) orders_open_minor_ += e.amount_minor;
  }
  void On(const OrderChanged& e) {
    if (!MineOrder(e.change.order_id)) return;
    MirrorOrder& order = orders_[e.change.order_id];
    int64_t delta = e.new_amount_minor - order.amount_minor;
    std::string outcome = e.applied ? std::string(NameOf(e.decision.outcome)) : "refused";
    AddDecision("order_change", e.change.order_id, outcome, ReasonsText(e.decision.reasons), delta,
                "");
    if (!e.applied) return;
    order.amount_minor = e.new_amount_minor;
    if (!order.held) Reserve(order, delta);
  }
  void On(const OrderCancelled& e) {
    if (!MineOrder(e.cancel.order_id)) return;
    AddDecision("order_cancel", e.cancel.order_id, "cancelled", "", e.released_minor,
                e.cancel.reason);
    RemoveOrder(e.cancel.order_id);
  }
  void On(const ReservationsExpired& e) {
    for (const std::string& order_id : e.order_ids) {
      if (!MineOrder(order_id)) continue;
      AddDecision("order_expired", order_id, "expired", "", orders_[order_id].reserved_minor, "");
      RemoveOrder(order_id);
    }
  }
  void On(const InvoiceCreated& e) {
    if (!Mine(e.invoice.account)) return;
    if (items_ != nullptr) {
      items_->invoiced_minor += e.amount_minor;
      items_->invoices.rows.push_back(
          Head({e.invoice.invoice_id, e.invoice.order_id, FormatDate(e.invoice.issued_on),
                FormatDate(e.due_on), e.amount_minor, e.credit_applied_minor}));
    }
    auto order = orders_.find(e.invoice.order_id);
    if (order != orders_.end()) {
      Reserve(order->second, -(e.reservation_consumed_minor + e.reservation_released_minor));
      if (e.invoice.close_order || order->second.reserved_minor == 0) {
        RemoveOrder(e.invoice.order_id);
      }
    }
    receivables_open_minor_ += e.amount_minor - e.credit_applied_minor;
    unapplied_minor_ -= e.credit_applied_minor;
    int64_t open = e.amount_minor - e.credit_applied_minor;
    if (open > 0) invoices_[e.invoice.invoice_id] = MirrorInvoice{e.due_on, open};
  }
  void On(const PaymentRecorded& e) {
    if (!Mine(e.payment.account)) return;
    if (items_ != nullptr) items_->paid_minor += e.amount_minor;
    Settle("payment", e.payment.payment_id, e.amount_minor, e.allocations, e.unapplied_minor, "");
  }
  void On(const CreditNoteIssued& e) {
    if (!Mine(e.note.account)) return;
    if (items_ != nullptr) items_->credited_minor += e.amount_minor;
    Settle("credit_note", e.note.credit_note_id, e.amount_minor, e.allocations, e.unapplied_minor,
           e.note.reason);
  }
  void On(const WrittenOff& e) {
    if (!Mine(e.account)) return;
    if (items_ != nullptr) items_->written_off_minor += e.amount_minor;
    Settle("write_off", e.write_off.write_off_id, e.amount_minor,
           {Allocation{e.write_off.invoice_id, e.amount_minor}}, 0, e.write_off.reason);
  }
  void On(const HoldReleased& e) {
    if (!MineOrder(e.release.order_id)) return;
    MirrorOrder& order = orders_[e.release.order_id];
    AddDecision("hold_release", e.release.order_id, "released", "", e.amount_minor,
                e.release.reason);
    order.held = false;
    Reserve(order, e.amount_minor);
  }
  void On(const RejectHold& e) {
    if (!MineOrder(e.order_id)) return;
    AddDecision("hold_reject", e.order_id, "rejected", "", orders_[e.order_id].amount_minor,
                e.reason);
    RemoveOrder(e.order_id);
  }
  void On(const ReviewRan& e) {
    for (const ReviewOutcome& outcome : e.outcomes) {
      if (!Mine(outcome.account)) continue;
      AddDecision("review", "", std::string(NameOf(outcome.result)), "", outcome.proposed_minor,
                  "score " + std::to_string(outcome.score) + ", grade " + outcome.grade);
      grade_ = outcome.grade;
      score_ = outcome.score;
      limit_minor_ = outcome.limit_after_minor;
      if (outcome.result == ReviewResult::kSuspended) status_ = AccountStatus::kPrepaymentOnly;
      if (outcome.result == ReviewResult::kRequested) {
        requests_[outcome.request_id] = MirrorRequest{outcome.proposed_minor, kNoDate};
      }
    }
  }
  void On(const LimitRequested& e) {
    if (!Mine(e.request.account)) return;
    requests_[e.request.request_id] = MirrorRequest{e.request.amount.minor, e.request.expires_on};
    AddDecision("limit_request", e.request.request_id, "requested", "", e.request.amount.minor,
                e.request.reason);
  }
  void On(const LimitRequestDecided& e) {
    if (!Mine(e.account)) return;
    auto request = requests_.find(e.decision.request_id);
    int64_t amount = request == requests_.end() ? 0 : request->second.amount_minor;
    AddDecision("limit_decision", e.decision.request_id,
                e.decision.approve ? "approved" : "rejected", "", amount, e.decision.reason);
    if (!e.decision.approve || request == requests_.end()) return;
    if (request->second.expires_on == kNoDate) {
      limit_minor_ = amount;
    } else {
      temporary_[TemporaryLimitIdFor(e.decision.request_id)] =
          MirrorTemporary{amount, event_->today, request->second.expires_on};
    }
  }
  void On(const RecoveryPlanCreated& e) {
    if (!Mine(e.plan.account)) return;
    plans_.insert(e.plan.plan_id);
    AddDecision("recovery_plan", e.plan.plan_id, "created", "", 0, e.plan.reason);
  }
  void On(const RecoveryPlansChecked& e) {
    for (const InstallmentOutcome& outcome : e.installments) {
      if (!plans_.contains(outcome.plan_id)) continue;
      touched_ = true;
      if (!outcome.paid) status_ = outcome.status_after;
    }
    for (const PlanCompleted& completed : e.completed) {
      if (!plans_.contains(completed.plan_id)) continue;
      touched_ = true;
      limit_minor_ = completed.limit_after_minor;
      status_ = AccountStatus::kActive;
    }
  }
  void On(const MonitorRan& e) {
    for (const Alert& alert : e.alerts) {
      if (alert.customer_id == ref_.customer_id && alert.segment == ref_.segment) touched_ = true;
    }
  }
  void On(const RecordFinancials& e) {
    if (e.customer_id == ref_.customer_id) touched_ = opened_;
  }
  // Events that change no account figure the statement reports.
  template <class T>
  void On(const T&) {}

  void Reserve(MirrorOrder& order, int64_t delta_minor) {
    order.reserved_minor += delta_minor;
    orders_open_minor_ += delta_minor;
  }
  void RemoveOrder(const std::string& order_id) {
    auto order = orders_.find(order_id);
    orders_open_minor_ -= order->second.reserved_minor;
    orders_.erase(order);
  }
  void Settle(const char* kind, const std::string& document_id, int64_t amount_minor,
              const std::vector<Allocation>& allocations, int64_t unapplied_minor,
              const std::string& reason) {
    for (const Allocation& allocation : allocations) {
      auto invoice = invoices_.find(allocation.invoice_id);
      if (invoice != invoices_.end()) {
        invoice->second.open_minor -= allocation.amount_minor;
        if (invoice->second.open_minor <= 0) invoices_.erase(invoice);
      }
      receivables_open_minor_ -= allocation.amount_minor;
      if (items_ != nullptr) {
        items_->settlements.rows.push_back(
            Head({std::string(kind), document_id, amount_minor, allocation.invoice_id,
                  allocation.amount_minor, int64_t{0}, reason}));
      }
    }
    unapplied_minor_ += unapplied_minor;
    if (items_ != nullptr && (unapplied_minor > 0 || allocations.empty())) {
      items_->settlements.rows.push_back(
          Head({std::string(kind), document_id, amount_minor, std::string(), int64_t{0},
                unapplied_minor, reason}));
    }
  }
  void AddDecision(const char* kind, const std::string& subject_id, std::string outcome,
                   std::string reasons, int64_t amount_minor, const std::string& reason) {
    if (items_ == nullptr) return;
    items_->decisions.rows.push_back(Head({std::string(kind), subject_id, std::move(outcome),
                                           std::move(reasons), amount_minor, reason}));
  }
  // A row: the event's seq, time, business day and actor, then `cells`.
  std::vector<Cell> Head(std::vector<Cell> cells) const {
    std::vector<Cell> row{static_cast<int64_t>(event_->seq), FormatTimestamp(event_->time),
                          FormatDate(event_->today), event_->actor};
    for (Cell& cell : cells) row.push_back(std::move(cell));
    return row;
  }

  AccountRef ref_;
  bool opened_ = false;
  int64_t limit_minor_ = 0;
  std::map<std::string, MirrorTemporary> temporary_;
  std::map<std::string, MirrorCollateral> collateral_;
  AccountStatus status_ = AccountStatus::kActive;
  std::string grade_, group_id_;
  int32_t score_ = -1;
  std::map<std::string, MirrorOrder> orders_;
  std::map<std::string, MirrorInvoice> invoices_;
  std::map<std::string, MirrorRequest> requests_;
  std::set<std::string> plans_;
  int64_t orders_open_minor_ = 0, receivables_open_minor_ = 0, unapplied_minor_ = 0;
  const Event* event_ = nullptr;
  ItemTables* items_ = nullptr;
  bool touched_ = false;
};

// The reason an event gives for what it changed, for the limit history.
std::string ReasonOf(const Event& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, SetLimit> || std::is_same_v<T, AddTemporaryLimit> ||
                      std::is_same_v<T, SetStatus>) {
          return e.reason;
        } else if constexpr (std::is_same_v<T, LimitRequestDecided>) {
          return e.decision.reason;
        } else if constexpr (std::is_same_v<T, RecoveryPlanCreated>) {
          return e.plan.reason;
        } else if constexpr (std::is_same_v<T, ReviewRan>) {
          return "credit review";
        } else if constexpr (std::is_same_v<T, RecoveryPlansChecked>) {
          return "recovery plan";
        } else if constexpr (std::is_same_v<T, OpenAccount> || std::is_same_v<T, CreateCustomer>) {
          return "account opened";
        } else {
          return "";
        }
      },
      event.body);
}

// One line for people about an event: its subject and, where it has one, its reason.
std::string SummaryOf(const Event& event) {
  auto with = [](std::string text, const std::string& reason) {
    return reason.empty() ? text : text + ": " + reason;
  };
  return std::visit(
      [&](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, OrderDecided>) {
          std::string reasons = ReasonsText(e.decision.reasons);
          return "order " + e.order.order_id + " " + std::string(NameOf(e.decision.outcome)) +
                 (reasons.empty() ? "" : " (" + reasons + ")");
        } else if constexpr (std::is_same_v<T, OrderChanged>) {
          return "order " + e.change.order_id + (e.applied ? " changed" : " change refused");
        } else if constexpr (std::is_same_v<T, OrderCancelled>) {
          return with("order " + e.cancel.order_id + " cancelled", e.cancel.reason);
        } else if constexpr (std::is_same_v<T, ReservationsExpired>) {
          std::string ids;
          for (const std::string& id : e.order_ids) ids += (ids.empty() ? "" : ", ") + id;
          return "reservations expired: " + ids;
        } else if constexpr (std::is_same_v<T, InvoiceCreated>) {
          return "invoice " + e.invoice.invoice_id;
        } else if constexpr (std::is_same_v<T, PaymentRecorded>) {
          return "payment " + e.payment.payment_id;
        } else if constexpr (std::is_same_v<T, CreditNoteIssued>) {
          return with("credit note " + e.note.credit_note_id, e.note.reason);
        } else if constexpr (std::is_same_v<T, WrittenOff>) {
          return with(
              "write-off " + e.write_off.write_off_id + " of invoice " + e.write_off.invoice_id,
              e.write_off.reason);
        } else if constexpr (std::is_same_v<T, HoldReleased>) {
          return with("hold on order " + e.release.order_id + " released", e.release.reason);
        } else if constexpr (std::is_same_v<T, RejectHold>) {
          return with("hold on order " + e.order_id + " rejected", e.reason);
        } else if constexpr (std::is_same_v<T, LimitRequested>) {
          return with("limit request " + e.request.request_id, e.request.reason);
        } else if constexpr (std::is_same_v<T, LimitRequestDecided>) {
          return with("limit request " + e.decision.request_id +
                          (e.decision.approve ? " approved" : " rejected"),
                      e.decision.reason);
        } else {
          return ReasonOf(event);
        }
      },
      event.body);
}

const char* kBucketNames[kAgingBucketCount] = {"current", "1-30", "31-60", "61-90", "over_90"};

struct Point {
  int64_t limit_minor = 0, effective_limit_minor = 0, orders_open_minor = 0,
          receivables_open_minor = 0, unapplied_credit_minor = 0, exposure_minor = 0,
          overdue_minor = 0;
};

Point PointOf(const Mirror& mirror, Date day) {
  Figures f = mirror.Now();
  Point p;
  p.limit_minor = f.limit_minor;
  p.effective_limit_minor = mirror.EffectiveLimitOn(day);
  p.orders_open_minor = f.orders_open_minor;
  p.receivables_open_minor = f.receivables_open_minor;
  p.unapplied_credit_minor = f.unapplied_credit_minor;
  p.exposure_minor = f.orders_open_minor + f.receivables_open_minor - f.unapplied_credit_minor;
  p.overdue_minor = mirror.OverdueOn(day);
  return p;
}

Table OpenOrdersTable(const State& state, const AccountRef& ref) {
  Table table{"open_orders",
              {"order_id", "status", "placed_at", "amount_minor", "reserved_minor",
               "invoiced_minor", "outcome", "reasons", "released_by", "release_reason"},
              {}};
  Result<std::vector<OrderView>> orders = state.OpenOrders(ref);
  if (!orders.ok()) return table;
  for (const OrderView& o : *orders) {
    table.rows.push_back({o.order_id, std::string(o.status == OrderStatus::kHeld ? "held" : "open"),
                          FormatTimestamp(o.placed_at), o.amount_minor, o.reserved_minor,
                          o.invoiced_minor, std::string(NameOf(o.decision.outcome)),
                          ReasonsText(o.decision.reasons), o.released_by, o.release_reason});
  }
  return table;
}

Table OpenInvoicesTable(const State& state, const AccountRef& ref, Date today) {
  Table table{"open_invoices",
              {"invoice_id", "order_id", "issued_on", "due_on", "amount_minor", "open_minor",
               "days_past_due", "aging_bucket"},
              {}};
  Result<std::vector<InvoiceView>> invoices = state.OpenInvoices(ref, today);
  if (!invoices.ok()) return table;
  for (const InvoiceView& i : *invoices) {
    table.rows.push_back({i.invoice_id, i.order_id, FormatDate(i.issued_on), FormatDate(i.due_on),
                          i.amount_minor, i.open_minor, int64_t{i.days_past_due},
                          std::string(kBucketNames[AgingBucket(i.days_past_due)])});
  }
  return table;
}

Status CheckStartsAtOpening(const std::vector<Event>& events, const AccountRef& ref) {
  Mirror probe(ref);
  if (!events.empty()) probe.Apply(events.front(), nullptr);
  if (probe.opened()) return Status::Ok();
  return MakeError(ErrorCode::kHistoryUnavailable,
                   "the events of account " + AccountKey(ref) +
                       " from its opening are no longer available on this server (it keeps no "
                       "journal, only the latest events in memory)");
}

}  // namespace

Result<Report> BuildStatement(const State& state, const StatementOptions& options,
                              const std::vector<Event>& events) {
  Result<AccountView> view = state.ViewAccount(options.account, options.today);
  if (!view.ok()) return view.error();
  CL_RETURN_IF_ERROR(CheckStartsAtOpening(events, options.account));
  Mirror mirror(options.account);
  ItemTables items;
  Table limits{"limit_history",
               {"seq", "time", "day", "actor", "event", "field", "before", "after", "reason"},
               {}};
  Table series{
      "exposure",
      {"day", "limit_minor", "effective_limit_minor", "orders_open_minor", "receivables_open_minor",
       "unapplied_credit_minor", "exposure_minor", "overdue_minor"},
      {}};
  Date day = options.from;  // The next day of the series.
  auto record_through = [&](Date last) {
    for (; day <= last && day <= options.to; day = AddDays(day, 1)) {
      Point p = PointOf(mirror, day);
      series.rows.push_back({FormatDate(day), p.limit_minor, p.effective_limit_minor,
                             p.orders_open_minor, p.receivables_open_minor,
                             p.unapplied_credit_minor, p.exposure_minor, p.overdue_minor});
    }
  };
  Date opening_day = AddDays(options.from, -1);
  std::optional<Point> opening, closing;  // At the end of the day before `from`, of `to`.
  int64_t events_in_window = 0;
  for (const Event& event : events) {
    if (!opening && event.today > opening_day) opening = PointOf(mirror, opening_day);
    if (!closing && event.today > options.to) closing = PointOf(mirror, options.to);
    record_through(AddDays(event.today, -1));
    bool in_window = options.from <= event.today && event.today <= options.to;
    Figures before = mirror.Now();
    if (!mirror.Apply(event, in_window ? &items : nullptr) || !in_window) continue;
    ++events_in_window;
    for (FieldChange& change : Diff(before, mirror.Now())) {
      if (!IsLimitField(change.field)) continue;
      limits.rows.push_back({static_cast<int64_t>(event.seq), FormatTimestamp(event.time),
                             FormatDate(event.today), event.actor,
                             std::string(EventName(event.body)), change.field, change.before,
                             change.after, ReasonOf(event)});
    }
  }
  if (!opening) opening = PointOf(mirror, opening_day);
  record_through(options.to);
  if (!closing) closing = PointOf(mirror, options.to);
  Figures now = mirror.Now();
  bool reconciled = now.limit_minor == view->limit_minor &&
                    now.orders_open_minor == view->orders_open_minor &&
                    now.receivables_open_minor == view->receivables_open_minor &&
                    now.unapplied_credit_minor == view->unapplied_credit_minor;

  Table summary{"summary",
                {"customer_id",
                 "segment",
                 "currency",
                 "from",
                 "to",
                 "events",
                 "opening_limit_minor",
                 "closing_limit_minor",
                 "opening_effective_limit_minor",
                 "closing_effective_limit_minor",
                 "opening_exposure_minor",
                 "closing_exposure_minor",
                 "opening_orders_open_minor",
                 "closing_orders_open_minor",
                 "opening_receivables_open_minor",
                 "closing_receivables_open_minor",
                 "opening_overdue_minor",
                 "closing_overdue_minor",
                 "invoiced_minor",
                 "paid_minor",
                 "credited_minor",
                 "written_off_minor",
                 "reconciled"},
                {}};
  summary.rows.push_back({options.account.customer_id,
                          options.account.segment,
                          std::string(view->currency.code()),
                          FormatDate(options.from),
                          FormatDate(options.to),
                          events_in_window,
                          opening->limit_minor,
                          closing->limit_minor,
                          opening->effective_limit_minor,
                          closing->effective_limit_minor,
                          opening->exposure_minor,
                          closing->exposure_minor,
                          opening->orders_open_minor,
                          closing->orders_open_minor,
                          opening->receivables_open_minor,
                          closing->receivables_open_minor,
                          opening->overdue_minor,
                          closing->overdue_minor,
                          items.invoiced_minor,
                          items.paid_minor,
                          items.credited_minor,
                          items.written_off_minor,
                          int64_t{reconciled ? 1 : 0}});

  Report report{"statement", options.today, {}};
  report.tables.push_back(std::move(summary));
  report.tables.push_back(std::move(limits));
  report.tables.push_back(std::move(series));
  report.tables.push_back(OpenOrdersTable(state, options.account));
  report.tables.push_back(OpenInvoicesTable(state, options.account, options.today));
  report.tables.push_back(std::move(items.invoices));
  report.tables.push_back(std::move(items.settlements));
  report.tables.push_back(std::move(items.decisions));
  return report;
}

Result<std::vector<HistoryEntry>> CustomerHistory(const State& state,
                                                  const std::string& customer_id,
                                                  const std::vector<Event>& events, uint64_t after,
                                                  size_t limit) {
  const Customer* customer = state.FindCustomer(customer_id);
  if (customer == nullptr) {
    return MakeError(ErrorCode::kCustomerNotFound, "no customer " + customer_id, "customer_id");
  }
  std::vector<Mirror> mirrors;
  for (uint32_t slot : customer->accounts) mirrors.emplace_back(state.accounts()[slot].ref);
  std::vector<HistoryEntry> entries;
  for (const Event& event : events) {
    if (event.seq > after && entries.size() >= limit) break;
    bool any = false;
    for (size_t i = 0; i < mirrors.size(); ++i) {
      Figures before = mirrors[i].Now();
      if (!mirrors[i].Apply(event, nullptr) || event.seq <= after) continue;
      any = true;
      entries.push_back(HistoryEntry{event.seq, event.time, event.actor,
                                     std::string(EventName(event.body)),
                                     state.accounts()[customer->accounts[i]].ref.segment,
                                     SummaryOf(event), Diff(before, mirrors[i].Now())});
    }
    if (!any && event.seq > after) {
      // Customer-level events (name, financials) and alerts: no account figure moved.
      entries.push_back(HistoryEntry{event.seq,
                                     event.time,
                                     event.actor,
                                     std::string(EventName(event.body)),
                                     "",
                                     SummaryOf(event),
                                     {}});
    }
  }
  return entries;
}

}  // namespace creditline::report
