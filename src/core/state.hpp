// The credit state machine: every account, order, invoice, group, policy and FX rate, kept as
// running totals and indexes so that a check or a query never scans history.
//
// Execute(envelope, command) = idempotency lookup + Decide (pure: validate, run the checks,
// resolve amounts) + Apply (the only mutation). Replaying the same events through Apply yields
// the same state and the same StateHash(). Owned by one thread (the engine); not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "core/aggregates.hpp"
#include "core/behaviour.hpp"
#include "core/command_result.hpp"
#include "core/commands.hpp"
#include "core/decision.hpp"
#include "core/due_index.hpp"
#include "core/error.hpp"
#include "core/events.hpp"
#include "core/fx.hpp"
#include "core/idempotency_log.hpp"
#include "core/limit_request.hpp"
#include "core/monitor.hpp"
#include "core/policy.hpp"
#include "core/scorecard.hpp"
#include "core/stable_vector.hpp"

namespace creditline {

inline constexpr uint32_t kNone = UINT32_MAX;
// How long an idempotency key is remembered (by command time): long enough for any ERP retry
// loop, short enough to bound memory.
inline constexpr TimeMs kIdempotencyRetentionMsDefault = 24 * 3600 * 1000;
// The rolling window of the monthly quota, in business days ending today.
inline constexpr int32_t kMonthQuotaDays = 30;
// Replay reserves room in the idempotency index for at most this many more keys: enough that a
// journal of millions of events replays without rehashing the index as it grows (each rehash
// reads every key again), little enough (about 200 MB of index) that a very long journal,
// whose keys mostly expire along the way, does not reserve memory it never uses.
inline constexpr uint64_t kReplayKeysReservedMax = 4'000'000;

struct Customer {
  std::string customer_id, name, industry, region;
  std::vector<std::string> tags;
  std::vector<uint32_t> accounts;      // Account slots, in opening order.
  std::vector<Financials> financials;  // By period, oldest first; the newest kept.
  template <class F>
  void Fields(F&& f) {
    f("customer_id", customer_id), f("name", name), f("industry", industry), f("region", region),
        f("tags", tags), f("accounts", accounts), f("financials", financials);
  }
};

struct TemporaryLimit {
  std::string temporary_limit_id;
  int64_t amount_minor = 0;
  Date valid_from, valid_to;
  std::string reason;
  bool expiry_alerted = false;  // Its expiry alert was raised.
  template <class F>
  void Fields(F&& f) {
    f("temporary_limit_id", temporary_limit_id), f("amount_minor", amount_minor),
        f("valid_from", valid_from), f("valid_to", valid_to), f("reason", reason),
        f("expiry_alerted", expiry_alerted);
  }
};

struct Collateral {
  std::string collateral_id, kind;
  int64_t amount_minor = 0;
  Date valid_to;
  bool counts_toward_limit = true;
  bool expiry_alerted = false;  // Its expiry alert was raised.
  template <class F>
  void Fields(F&& f) {
    f("collateral_id", collateral_id), f("kind", kind), f("amount_minor", amount_minor),
        f("valid_to", valid_to), f("counts_toward_limit", counts_toward_limit),
        f("expiry_alerted", expiry_alerted);
  }
};

struct DayAmount {
  Date day;
  int64_t amount_minor = 0;
  template <class F>
  void Fields(F&& f) {
    f("day", day), f("amount_minor", amount_minor);
  }
};

struct ListLinks {
  uint32_t previous = kNone, next = kNone;
  template <class F>
  void Fields(F&& f) {
    f("previous", previous), f("next", next);
  }
};
struct ListEnds {
  uint32_t first = kNone, last = kNone;
  template <class F>
  void Fields(F&& f) {
    f("first", first), f("last", last);
  }
};

struct Account {
  std::string key;  // AccountKey(ref).
  AccountRef ref;
  Currency currency;
  int64_t base_limit_minor = 0;
  std::vector<TemporaryLimit> temporary_limits;
  std::vector<Collateral> collateral;
  std::string grade;
  int32_t payment_terms_days = 30;
  AccountStatus status = AccountStatus::kActive;
  Date review_on = kNoDate;
  uint32_t policy = 0;     // Index into State::policies_.
  uint32_t group = kNone;  // Index into State::groups_.

  // Running totals, kept current by Apply.
  int64_t orders_open_minor = 0;       // Reserved by open orders.
  int64_t receivables_open_minor = 0;  // Invoiced, not settled.
  int64_t unapplied_credit_minor = 0;  // Received, not yet matched to an invoice.
  int64_t written_off_minor = 0;       // Cumulative.
  uint32_t open_orders = 0, held_orders = 0, open_invoices = 0;
  ListEnds orders;                        // Open and held orders, oldest first.
  ListEnds invoices;                      // Open invoices by (due date, arrival).
  std::vector<DayAmount> ordered_by_day;  // Reserved per business day, last 30 days.
  Behaviour behaviour;                    // Payment behaviour aggregates (behaviour.hpp).
  uint32_t recovery_plan = kNone;         // The active recovery plan's slot.
  int32_t score = -1;                     // At the last review; -1 before the first.
  Date reviewed_on = kNoDate;
  // Monitoring marks: the utilization level last alerted (0 below the warning threshold,
  // 1 at or above it, 2 at or above the limit) and the review date last alerted.
  uint8_t utilization_level = 0;
  Date review_alerted_on = kNoDate;
  // Derived, not in Fields: the limit change requests pending on the account (one at most,
  // except in a journal written before that rule) and the slot of the newest of them, kNone
  // when none. Rebuilt after snapshot decode.
  uint32_t pending_limit_requests = 0;
  uint32_t pending_limit_request = kNone;
  // The seqs of every event that touched the account, oldest first: the index that finds an
  // account's history (statements, the activity feed) without scanning the journal.
  std::vector<uint64_t> history;

  int64_t ExposureMinor() const {
    return orders_open_minor + receivables_open_minor - unapplied_credit_minor;
  }
  template <class F>
  void Fields(F&& f) {
    f("key", key), f("ref", ref), f("currency", currency), f("base_limit_minor", base_limit_minor),
        f("temporary_limits", temporary_limits), f("collateral", collateral), f("grade", grade);
    f("payment_terms_days", payment_terms_days), f("status", status), f("review_on", review_on),
        f("policy", policy), f("group", group), f("orders_open_minor", orders_open_minor);
    f("receivables_open_minor", receivables_open_minor),
        f("unapplied_credit_minor", unapplied_credit_minor),
        f("written_off_minor", written_off_minor), f("open_orders", open_orders);
    f("held_orders", held_orders), f("open_invoices", open_invoices), f("orders", orders),
        f("invoices", invoices), f("ordered_by_day", ordered_by_day);
    f("behaviour", behaviour), f("recovery_plan", recovery_plan), f("score", score),
        f("reviewed_on", reviewed_on);
    f("utilization_level", utilization_level), f("review_alerted_on", review_alerted_on),
        f("history", history);
  }
};

struct Group {
  std::string group_id, name;
  Currency currency;
  int64_t limit_minor = 0;
  int64_t exposure_minor = 0;  // Sum of the members' exposures.
  std::vector<uint32_t> members;
};

enum class OrderStatus : uint8_t { kOpen, kHeld };
inline constexpr uint8_t EnumLimit(OrderStatus) { return 2; }

struct Order {
  std::string order_id;
  uint32_t account = kNone;
  OrderStatus status = OrderStatus::kOpen;
  int64_t amount_minor = 0;    // Current total in the account's currency.
  int64_t reserved_minor = 0;  // Still reserved (0 while held).
  int64_t invoiced_minor = 0;
  Money requested;  // As the client sent it, possibly in another currency.
  TimeMs placed_at = 0, expires_at = 0;
  uint64_t decided_seq = 0;
  Decision decision;  // The decision that placed or held it.
  std::string released_by, release_reason;
  ListLinks account_links, hold_links;
  bool sla_alerted = false;  // Its hold-SLA alert was raised.
  template <class F>
  void Fields(F&& f) {
    f("order_id", order_id), f("account", account), f("status", status),
        f("amount_minor", amount_minor), f("reserved_minor", reserved_minor);
    f("invoiced_minor", invoiced_minor), f("requested", requested), f("placed_at", placed_at),
        f("expires_at", expires_at), f("decided_seq", decided_seq), f("decision", decision);
    f("released_by", released_by), f("release_reason", release_reason),
        f("account_links", account_links), f("hold_links", hold_links),
        f("sla_alerted", sla_alerted);
  }
};

struct Invoice {
  std::string invoice_id;
  uint32_t account = kNone;
  std::string order_id;
  int64_t amount_minor = 0, open_minor = 0;
  Money original;
  Date issued_on, due_on;
  uint64_t created_seq = 0;
  ListLinks account_links;
  uint8_t overdue_level = 0;  // Alerts raised: 1 fell overdue, 2 overdue past N days.
  template <class F>
  void Fields(F&& f) {
    f("invoice_id", invoice_id), f("account", account), f("order_id", order_id),
        f("amount_minor", amount_minor), f("open_minor", open_minor), f("original", original);
    f("issued_on", issued_on), f("due_on", due_on), f("created_seq", created_seq),
        f("account_links", account_links), f("overdue_level", overdue_level);
  }
};

// Read models returned by queries.
struct AccountView {
  AccountRef ref;
  std::string customer_name;
  Currency currency;
  AccountStatus status = AccountStatus::kActive;
  std::string grade, policy, group_id;
  int32_t payment_terms_days = 0;
  Date review_on = kNoDate;
  int64_t limit_minor = 0, temporary_limits_minor = 0, collateral_minor = 0;
  int64_t effective_limit_minor = 0;
  int64_t orders_open_minor = 0, receivables_open_minor = 0, unapplied_credit_minor = 0;
  int64_t exposure_minor = 0, available_minor = 0;
  int32_t utilization_bp = 0;
  int64_t overdue_minor = 0;
  int32_t oldest_days_past_due = 0;
  int64_t written_off_minor = 0;
  uint32_t open_orders = 0, held_orders = 0, open_invoices = 0;
};

struct OrderView {
  std::string order_id;
  AccountRef account;
  OrderStatus status = OrderStatus::kOpen;
  Currency currency;
  int64_t amount_minor = 0, reserved_minor = 0, invoiced_minor = 0;
  Money requested;
  TimeMs placed_at = 0, expires_at = 0;
  Decision decision;
  std::string released_by, release_reason;
};

struct InvoiceView {
  std::string invoice_id, order_id;
  AccountRef account;
  Currency currency;
  int64_t amount_minor = 0, open_minor = 0;
  Date issued_on, due_on;
  int32_t days_past_due = 0;
};

struct GroupView {
  std::string group_id, name;
  Currency currency;
  int64_t limit_minor = 0, exposure_minor = 0, available_minor = 0;
  std::vector<AccountRef> members;
};

struct CustomerFilter {
  std::string query;  // Case-insensitive (ASCII) substring of the id or the name; empty: all.
  std::optional<AccountStatus> status;  // Any of the customer's accounts has this status.
  std::optional<std::string> grade;     // Any of the customer's accounts has this grade.
};

// A customer's account assessed now: its metrics, score with explanation, grade and proposal.
struct AccountAssessment {
  AccountRef ref;
  Currency currency;
  AccountStatus status = AccountStatus::kActive;
  int64_t limit_minor = 0;
  BehaviourMetrics metrics;
  std::string financials_period;  // The period scored; empty without financials.
  ScoreResult score;
  Proposal proposal;
  int32_t last_score = -1;  // At the last review.
  Date reviewed_on = kNoDate, review_on = kNoDate;
};

struct LimitRequestFilter {
  std::optional<LimitRequestStatus> status;
  std::string customer_id;  // Empty: all.
};

struct AlertFilter {
  std::optional<AlertRule> rule;
  std::string customer_id;           // Empty: every customer.
  std::optional<bool> acknowledged;  // Absent: both.
  uint64_t after_id = 0;             // Paging: alerts with larger ids.
};

struct StateOptions {
  TimeMs idempotency_retention_ms = kIdempotencyRetentionMsDefault;
};

class State {
 public:
  explicit State(StateOptions options = {});

  // Runs one command. On success the event (if any: idempotent replays have none) is appended
  // to `emitted` when it is not null. On error nothing changed.
  Result<CommandResult> Execute(const Envelope& envelope, const Command& command,
                                std::vector<Event>* emitted = nullptr);

  // Validates the command against the current state and resolves it into the next event,
  // written to `*event`. Pure: the state is not modified.
  Status Decide(const Envelope& envelope, const Command& command, uint64_t fingerprint,
                Event* event) const;

  // Applies an event produced by Decide (live) or read from the journal (replay).
  // REQUIRES: event.seq == last_seq() + 1 and the event is valid for this state.
  void Apply(const Event& event);
  // Before replaying `events` events: makes room for their idempotency keys (up to
  // kReplayKeysReservedMax) so that the index does not grow by rehashing. Changes no content.
  void ReserveForReplay(uint64_t events);

  // A credit check for a hypothetical order: the decision, no change.
  Result<Decision> Check(const AccountRef& ref, Money amount, Date today) const;

  uint64_t last_seq() const { return last_seq_; }
  const StateOptions& options() const { return options_; }
  // An order-independent digest of the whole state (see state_hash.cpp).
  uint64_t StateHash() const;
  // The digest of each part of the state (accounts, orders, ..., each monitor field), so a
  // mismatch of two StateHashes can be narrowed down to the part that differs.
  std::vector<std::pair<std::string, uint64_t>> StateHashParts() const;

  // Queries; each costs O(1) or O(items of that account), never a scan of history.
  Result<AccountView> ViewAccount(const AccountRef& ref, Date today) const;
  Result<std::vector<OrderView>> OpenOrders(const AccountRef& ref) const;
  Result<std::vector<InvoiceView>> OpenInvoices(const AccountRef& ref, Date today) const;
  // The hold queue, oldest first, at most `limit` entries.
  std::vector<OrderView> Holds(size_t limit) const;
  Result<OrderView> ViewOrder(const std::string& order_id) const;
  // An open invoice (kInvoiceNotFound once settled, credited or written off in full).
  Result<InvoiceView> ViewInvoice(const std::string& invoice_id, Date today) const;
  Result<GroupView> ViewGroup(const std::string& group_id) const;
  const Customer* FindCustomer(const std::string& customer_id) const;
  // The customer's accounts, default account first.
  Result<std::vector<AccountView>> ViewCustomerAccounts(const std::string& customer_id,
                                                        Date today) const;
  // Customers in id order with ids after `after_id`, at most `limit`. Filtering walks the id
  // order, so a selective filter over a large portfolio costs a scan; paging does not.
  std::vector<const Customer*> ListCustomers(const CustomerFilter& filter,
                                             const std::string& after_id, size_t limit) const;
  bool HasOpenInvoice(const std::string& invoice_id) const {
    return invoice_index_.contains(invoice_id);
  }
  // True when `key` is a remembered idempotency key at `now` (a command with it replays).
  bool RemembersKey(const std::string& key, TimeMs now) const;
  // The earliest expires_at among open and held orders, if any.
  std::optional<TimeMs> NextExpiry() const;
  const std::vector<Policy>& policies() const { return policies_; }
  const Policy* FindPolicy(const std::string& name) const;
  const FxTable& fx() const { return fx_; }
  size_t account_count() const { return accounts_.size(); }
  size_t customer_count() const { return customers_.size(); }
  size_t open_order_count() const { return order_index_.size(); }
  size_t open_invoice_count() const { return invoice_index_.size(); }
  size_t hold_count() const { return hold_count_; }
  size_t idempotency_record_count() const { return idempotency_log_.size(); }

  // Credit assessment (review.cpp).
  Result<AccountAssessment> Assess(const AccountRef& ref, Date today) const;
  const Scorecard& scorecard() const { return scorecard_; }
  const AssessmentPolicy& assessment_policy() const { return assessment_policy_; }
  // Accounts whose review is due on `today`: review date reached or never reviewed.
  size_t CountDueForReview(Date today) const;
  const LimitRequest* FindLimitRequest(const std::string& request_id) const;
  // Requests in creation order from position `from`, at most `limit`; `*next` is the position
  // to continue from (0 when there are no more).
  std::vector<const LimitRequest*> ListLimitRequests(const LimitRequestFilter& filter, size_t from,
                                                     size_t limit, size_t* next) const;
  const RecoveryPlan* FindRecoveryPlan(const std::string& plan_id) const;
  size_t limit_request_count() const { return limit_requests_.size(); }
  size_t recovery_plan_count() const { return recovery_plans_.size(); }
  // Monitoring and reports (state_monitor.cpp, src/report/).
  const MonitorState& monitor() const { return monitor_; }
  const Aggregates& aggregates() const { return aggregates_; }
  const DueIndex& due_index() const { return due_index_; }
  // Alerts matching `filter`, oldest first, at most `limit`.
  std::vector<Alert> Alerts(const AlertFilter& filter, size_t limit) const;
  // The alert with this id, or null (also when it is no longer kept).
  const Alert* FindAlert(uint64_t alert_id) const;
  // True when RunMonitor has something to do at `now`: a new business day to scan or a hold
  // past its SLA. Cheap enough for every housekeeping tick.
  bool MonitorDue(TimeMs now, Date today) const;
  // Read access for reports: account and invoice slots (invoices may be free slots: check
  // invoice_id), and the effective limit of an account on a day.
  const std::vector<Account>& accounts() const { return accounts_; }
  const StableVector<Invoice>& invoice_slots() const { return invoices_; }
  int64_t EffectiveLimitOn(const Account& account, Date today) const {
    return EffectiveLimitMinor(account, today);
  }
  // Recomputes every aggregate from the accounts and invoices (after a snapshot is decoded,
  // and in tests to compare with the running totals).
  void RebuildAggregates(Date today);
  // On the first event of a new business day: moves the aggregates' limit of every account with
  // temporary limits or collateral to the day's effective limit, so that the aggregates (and the
  // trend points taken from them) depend only on the day, never on when an account was last
  // touched, and replay, snapshots and live state agree.
  void RefreshDatedLimits(Date today);

  // For invariant checks in tests: recomputes an account's totals from its open items.
  struct ItemSums {
    int64_t orders_minor = 0, receivables_minor = 0;
  };
  ItemSums SumOpenItems(const AccountRef& ref) const;

 private:
  friend class Decider;            // state_decide.cpp: Command -> Event.
  friend class Applier;            // state_apply.cpp: Event -> state.
  friend class StateHasher;        // state_hash.cpp.
  friend class StateCodec;         // snapshot.cpp: the binary snapshot.
  friend class AssessmentDecider;  // assessment_decide.cpp.
  friend class AssessmentApplier;  // assessment_apply.cpp.
  friend class MonitorDecider;     // state_monitor.cpp: RunMonitor -> MonitorRan.

  AccountAssessment AssessSlot(uint32_t slot, Date today) const;
  // Keeps Account::pending_limit_request* current when request `slot` is decided.
  void NotePendingRequestClosed(Account& account, uint32_t slot);
  // Records that event `seq` touched the account in slot `slot` (its history index).
  void NoteHistory(uint32_t slot, uint64_t seq) {
    std::vector<uint64_t>& history = accounts_[slot].history;
    if (history.empty() || history.back() != seq) history.push_back(seq);
  }

  // Records that event `seq` touched the account in `slot`: its history index, and a refresh of
  // its figures in the aggregates once Apply is done (`rebucket` also re-reads its grade,
  // industry and region buckets).
  void TouchAccount(uint32_t slot, uint64_t seq, bool rebucket);

  // The figures of a check for `amount_minor` (account currency), without rules.
  Result<Decision> Breakdown(const Account& account, int64_t amount_minor, Date today) const;
  // Breakdown plus every rule (state_check.cpp).
  Result<Decision> RunChecks(const Account& account, int64_t amount_minor,
                             int64_t order_total_minor, Date today) const;
  int64_t EffectiveLimitMinor(const Account& account, Date today,
                              int64_t* temporary_minor = nullptr,
                              int64_t* collateral_minor = nullptr) const;
  // What an account contributes to the aggregates on `today`.
  AccountFigures FiguresOn(const Account& account, Date today) const {
    return {EffectiveLimitMinor(account, today), account.ExposureMinor(), account.orders_open_minor,
            account.receivables_open_minor, account.unapplied_credit_minor};
  }
  int64_t OverdueMinor(const Account& account, Date today, int32_t* oldest_days) const;
  int64_t OrderedSince(const Account& account, Date first_day) const;
  Result<int64_t> InAccountCurrency(const Account& account, Money amount, Date on,
                                    const char* field) const;

  // Lookups.
  Result<uint32_t> AccountSlot(const AccountRef& ref) const;
  // kNone when there is no such account. Looks up without building the key when it can.
  uint32_t FindAccountSlot(const AccountRef& ref) const;
  Result<uint32_t> OrderSlot(const std::string& order_id) const;
  Result<uint32_t> InvoiceSlot(const std::string& invoice_id) const;
  Result<uint32_t> GroupSlot(const std::string& group_id) const;
  Result<uint32_t> PolicySlot(const std::string& name) const;
  OrderView ToView(const Order& order) const;
  InvoiceView ToView(const Invoice& invoice, Date today) const;
  Alert* FindAlert(uint64_t alert_id);
  Result<EventBody> DecideMonitor(const Envelope& envelope) const;

  StateOptions options_;
  uint64_t last_seq_ = 0;
  FxTable fx_;
  std::vector<Policy> policies_;
  absl::flat_hash_map<std::string, uint32_t> policy_index_;
  absl::flat_hash_map<std::string, Customer> customers_;
  std::set<std::string> customer_order_;  // Customer ids in order, for paging.
  std::vector<Account> accounts_;
  absl::flat_hash_map<std::string, uint32_t> account_index_;
  std::vector<Group> groups_;
  absl::flat_hash_map<std::string, uint32_t> group_index_;

  // Orders and invoices live in slabs (free slots reused) so that list links are stable
  // indexes; only open items are kept.
  StableVector<Order> orders_;
  std::vector<uint32_t> free_orders_;
  absl::flat_hash_map<std::string, uint32_t> order_index_;
  ListEnds hold_queue_;
  size_t hold_count_ = 0;
  std::set<std::pair<TimeMs, std::string>> expiry_index_;
  StableVector<Invoice> invoices_;
  std::vector<uint32_t> free_invoices_;
  absl::flat_hash_map<std::string, uint32_t> invoice_index_;

  // Remembered commands, oldest first, in compact records (idempotency_log.hpp). The index maps
  // each key to its record's position; its string_views point into the log, whose records never
  // move, so each key is stored once.
  IdempotencyLog idempotency_log_;
  absl::flat_hash_map<absl::string_view, IdempotencyLog::Position> idempotency_index_;

  // Credit assessment: the configuration in force, every limit request (kept after its
  // decision, as the audit trail) and every recovery plan, in creation order.
  Scorecard scorecard_ = DefaultScorecard();
  AssessmentPolicy assessment_policy_ = DefaultAssessmentPolicy();
  std::vector<LimitRequest> limit_requests_;
  absl::flat_hash_map<std::string, uint32_t> limit_request_index_;
  std::vector<RecoveryPlan> recovery_plans_;
  absl::flat_hash_map<std::string, uint32_t> recovery_plan_index_;
  MonitorState monitor_;
  // Derived: rebuilt on decode, never stored. The last business date an account was
  // refreshed with is the one its effective limit was taken on.
  Aggregates aggregates_;
  DueIndex due_index_;  // Derived, rebuilt with the aggregates.
  // Accounts an event touched, refreshed in the aggregates once Apply is done; the flag asks
  // for a new look-up of the account's grade, industry and region buckets.
  std::vector<std::pair<uint32_t, bool>> touched_;
  // Positions in touched_ by slot, kept only once an event touches many accounts (a review).
  absl::flat_hash_map<uint32_t, uint32_t> touched_index_;
};

}  // namespace creditline
