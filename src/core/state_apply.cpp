// Apply: the only code that changes credit state. Every running total moves here, together
// with the items it sums, so that exposure always equals the sum of open items.
#include <algorithm>
#include <cassert>

#include "core/assessment_internal.hpp"
#include "core/intrusive_list.hpp"
#include "core/state.hpp"

namespace creditline {

// 0 below the warning threshold, 1 at or above it, 2 at or above the limit.
uint8_t UtilizationLevel(int64_t exposure_minor, int64_t limit_minor, int32_t warning_bp);

class Applier {
 public:
  Applier(State& state, const Event& event) : s_(state), event_(event) {}

  void operator()(const CreateCustomer& e) {
    Customer& customer = s_.customers_[e.customer_id];
    customer = Customer{e.customer_id, e.name, e.industry, e.region, e.tags, {}};
    s_.customer_order_.insert(e.customer_id);
    if (e.account) (*this)(*e.account);
  }

  void operator()(const UpdateCustomer& e) {
    Customer& customer = s_.customers_.at(e.customer_id);
    if (e.name) customer.name = *e.name;
    if (e.industry) customer.industry = *e.industry;
    if (e.region) customer.region = *e.region;
    if (e.tags) customer.tags = *e.tags;
    for (uint32_t slot : customer.accounts) s_.NoteHistory(slot, event_.seq);
    if (e.industry || e.region) {
      for (uint32_t slot : customer.accounts) Touch(slot, true);
    }
    if (e.account) (*this)(*e.account);
  }

  void operator()(const OpenAccount& e) {
    uint32_t slot = static_cast<uint32_t>(s_.accounts_.size());
    Account& account = s_.accounts_.emplace_back();
    account.key = AccountKey(e.account);
    account.ref = e.account;
    account.currency = e.currency;
    account.base_limit_minor = e.limit_minor;
    account.grade = e.grade;
    account.payment_terms_days = e.payment_terms_days;
    account.status = e.status;
    account.review_on = e.review_on;
    account.policy = s_.policy_index_.at(e.policy);
    account.behaviour.opened_on = event_.today;
    s_.account_index_.emplace(account.key, slot);
    s_.customers_.at(e.account.customer_id).accounts.push_back(slot);
    if (!e.group_id.empty()) Join(slot, s_.group_index_.at(e.group_id));
    Touch(slot, true);
  }

  void operator()(const UpdateAccount& e) {
    uint32_t slot = s_.FindAccountSlot(e.account);
    Account& account = s_.accounts_[slot];
    if (e.payment_terms_days) account.payment_terms_days = *e.payment_terms_days;
    if (e.grade && *e.grade != account.grade) {
      int was = GradeRank(account.grade), now = GradeRank(*e.grade);
      if (was >= 0 && now > was) {
        Alert alert = AccountAlert(account, AlertRule::kGradeDowngrade);
        alert.value = now - was;
        alert.detail = account.grade + " -> " + *e.grade;
        Raise(std::move(alert));
      }
      account.grade = *e.grade;
    }
    Touch(slot, e.grade.has_value());
    if (e.review_on) account.review_on = *e.review_on;
    if (e.policy) account.policy = s_.policy_index_.at(*e.policy);
  }

  void operator()(const SetLimit& e) { AccountOf(e.account).base_limit_minor = e.limit.minor; }

  void operator()(const AddTemporaryLimit& e) {
    AccountOf(e.account).temporary_limits.push_back(TemporaryLimit{
        e.temporary_limit_id, e.amount.minor, e.valid_from, e.valid_to, e.reason, false});
  }

  void operator()(const RemoveTemporaryLimit& e) {
    std::erase_if(AccountOf(e.account).temporary_limits, [&](const TemporaryLimit& limit) {
      return limit.temporary_limit_id == e.temporary_limit_id;
    });
  }

  void operator()(const AddCollateral& e) {
    AccountOf(e.account).collateral.push_back(Collateral{e.collateral_id, e.kind, e.amount.minor,
                                                         e.valid_to, e.counts_toward_limit, false});
  }

  void operator()(const RemoveCollateral& e) {
    std::erase_if(AccountOf(e.account).collateral,
                  [&](const Collateral& item) { return item.collateral_id == e.collateral_id; });
  }

  void operator()(const SetStatus& e) { AccountOf(e.account).status = e.status; }

  void operator()(const CreateGroup& e) {
    s_.group_index_.emplace(e.group_id, static_cast<uint32_t>(s_.groups_.size()));
    s_.groups_.push_back(Group{e.group_id, e.name, e.limit.currency, e.limit.minor, 0, {}});
  }

  void operator()(const SetGroupLimit& e) {
    s_.groups_[s_.group_index_.at(e.group_id)].limit_minor = e.limit.minor;
  }

  void operator()(const JoinGroup& e) {
    uint32_t slot = s_.FindAccountSlot(e.account);
    s_.NoteHistory(slot, event_.seq);
    Join(slot, s_.group_index_.at(e.group_id));
  }

  void operator()(const LeaveGroup& e) {
    uint32_t slot = s_.FindAccountSlot(e.account);
    s_.NoteHistory(slot, event_.seq);
    Account& account = s_.accounts_[slot];
    Group& group = s_.groups_[account.group];
    group.exposure_minor -= account.ExposureMinor();
    std::erase(group.members, slot);
    account.group = kNone;
  }

  void operator()(const SetPolicy& e) {
    auto [position, inserted] =
        s_.policy_index_.try_emplace(e.policy.name, static_cast<uint32_t>(s_.policies_.size()));
    if (inserted) {
      s_.policies_.push_back(e.policy);
    } else {
      s_.policies_[position->second] = e.policy;
    }
  }

  void operator()(const SetFxRate& e) { s_.fx_.Set(e.from, e.to, e.effective_on, e.rate_scaled); }

  void operator()(const OrderDecided& e) {
    uint32_t account_slot = s_.FindAccountSlot(e.order.account);
    s_.NoteHistory(account_slot, event_.seq);  // Rejections too: they are decisions.
    if (e.decision.outcome == Outcome::kRejected) return;
    uint32_t slot = NewOrderSlot();
    Order& order = s_.orders_[slot];
    order.order_id = e.order.order_id;
    order.account = account_slot;
    order.amount_minor = e.amount_minor;
    order.requested = e.order.amount;
    order.placed_at = event_.time;
    order.expires_at = e.order.expires_at;
    order.decided_seq = event_.seq;
    order.decision = e.decision;
    s_.order_index_.emplace(order.order_id, slot);
    Account& account = s_.accounts_[account_slot];
    ListPushBack(s_.orders_, account.orders, &Order::account_links, slot);
    if (order.expires_at != 0) s_.expiry_index_.emplace(order.expires_at, order.order_id);
    if (e.decision.outcome == Outcome::kHeld) {
      order.status = OrderStatus::kHeld;
      ++account.held_orders;
      ++s_.hold_count_;
      ++CurrentMonth(account.behaviour, event_.today).holds;
      ListPushBack(s_.orders_, s_.hold_queue_, &Order::hold_links, slot);
      ++s_.monitor_.holds.created;
      Alert alert = AccountAlert(account, AlertRule::kHoldCreated);
      alert.subject_id = order.order_id;
      alert.amount_minor = e.amount_minor;
      Raise(std::move(alert));
      return;
    }
    order.status = OrderStatus::kOpen;
    ++account.open_orders;
    Reserve(slot, e.amount_minor);
  }

  void operator()(const OrderChanged& e) {
    uint32_t slot = s_.order_index_.at(e.change.order_id);
    Order& order = s_.orders_[slot];
    s_.NoteHistory(order.account, event_.seq);  // Refused changes too.
    if (!e.applied) return;
    int64_t delta = e.new_amount_minor - order.amount_minor;
    order.amount_minor = e.new_amount_minor;
    order.requested = e.change.amount;
    if (order.status == OrderStatus::kOpen) Reserve(slot, delta);
  }

  void operator()(const OrderCancelled& e) {
    auto entry = s_.order_index_.find(e.cancel.order_id);
    assert(entry != s_.order_index_.end());
    uint32_t slot = entry->second;
    assert(s_.orders_[slot].reserved_minor == e.released_minor);
    if (s_.orders_[slot].status == OrderStatus::kHeld) ++s_.monitor_.holds.cancelled;
    RemoveOrder(slot, entry);
  }

  void operator()(const ReservationsExpired& e) {
    for (const std::string& order_id : e.order_ids) {
      uint32_t slot = s_.order_index_.at(order_id);
      if (s_.orders_[slot].status == OrderStatus::kHeld) ++s_.monitor_.holds.expired;
      RemoveOrder(slot);
    }
  }

  void operator()(const InvoiceCreated& e) {
    uint32_t account_slot = s_.FindAccountSlot(e.invoice.account);
    AddInvoiced(s_.accounts_[account_slot].currency, e.amount_minor);
    if (!e.invoice.order_id.empty()) {
      uint32_t order_slot = s_.order_index_.at(e.invoice.order_id);
      Order& order = s_.orders_[order_slot];
      order.invoiced_minor += e.amount_minor;
      Reserve(order_slot, -(e.reservation_consumed_minor + e.reservation_released_minor), false);
      if (e.invoice.close_order || order.reserved_minor == 0) RemoveOrder(order_slot);
    }
    AddReceivable(account_slot, e.amount_minor);
    MonthActivity& month = CurrentMonth(s_.accounts_[account_slot].behaviour, event_.today);
    month.invoiced_minor += e.amount_minor;  // Bounded by the receivables check in Decide.
    if (e.credit_applied_minor > 0) {
      AddReceivable(account_slot, -e.credit_applied_minor);
      AddUnappliedCredit(account_slot, -e.credit_applied_minor);
    }
    int64_t open = e.amount_minor - e.credit_applied_minor;
    if (open > 0) InsertInvoice(account_slot, e, open);
  }

  void operator()(const PaymentRecorded& e) {
    Account& account = AccountOf(e.payment.account);
    for (const Allocation& allocation : e.allocations) {
      const Invoice& invoice = s_.invoices_[s_.invoice_index_.at(allocation.invoice_id)];
      NoteSettlement(account.behaviour, event_.today, invoice.due_on, e.payment.received_on,
                     allocation.amount_minor);
    }
    if (account.recovery_plan != kNone) {
      // Counted up to the plan's total, which keeps the sum far from overflow.
      RecoveryPlan& plan = s_.recovery_plans_[account.recovery_plan];
      plan.paid_minor = std::min(plan.total_minor, plan.paid_minor + e.amount_minor);
    }
    Settle(e.payment.account, e.allocations, e.unapplied_minor);
  }

  void operator()(const CreditNoteIssued& e) {
    Settle(e.note.account, e.allocations, e.unapplied_minor);
  }

  void operator()(const WrittenOff& e) {
    uint32_t slot = s_.invoice_index_.at(e.write_off.invoice_id);
    uint32_t account_slot = s_.invoices_[slot].account;
    s_.accounts_[account_slot].written_off_minor += e.amount_minor;
    ++s_.accounts_[account_slot].behaviour.write_offs;
    ReduceInvoice(slot, e.amount_minor);
  }

  void operator()(const HoldReleased& e) {
    uint32_t slot = s_.order_index_.at(e.release.order_id);
    Order& order = s_.orders_[slot];
    assert(order.status == OrderStatus::kHeld && order.amount_minor == e.amount_minor);
    Account& account = s_.accounts_[order.account];
    ListRemove(s_.orders_, s_.hold_queue_, &Order::hold_links, slot);
    --s_.hold_count_;
    --account.held_orders;
    ++account.open_orders;
    order.status = OrderStatus::kOpen;
    order.released_by = event_.actor;
    order.release_reason = e.release.reason;
    ++s_.monitor_.holds.released;
    s_.monitor_.holds.wait_ms_total += std::max<TimeMs>(event_.time - order.placed_at, 0);
    Reserve(slot, e.amount_minor);
  }

  void operator()(const RejectHold& e) {
    uint32_t slot = s_.order_index_.at(e.order_id);
    s_.NoteHistory(s_.orders_[slot].account, event_.seq);
    ++s_.monitor_.holds.rejected;
    s_.monitor_.holds.wait_ms_total +=
        std::max<TimeMs>(event_.time - s_.orders_[slot].placed_at, 0);
    RemoveOrder(slot);
  }

  void operator()(const MonitorRan& e) {
    for (const Alert& alert : e.alerts) {
      MarkAlerted(alert);
      Raise(alert);
    }
    if (e.day_complete) s_.monitor_.scanned_day = event_.today;
    if (e.record_trend) RecordTrend();
  }

  void operator()(const AcknowledgeAlert& e) {
    Alert* alert = s_.FindAlert(e.alert_id);
    NoteAlertHistory(*alert);
    alert->acknowledged_by = event_.actor.empty() ? "system" : event_.actor;
    alert->acknowledged_at = event_.time;
  }

  void operator()(const SetAlertRules& e) { s_.monitor_.rules = e.rules; }

 private:
  // The account an event changes; it is refreshed in the aggregates after the event.
  Account& AccountOf(const AccountRef& ref) {
    uint32_t slot = s_.FindAccountSlot(ref);
    Touch(slot, false);
    return s_.accounts_[slot];
  }

  void Touch(uint32_t slot, bool rebucket) { s_.TouchAccount(slot, event_.seq, rebucket); }

  Alert AccountAlert(const Account& account, AlertRule rule) const {
    Alert alert;
    alert.rule = rule;
    alert.customer_id = account.ref.customer_id;
    alert.segment = account.ref.segment;
    alert.currency = account.currency;
    alert.amount_minor = account.ExposureMinor();
    return alert;
  }

 public:
  // Notes the event in the history of the account an alert is about.
  void NoteAlertHistory(const Alert& alert) {
    uint32_t slot = s_.FindAccountSlot(AccountRef{alert.customer_id, alert.segment});
    if (slot != kNone) s_.NoteHistory(slot, event_.seq);
  }

  // Records an alert raised by this event.
  void Raise(Alert alert) {
    NoteAlertHistory(alert);
    MonitorState& m = s_.monitor_;
    alert.alert_id = ++m.last_alert_id;
    alert.seq = event_.seq;
    alert.time = event_.time;
    alert.day = event_.today;
    m.alerts.push_back(std::move(alert));
    if (m.alerts.size() > kAlertsRetainedMax) {
      // Dropping a tenth at once keeps the cost per alert constant.
      m.alerts.erase(m.alerts.begin(), m.alerts.begin() + kAlertsRetainedMax / 10);
    }
  }

  // Moves a touched account's contribution to the aggregates and raises a utilization alert
  // when it crossed the warning threshold or the limit upwards; falling back re-arms it.
  void Refresh(uint32_t slot, bool rebucket) {
    Account& account = s_.accounts_[slot];
    // The aggregates hold each limit as of the state's business day (the latest of any event),
    // so an event dated earlier than that day does not move a dated limit back.
    Date day = event_.today > s_.monitor_.last_day ? event_.today : s_.monitor_.last_day;
    AccountFigures now = s_.FiguresOn(account, day);
    std::array<const std::string*, kDimensionCount> names{};
    if (rebucket || !s_.aggregates_.counted(slot)) {
      const Customer& customer = s_.customers_.at(account.ref.customer_id);
      names = {&account.grade, &customer.industry, &customer.region};
      rebucket = true;
    }
    s_.aggregates_.Update(slot, account.currency, now, names, rebucket);
    uint8_t level = UtilizationLevel(now.exposure_minor, now.limit_minor,
                                     s_.policies_[account.policy].warning_bp);
    for (uint8_t crossed = account.utilization_level + 1; crossed <= level; ++crossed) {
      Alert alert = AccountAlert(
          account, crossed == 1 ? AlertRule::kUtilizationWarning : AlertRule::kUtilizationExceeded);
      alert.value = UtilizationBp(now.exposure_minor, now.limit_minor);
      Raise(std::move(alert));
    }
    account.utilization_level = level;
  }

  // Credit assessment events (assessment_apply.cpp).
  template <class AssessmentEvent>
  void operator()(const AssessmentEvent& e) {
    AssessmentApplier(s_, event_)(e);
  }

 private:
  void Join(uint32_t account_slot, uint32_t group_slot) {
    Account& account = s_.accounts_[account_slot];
    Group& group = s_.groups_[group_slot];
    account.group = group_slot;
    group.members.push_back(account_slot);
    group.exposure_minor += account.ExposureMinor();
  }

  // Moves an order's reservation and every total above it. Increases count toward the
  // period quotas when `ordered` is true.
  void Reserve(uint32_t order_slot, int64_t delta_minor, bool ordered = true) {
    Order& order = s_.orders_[order_slot];
    order.reserved_minor += delta_minor;
    assert(order.reserved_minor >= 0);
    Account& account = s_.accounts_[order.account];
    Touch(order.account, false);
    account.orders_open_minor += delta_minor;
    if (account.group != kNone) s_.groups_[account.group].exposure_minor += delta_minor;
    NoteExposure(account.behaviour, event_.today, account.ExposureMinor(), delta_minor);
    if (ordered && delta_minor > 0) AddToQuotaWindow(account, delta_minor);
  }

  void AddReceivable(uint32_t account_slot, int64_t delta_minor) {
    Account& account = s_.accounts_[account_slot];
    Touch(account_slot, false);
    account.receivables_open_minor += delta_minor;
    if (account.group != kNone) s_.groups_[account.group].exposure_minor += delta_minor;
    NoteExposure(account.behaviour, event_.today, account.ExposureMinor(), delta_minor);
  }

  void AddUnappliedCredit(uint32_t account_slot, int64_t delta_minor) {
    Account& account = s_.accounts_[account_slot];
    Touch(account_slot, false);
    account.unapplied_credit_minor += delta_minor;
    if (account.group != kNone) s_.groups_[account.group].exposure_minor -= delta_minor;
    NoteExposure(account.behaviour, event_.today, account.ExposureMinor(), -delta_minor);
  }

  void AddToQuotaWindow(Account& account, int64_t amount_minor) {
    Date today = event_.today;
    std::vector<DayAmount>& days = account.ordered_by_day;
    // Commands arrive in business-date order in practice, so the search ends at the back.
    auto position = days.end();
    while (position != days.begin() && (position - 1)->day > today) --position;
    if (position != days.begin() && (position - 1)->day == today) {
      (position - 1)->amount_minor += amount_minor;
    } else {
      days.insert(position, DayAmount{today, amount_minor});
    }
    Date oldest_kept = AddDays(days.back().day, 1 - kMonthQuotaDays);
    std::erase_if(days, [&](const DayAmount& day) { return day.day < oldest_kept; });
  }

  uint32_t NewOrderSlot() {
    if (s_.free_orders_.empty()) {
      s_.orders_.emplace_back();
      return static_cast<uint32_t>(s_.orders_.size() - 1);
    }
    uint32_t slot = s_.free_orders_.back();
    s_.free_orders_.pop_back();
    return slot;
  }

  // Closes an order: releases what it still reserves and drops it from every index.
  void RemoveOrder(uint32_t slot) {
    RemoveOrder(slot, s_.order_index_.find(s_.orders_[slot].order_id));
  }

  // The same with the order's entry in the order index already found (no second look-up).
  void RemoveOrder(uint32_t slot, absl::flat_hash_map<std::string, uint32_t>::iterator entry) {
    Order& order = s_.orders_[slot];
    Account& account = s_.accounts_[order.account];
    if (order.status == OrderStatus::kHeld) {
      ListRemove(s_.orders_, s_.hold_queue_, &Order::hold_links, slot);
      --s_.hold_count_;
      --account.held_orders;
    } else {
      Reserve(slot, -order.reserved_minor, false);
      --account.open_orders;
    }
    ListRemove(s_.orders_, account.orders, &Order::account_links, slot);
    if (order.expires_at != 0) s_.expiry_index_.erase({order.expires_at, order.order_id});
    s_.order_index_.erase(entry);
    order = Order{};
    s_.free_orders_.push_back(slot);
  }

  void InsertInvoice(uint32_t account_slot, const InvoiceCreated& e, int64_t open_minor) {
    uint32_t slot;
    if (s_.free_invoices_.empty()) {
      slot = static_cast<uint32_t>(s_.invoices_.size());
      s_.invoices_.emplace_back();
    } else {
      slot = s_.free_invoices_.back();
      s_.free_invoices_.pop_back();
    }
    Invoice& invoice = s_.invoices_[slot];
    invoice = Invoice{
        e.invoice.invoice_id, account_slot,        e.invoice.order_id, e.amount_minor, open_minor,
        e.invoice.amount,     e.invoice.issued_on, e.due_on,           event_.seq,     {}};
    s_.aggregates_.AddDue(s_.accounts_[account_slot].currency, e.due_on, open_minor);
    s_.due_index_.Add(DueKey{e.due_on.days, event_.seq, slot});
    s_.invoice_index_.emplace(invoice.invoice_id, slot);
    Account& account = s_.accounts_[account_slot];
    ++account.open_invoices;
    // Keep the account's invoices by due date (ties by arrival); new invoices usually fall
    // due last, so the walk from the back is short.
    uint32_t before = kNone;
    for (uint32_t i = account.invoices.last; i != kNone && s_.invoices_[i].due_on > e.due_on;
         i = s_.invoices_[i].account_links.previous) {
      before = i;
    }
    ListInsertBefore(s_.invoices_, account.invoices, &Invoice::account_links, before, slot);
  }

  void ReduceInvoice(uint32_t slot, int64_t amount_minor) {
    Invoice& invoice = s_.invoices_[slot];
    assert(amount_minor <= invoice.open_minor);
    invoice.open_minor -= amount_minor;
    s_.aggregates_.AddDue(s_.accounts_[invoice.account].currency, invoice.due_on, -amount_minor);
    AddReceivable(invoice.account, -amount_minor);
    if (invoice.open_minor > 0) return;
    Account& account = s_.accounts_[invoice.account];
    --account.open_invoices;
    ListRemove(s_.invoices_, account.invoices, &Invoice::account_links, slot);
    s_.invoice_index_.erase(invoice.invoice_id);
    s_.due_index_.Remove(DueKey{invoice.due_on.days, invoice.created_seq, slot});
    invoice = Invoice{};
    s_.free_invoices_.push_back(slot);
  }

  void Settle(const AccountRef& ref, const std::vector<Allocation>& allocations,
              int64_t unapplied_minor) {
    for (const Allocation& allocation : allocations) {
      ReduceInvoice(s_.invoice_index_.at(allocation.invoice_id), allocation.amount_minor);
    }
    if (unapplied_minor > 0) {
      AddUnappliedCredit(s_.FindAccountSlot(ref), unapplied_minor);
    }
  }

  void AddInvoiced(Currency currency, int64_t amount_minor) {
    std::vector<CurrencyAmount>& totals = s_.monitor_.invoiced_totals;
    auto found = std::find_if(totals.begin(), totals.end(),
                              [&](const CurrencyAmount& t) { return t.currency == currency; });
    if (found == totals.end()) found = totals.insert(totals.end(), CurrencyAmount{currency, 0});
    // A cumulative statistic: saturate rather than overflow after decades of invoicing.
    found->amount_minor = amount_minor > INT64_MAX - found->amount_minor
                              ? INT64_MAX
                              : found->amount_minor + amount_minor;
  }

  // Remembers on the item that its time-based alert was raised, so it fires once.
  void MarkAlerted(const Alert& alert) {
    uint32_t slot = s_.FindAccountSlot(AccountRef{alert.customer_id, alert.segment});
    Account& account = s_.accounts_[slot];
    switch (alert.rule) {
      case AlertRule::kInvoiceOverdue:
      case AlertRule::kOverdueDays: {
        Invoice& invoice = s_.invoices_[s_.invoice_index_.at(alert.subject_id)];
        uint8_t level = alert.rule == AlertRule::kInvoiceOverdue ? 1 : 2;
        invoice.overdue_level = std::max(invoice.overdue_level, level);
        break;
      }
      case AlertRule::kHoldSla:
        s_.orders_[s_.order_index_.at(alert.subject_id)].sla_alerted = true;
        break;
      case AlertRule::kTemporaryLimitExpiring:
        for (TemporaryLimit& limit : account.temporary_limits) {
          if (limit.temporary_limit_id == alert.subject_id) limit.expiry_alerted = true;
        }
        break;
      case AlertRule::kCollateralExpiring:
        for (Collateral& item : account.collateral) {
          if (item.collateral_id == alert.subject_id) item.expiry_alerted = true;
        }
        break;
      case AlertRule::kReviewDue:
        account.review_alerted_on = account.review_on;
        break;
      default:
        break;
    }
  }

  void RecordTrend() {
    MonitorState& m = s_.monitor_;
    const auto& totals = s_.aggregates_.totals();
    for (size_t index = 0; index < totals.size(); ++index) {
      const PortfolioTotals& t = totals[index];
      if (t.accounts == 0) continue;
      Currency currency = Currency::FromIndex(static_cast<uint8_t>(index));
      TrendPoint point{event_.today,  currency,         t.accounts,
                       t.limit_minor, t.exposure_minor, t.receivables_minor};
      for (const auto& [day, amount] : s_.aggregates_.due(currency)) {
        if (day >= event_.today.days) break;
        point.overdue_minor += amount;
      }
      for (const CurrencyAmount& invoiced : m.invoiced_totals) {
        if (invoiced.currency == currency) point.invoiced_total_minor = invoiced.amount_minor;
      }
      m.trend.push_back(point);
    }
    // Trim whole days beyond the retained span.
    while (!m.trend.empty() && m.trend.back().day.days - m.trend.front().day.days >=
                                   static_cast<int32_t>(kTrendDaysMax)) {
      m.trend.erase(m.trend.begin());
    }
  }

  State& s_;
  const Event& event_;
};

uint8_t UtilizationLevel(int64_t exposure_minor, int64_t limit_minor, int32_t warning_bp) {
  if (exposure_minor <= 0) return 0;
  if (exposure_minor >= limit_minor) return 2;
  return __int128{exposure_minor} * kBasisPointsPerUnit >= __int128{limit_minor} * warning_bp ? 1
                                                                                              : 0;
}

// Most events touch one or two accounts, where a scan of touched_ beats a map; a review touches
// up to ten thousand, where a scan would be quadratic.
constexpr size_t kTouchedScanMax = 16;

void State::TouchAccount(uint32_t slot, uint64_t seq, bool rebucket) {
  NoteHistory(slot, seq);
  if (touched_.size() < kTouchedScanMax) {
    for (auto& [touched, again] : touched_) {
      if (touched == slot) {
        again = again || rebucket;
        return;
      }
    }
    touched_.emplace_back(slot, rebucket);
    if (touched_.size() == kTouchedScanMax) {
      for (uint32_t i = 0; i < touched_.size(); ++i) touched_index_.emplace(touched_[i].first, i);
    }
    return;
  }
  auto [entry, inserted] =
      touched_index_.try_emplace(slot, static_cast<uint32_t>(touched_.size()));
  if (!inserted) {
    touched_[entry->second].second = touched_[entry->second].second || rebucket;
    return;
  }
  touched_.emplace_back(slot, rebucket);
}

void State::Apply(const Event& event) {
  assert(event.seq == last_seq_ + 1);
  if (event.today > monitor_.last_day && monitor_.last_day != kNoDate) {
    RefreshDatedLimits(event.today);
  }
  Applier applier(*this, event);
  std::visit(applier, event.body);
  for (const auto& [slot, rebucket] : touched_) applier.Refresh(slot, rebucket);
  touched_.clear();
  touched_index_.clear();
  if (event.today > monitor_.last_day) monitor_.last_day = event.today;
  last_seq_ = event.seq;
  if (event.idempotency_key.empty()) return;
  // Forget keys past their retention, oldest first; time comes from the events themselves,
  // so replay forgets exactly what live traffic forgot.
  while (!idempotency_log_.empty() &&
         idempotency_log_.Front().time + options_.idempotency_retention_ms < event.time) {
    auto found = idempotency_index_.find(idempotency_log_.Front().index_key());
    if (found != idempotency_index_.end() && found->second == idempotency_log_.front_position()) {
      idempotency_index_.erase(found);
    }
    idempotency_log_.PopFront();
  }
  // The record holds the whole reply, decision included, in its compact form.
  IdempotencyLog::Position position =
      idempotency_log_.Append(event.idempotency_key, event.fingerprint, event);
  absl::string_view key = idempotency_log_.At(position).index_key();
  auto [entry, inserted] = idempotency_index_.try_emplace(key, position);
  if (!inserted) {
    // The key was reused past its retention while its old record is still in the log (the
    // clock stepped back, so the sweep stopped before it). The map key views the old record's
    // string, which dies when that record is swept: re-key the entry to the new record.
    idempotency_index_.erase(entry);
    idempotency_index_.emplace(key, position);
  }
}

}  // namespace creditline
