// StateHash: a digest of the whole credit state that does not depend on hash-map iteration
// order or slab slot numbers, so live state and replayed state can be compared.
//
// Each entity is hashed by content (ids instead of slot indexes) and the entity digests are
// added modulo 2^64, which makes the result independent of the order they are visited in.
#include "core/codec.hpp"
#include "core/state.hpp"

namespace creditline {

class StateHasher {
 public:
  explicit StateHasher(const State& state) : s_(state) {}

  uint64_t Run() {
    Add(uint8_t{0}, s_.last_seq_);
    Mark("last_seq");
    for (const Policy& policy : s_.policies_) Add(uint8_t{1}, policy);
    Mark("policies");
    for (const auto& [pair, entries] : s_.fx_.entries()) {
      for (const FxRateEntry& entry : entries) {
        Add(uint8_t{2}, pair.first, pair.second, entry.effective_on, entry.rate_scaled);
      }
    }
    Mark("fx");
    for (const auto& [id, c] : s_.customers_) {
      Add(uint8_t{3}, c.customer_id, c.name, c.industry, c.region, c.tags, Keys(c.accounts),
          c.financials);
    }
    Mark("customers");
    for (const Account& a : s_.accounts_) HashAccount(a);
    Mark("accounts");
    for (const Group& g : s_.groups_) {
      Add(uint8_t{5}, g.group_id, g.name, g.currency, g.limit_minor, g.exposure_minor,
          Keys(g.members));
    }
    Mark("groups");
    for (const auto& [id, slot] : s_.order_index_) HashOrder(s_.orders_[slot]);
    Mark("orders");
    for (const auto& [id, slot] : s_.invoice_index_) {
      const Invoice& i = s_.invoices_[slot];
      Add(uint8_t{7}, i.invoice_id, s_.accounts_[i.account].key, i.order_id, i.amount_minor,
          i.open_minor, i.original, i.issued_on, i.due_on, i.created_seq, i.overdue_level);
    }
    Mark("invoices");
    s_.idempotency_log_.ForEach([&](const IdempotencyLog::Entry& record) {
      Add(uint8_t{8}, record.key, record.fingerprint, record.time, record.seq);
    });
    Mark("idempotency");
    Add(uint8_t{9}, s_.scorecard_, s_.assessment_policy_);
    Mark("assessment_settings");
    for (const LimitRequest& request : s_.limit_requests_) Add(uint8_t{10}, request);
    Mark("limit_requests");
    for (const RecoveryPlan& plan : s_.recovery_plans_) Add(uint8_t{11}, plan);
    Mark("recovery_plans");
    Add(uint8_t{9}, s_.monitor_);
    Mark("monitor");
    return sum_;
  }

  // The digest of each part, in the order Run visits them, and of each monitor field.
  std::vector<std::pair<std::string, uint64_t>> Parts() {
    Run();
    MonitorState monitor = s_.monitor_;
    monitor.Fields([&](const char* name, const auto& value) {
      HashSink sink;
      Write(sink, value);
      parts_.emplace_back(std::string("monitor.") + name, sink.Digest());
    });
    return std::move(parts_);
  }

 private:
  template <class... T>
  void Add(const T&... values) {
    HashSink sink;
    (Write(sink, values), ...);
    sum_ += sink.Digest();
  }

  void Mark(const char* part) {
    parts_.emplace_back(part, sum_ - marked_);
    marked_ = sum_;
  }

  std::vector<std::string> Keys(const std::vector<uint32_t>& account_slots) const {
    std::vector<std::string> keys;
    for (uint32_t slot : account_slots) keys.push_back(s_.accounts_[slot].key);
    return keys;
  }

  void HashAccount(const Account& a) {
    std::string group = a.group == kNone ? "" : s_.groups_[a.group].group_id;
    Add(uint8_t{4}, a.key, a.ref, a.currency, a.base_limit_minor, a.temporary_limits, a.collateral,
        a.grade, a.payment_terms_days, a.status, a.review_on, s_.policies_[a.policy].name, group,
        a.orders_open_minor, a.receivables_open_minor, a.unapplied_credit_minor,
        a.written_off_minor, a.open_orders, a.held_orders, a.open_invoices, a.ordered_by_day,
        a.utilization_level, a.review_alerted_on);
    std::string plan = a.recovery_plan == kNone ? "" : s_.recovery_plans_[a.recovery_plan].plan_id;
    Add(uint8_t{12}, a.key, a.behaviour, plan, a.score, a.reviewed_on, a.history);
  }

  void HashOrder(const Order& o) {
    Add(uint8_t{6}, o.order_id, s_.accounts_[o.account].key, o.status, o.amount_minor,
        o.reserved_minor, o.invoiced_minor, o.requested, o.placed_at, o.expires_at, o.decided_seq,
        o.decision, o.released_by, o.release_reason, o.sla_alerted);
  }

  const State& s_;
  uint64_t sum_ = 0;
  uint64_t marked_ = 0;
  std::vector<std::pair<std::string, uint64_t>> parts_;
};

uint64_t State::StateHash() const { return StateHasher(*this).Run(); }

std::vector<std::pair<std::string, uint64_t>> State::StateHashParts() const {
  return StateHasher(*this).Parts();
}

}  // namespace creditline
